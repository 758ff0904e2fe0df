/**
 * The whole service on MongoDB, when a server is at hand (`MONGODB_URI`): runs scheduled by Agenda on
 * `@agendajs/mongo-backend`, a filling run, and a whole-invocation run with its results, end to end over HTTP.
 * The store itself is covered by the conformance suites in test/store/mongo.test.ts.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import type { TenantId } from '../../src/domain/types.js';
import { MONGO_DEFAULTS, MongoStore } from '../../src/store/mongo/index.js';
import { createDefinition, JSON_TYPE } from '../support/api.js';
import { POLLING_FALLBACK_MESSAGE } from '../../src/runs/notificationChannel.js';
import { capturedLogs, pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { dropMongoDatabase, ownMongoUri, withDatabase } from '../support/mongoUri.js';
import { waitFor } from '../support/waitFor.js';

const uri = process.env.MONGODB_URI;
const TENANT = 'default' as TenantId;

if (uri === undefined || uri === '') {
  console.log('MongoDB service tests skipped: MONGODB_URI is not set (no MongoDB server here)');
} else {
  describeServiceOnMongo(uri);
  describeTrailingCounters();
}

function describeServiceOnMongo(connectionString: string): void {
  describe('the service on MongoDB (Agenda on @agendajs/mongo-backend)', function () {
    this.timeout(60_000);
    const database = `inv_service_${randomUUID().slice(0, 8)}`;
    let service: TestService;
    let cleanup: () => Promise<void>;
    const logs = capturedLogs();

    before(async () => {
      const plugins = await pluginsDirWith(path.join(REPO_ROOT, 'test/fixtures/plugins/runs'));
      cleanup = plugins.cleanup;
      const config = { pluginsDir: plugins.dir, mongodbUri: withDatabase(connectionString, database), runFirstItems: 10, runPollMs: 500 };
      service = await startTestService(config, logs.logger);
    });

    after(async () => {
      await service?.stop();
      await cleanup?.();
      const client = await new MongoClient(connectionString).connect();
      await client.db(database).dropDatabase();
      await client.close();
    });

    const json = async (pathname: string): Promise<any> => (await service.request(pathname, { headers: { Accept: JSON_TYPE } })).json();
    const invoke = (csid: string, context: Record<string, unknown>) =>
      service.request(`/cspace-services/batch/${csid}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
        body: JSON.stringify({ 'ns2:invocationContext': context }),
      });
    const finished = (location: string) =>
      waitFor('the run to finish', async () => {
        const run = (await json(location))['ns2:run'];
        return ['Queued', 'InProgress'].includes(run.status) ? undefined : run;
      });

    it('runs a filling per-record run to Completed, every item once', async () => {
      expect(service.storeEngine).to.equal('mongodb');
      for (let i = 0; i < 35; i += 1) await service.store.records.create(TENANT, 'CollectionObject', { objectNumber: `m${i}` }, 'test');
      const csid = await createDefinition(service, { name: 'items', forDocTypes: { forDocType: ['CollectionObject'] }, supportsNoContext: true, className: 'test.RecordItems' });
      const res = await invoke(csid, { mode: 'nocontext' });
      expect(res.status, await res.clone().text()).to.equal(202);
      const run = await finished(res.headers.get('location') ?? '');
      expect(run).to.include({ status: 'Completed', noOfItemsPosted: '35', noOfItemsProcessed: '35' });
      const items = [(await json(`/cspace-services/runs/${run.id}/items?pgSz=100`))['ns2:abstract-common-list']['list-item']].flat();
      expect(new Set(items.map((item: any) => item.csid)).size).to.equal(35);
      expect(items.every((item: any) => item.attempts === '1')).to.equal(true);
    });

    // A replica set's change stream cannot be shown here (the emulator is a standalone server without them).
    it('says once at start that a standalone server wakes workers by polling, and how often', async function () {
      if (!(service.store instanceof MongoStore) || service.store.deployment !== 'standalone') {
        console.log(`      skipped: the server is a ${String((service.store as MongoStore).deployment)}, not a standalone server`);
        this.skip();
      }
      const said = logs.lines().filter((line) => line.msg === POLLING_FALLBACK_MESSAGE);
      expect(said.map((line) => [line.level, line.pollEveryMs, line.deployment])).to.deep.equal([[30, 500, 'standalone']]);
    });

    it("keeps a whole invocation's results", async () => {
      const csid = await createDefinition(service, { name: 'whole', supportsNoContext: true, className: 'test.WholeNote' });
      const res = await invoke(csid, { mode: 'nocontext' });
      const run = await finished(res.headers.get('location') ?? '');
      expect(run.status).to.equal('Completed');
      expect((await json(`/cspace-services/runs/${run.id}/results`))['ns2:invocationResults'].userNote).to.equal('whole: 0 csid(s)');
    });
  });
}

/**
 * A process killed between its items' final writes and its run's counter update leaves counters that say work is
 * left when none is: the next process must still finish the run, with the counts its items give.
 */
function describeTrailingCounters(): void {
  describe('a run whose counters trail its items, on MongoDB', function () {
    this.timeout(60_000);
    const runsUri = ownMongoUri('inv_trailing');
    let service: TestService | undefined;

    after(async () => {
      await service?.stop();
      if (runsUri !== undefined) await dropMongoDatabase(runsUri);
    });

    it('is finished by the next process to wake it, with the counts its items give', async () => {
      const store = await MongoStore.connect({ uri: runsUri ?? '' });
      let runId: string;
      try {
        const definition = { name: 'items', forDocTypes: ['CollectionObject'], forRoles: [], resourceActionGroupList: [], supportsNoContext: false, supportsSingleDoc: false, supportsDocList: true, supportsGroup: false, className: 'test.RecordItems' };
        const { csid } = await store.definitions.create(TENANT, definition, 'admin');
        const invocation = { mode: 'list', docType: 'CollectionObject', listCSIDs: [], params: [] };
        const run = await store.runs.create(TENANT, { definitionCsid: csid, definitionName: 'items', invocation, createdBy: 'admin' }, ['a', 'b', 'c'], new Date());
        runId = run.id;
        const items = await store.runs.claim(TENANT, run.id, { owner: 'killed', limit: 3, leaseMs: 60_000, now: new Date() });
        const outcomes = items.map((item) => ({ seq: item.seq, status: item.key === 'c' ? ('Failed' as const) : ('Completed' as const), error: 'refused' }));
        await store.runs.complete(TENANT, run.id, 'killed', outcomes, new Date());
        await store.db.collection(MONGO_DEFAULTS.collections.runs).updateOne({ _id: run.id as never }, { $set: { processed: 0, failed: 0, affected: 0 } });
      } finally {
        await store.close();
      }
      const plugins = await pluginsDirWith(path.join(REPO_ROOT, 'test/fixtures/plugins/runs'));
      try {
        // Starting, a process wakes every run left active.
        service = await startTestService({ pluginsDir: plugins.dir, mongodbUri: runsUri });
        const run = await waitFor('the run to finish', async () => {
          const found = await service?.store.runs.get(TENANT, runId);
          return found?.status === 'Queued' || found?.status === 'InProgress' ? undefined : found;
        });
        expect(run.status).to.equal('CompletedWithErrors');
        expect(run.counts).to.deep.equal({ posted: 3, processed: 3, failed: 1, affected: 2, cancelled: 0 });
      } finally {
        await plugins.cleanup();
      }
    });
  });
}
