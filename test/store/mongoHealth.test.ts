/**
 * MongoDB's side of the store's health against a server that is not there (nothing listens on port 1): the real
 * driver fails as it does when the server is down, and the store must call that `unreachable`, never an internal
 * error. (With a server, `MONGODB_URI` runs the conformance suites, health included.)
 */
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { StoreUnavailableError } from '../../src/domain/errors.js';
import { StoreHealth } from '../../src/store/health.js';
import { MONGO_PROBE_TIMEOUT_MS, probeMongo, reportingFaults } from '../../src/store/mongo/health.js';

describe('MongoDB store health, server unreachable', function () {
  this.timeout(10_000);
  let client: MongoClient;

  before(() => {
    client = new MongoClient('mongodb://127.0.0.1:1/invocables?serverSelectionTimeoutMS=300&connectTimeoutMS=300');
  });

  after(async () => {
    await client.close();
  });

  it('the /health probe reports the server unreachable within its time limit', async () => {
    const health = new StoreHealth();
    const faults: string[] = [];
    health.on('fault', (problem) => faults.push(problem.kind));
    health.setProbe(() => probeMongo(client.db(), health));
    const started = Date.now();
    expect(await health.check()).to.deep.equal({ kind: 'unreachable', message: 'the MongoDB server cannot be reached' });
    expect(Date.now() - started).to.be.at.most(MONGO_PROBE_TIMEOUT_MS + 500);
    await health.check();
    expect(faults, 'one fault, however often it is probed').to.deep.equal(['unreachable']);
    health.stop();
  });

  it('a store call that cannot reach the server fails with StoreUnavailableError, not the driver error', async () => {
    const health = new StoreHealth();
    const records = reportingFaults({ get: () => client.db().collection('records').findOne({}) }, health);
    const error = await records.get().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).code).to.equal('STORE_UNAVAILABLE');
    expect(health.problem?.kind).to.equal('unreachable');
    health.stop();
  });
});
