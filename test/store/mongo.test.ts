import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { MongoClient } from 'mongodb';
import { MONGO_DEFAULTS, MONGO_INDEXES, MongoStore, databaseNameFromUri } from '../../src/store/mongo/index.js';
import { definitionSearchFilter, recordSearchFilter } from '../../src/store/mongo/advancedSearchFilter.js';
import type { TenantId } from '../../src/domain/types.js';
import type { Store } from '../../src/store/types.js';
import { describeAdvancedSearchConformance } from './advancedSearchConformance.js';
import { describeAuthStoreConformance } from './authStoreConformance.js';
import { describeResultLinkStoreConformance } from './resultLinkStoreConformance.js';
import { describeRecordItemsConformance } from './recordItemsConformance.js';
import { describeRunStoreConformance } from './runStoreConformance.js';
import { describeScheduleStoreConformance } from './scheduleStoreConformance.js';
import { describeIdempotencyStoreConformance } from './idempotencyStoreConformance.js';
import { describeOAuthStateConformance } from './oauthStateConformance.js';
import { definition, describeStoreConformance, type StoreConformanceOptions } from './storeConformance.js';
import { NAME_PENDING_BOUND_MS } from '../../src/store/mongo/MongoDefinitionStore.js';
import { probeExpressionSupport, type ExpressionSupport } from '../support/mongoExpressionProbe.js';
import { expectPurgeDeletesLogLines } from './runLogPurge.js';

const uri = process.env.MONGODB_URI;

/** A valid, unique MongoDB database name (at most 63 bytes) that still reads like the test. */
function databaseNameFor(testName: string): string {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 40);
  const hash = createHash('sha256').update(testName).digest('hex').slice(0, 10);
  return `inv_${slug}_${hash}`;
}

/**
 * The size of the 400,000-item case on MongoDB: `MONGODB_BIG_RUN_ITEMS` (a multiple of 10), 2,000 unless set, so
 * that the suite ends on the wire-protocol emulator it is run on here. There (in memory, compound indexes ignored)
 * claiming 10,000 items took 200 s in a 20,000-item run, and did not end within 14 minutes in a 400,000-item one,
 * stalling every test after it. On a MongoDB server, set MONGODB_BIG_RUN_ITEMS=400000.
 */
function bigRunItems(): number {
  const items = Number(process.env.MONGODB_BIG_RUN_ITEMS ?? 2_000);
  if (!Number.isInteger(items) || items <= 0 || items % 10 !== 0) {
    throw new Error(`MONGODB_BIG_RUN_ITEMS must be a positive multiple of 10, not ${process.env.MONGODB_BIG_RUN_ITEMS}`);
  }
  if (items !== 400_000) {
    console.log(`MongoDB big-run case: ${items.toLocaleString('en')} items, not 400,000 (MONGODB_BIG_RUN_ITEMS=400000 runs it whole)`);
  }
  return items;
}

function asMongoStore(store: Store): MongoStore {
  if (!(store instanceof MongoStore)) throw new TypeError('expected a MongoStore');
  return store;
}

describe('MongoDB connection settings', () => {
  it('takes the database name from the connection string path', () => {
    expect(databaseNameFromUri('mongodb://localhost:27017/collections?replicaSet=rs0')).to.equal('collections');
    expect(databaseNameFromUri('mongodb+srv://user:p%40ss@cluster.example.net/my%20db')).to.equal('my db');
    expect(databaseNameFromUri('mongodb://a:1,b:2/')).to.equal(undefined);
    expect(databaseNameFromUri('mongodb://localhost')).to.equal(undefined);
  });

  it('closes the client it created when connecting fails', async () => {
    const clientOptions = { serverSelectionTimeoutMS: 200 };
    const failing = MongoStore.connect({ uri: 'mongodb://127.0.0.1:9/none', clientOptions });
    let error: unknown;
    await failing.catch((caught: unknown) => {
      error = caught;
    });
    expect(error).to.be.instanceOf(Error);
  });
});

if (uri === undefined || uri === '') {
  console.log('MongoDB conformance suite skipped: MONGODB_URI is not set (no MongoDB server here)');
} else {
  describeMongoStore(uri);
}

function describeMongoStore(connectionString: string): void {
  describe('MongoDB store', () => {
    let client: MongoClient;
    let expressions: ExpressionSupport;

    before(async () => {
      client = await new MongoClient(connectionString).connect();
      expressions = await probeExpressionSupport(client, connectionString);
    });

    after(async () => {
      await client.close();
    });

    const mongoPerTest: StoreConformanceOptions = {
      name: 'MongoDB',
      create: async (testName, { now, runs }) => {
        // A failed test's database is kept to be looked at, under the same name: the next run starts it afresh.
        const databaseName = databaseNameFor(testName);
        await client.db(databaseName).dropDatabase();
        return MongoStore.connect({ client, databaseName, now, runs });
      },
      dispose: async (store, { testName, failed }) => {
        const mongo = asMongoStore(store);
        if (failed) console.log(`kept database ${mongo.db.databaseName} of failed test: ${testName}`);
        else await mongo.db.dropDatabase();
        await mongo.close();
      },
    };
    describeStoreConformance(mongoPerTest);
    describeAdvancedSearchConformance({
      ...mongoPerTest,
      unsupported: {
        definitions: (search) => expressions.missingFor(definitionSearchFilter(search)),
        records: (search) => expressions.missingFor(recordSearchFilter(search)),
      },
    });
    describeRunStoreConformance({ ...mongoPerTest, bigRunItems: bigRunItems() });
    describeScheduleStoreConformance(mongoPerTest);
    describeResultLinkStoreConformance(mongoPerTest);
    describeAuthStoreConformance(mongoPerTest);
    describeIdempotencyStoreConformance(mongoPerTest);
    describeRecordItemsConformance(mongoPerTest);
    describeOAuthStateConformance({
      name: 'MongoDB',
      open: async (testName, now) => {
        const store = await mongoPerTest.create(testName, { now: () => new Date(now()) });
        return { state: asMongoStore(store).oauthState, dispose: () => mongoPerTest.dispose(store, { testName, failed: false }) };
      },
    });

    it('keeps run results past the configured limit in runResults, deleted by rerun and with their run', async () => {
      const tenant = 'tenant-a' as TenantId;
      const databaseName = databaseNameFor('MongoDB run results apart');
      const store = await MongoStore.connect({ client, databaseName, runs: { resultsInlineLimit: 100 } });
      const bodies = () => store.db.collection(MONGO_DEFAULTS.collections.runResults).countDocuments();
      const finishAgain = async (id: string, userNote: string) => {
        const [item] = await store.runs.claim(tenant, id, { owner: 'w', limit: 1, leaseMs: 1000, now: new Date(1) });
        await store.runs.complete(tenant, id, 'w', [{ seq: item!.seq, status: 'Completed' }], new Date(2));
        return store.runs.finish(tenant, id, { userNote }, new Date(3));
      };
      try {
        const run = await store.runs.create(tenant, { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice' }, ['x'], new Date(0));
        expect((await finishAgain(run.id, 'x'.repeat(200)))?.resultsStoredApart).to.equal(true);
        expect(await bodies()).to.equal(1);
        await store.runs.rerun(tenant, run.id, { onlyFailed: false }, new Date(4));
        expect(await bodies()).to.equal(0);
        // A note starting with '$' is kept as written, not read as a field path.
        expect((await finishAgain(run.id, '$userNote'))?.results).to.deep.equal({ userNote: '$userNote' });
        await store.runs.rerun(tenant, run.id, { onlyFailed: false }, new Date(5));
        await finishAgain(run.id, 'y'.repeat(200));
        expect(await store.runs.purge(new Date(10))).to.equal(1);
        expect(await bodies()).to.equal(0);
      } finally {
        await store.db.dropDatabase();
        await store.close();
      }
    });

    it('finishes a run whose counters trail its items (a crash between the two) with the counts the items give', async () => {
      const tenant = 'tenant-a' as TenantId;
      const store = await MongoStore.connect({ client, databaseName: databaseNameFor('MongoDB counters trailing') });
      try {
        const input = { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice' };
        const run = await store.runs.create(tenant, input, ['a', 'b', 'c'], new Date(0));
        const items = await store.runs.claim(tenant, run.id, { owner: 'w', limit: 3, leaseMs: 1000, now: new Date(1) });
        const outcomes = items.map((item) => ({ seq: item.seq, status: item.key === 'c' ? ('Failed' as const) : ('Completed' as const) }));
        await store.runs.complete(tenant, run.id, 'w', outcomes, new Date(2));
        // What a process killed between the item writes and the counter update leaves.
        await store.db.collection(MONGO_DEFAULTS.collections.runs).updateOne({ _id: run.id as never }, { $set: { processed: 1, failed: 0, affected: 1 } });
        expect((await store.runs.get(tenant, run.id))?.counts).to.include({ posted: 3, processed: 1 });
        expect((await store.runs.recount(tenant, run.id))?.counts).to.deep.equal({ posted: 3, processed: 3, failed: 1, affected: 2, cancelled: 0 });
        const finished = await store.runs.finish(tenant, run.id, { userNote: 'done' }, new Date(3));
        expect(finished?.status).to.equal('CompletedWithErrors');
        expect(finished?.counts).to.deep.equal({ posted: 3, processed: 3, failed: 1, affected: 2, cancelled: 0 });
      } finally {
        await store.db.dropDatabase();
        await store.close();
      }
    });

    it('answers a cancel with the counts the items give, whatever the counters say, and does not move them after', async () => {
      const tenant = 'tenant-a' as TenantId;
      const store = await MongoStore.connect({ client, databaseName: databaseNameFor('MongoDB cancel counts') });
      try {
        const input = { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice' };
        const run = await store.runs.create(tenant, input, ['a', 'b', 'c', 'd'], new Date(0));
        const [a, b] = await store.runs.claim(tenant, run.id, { owner: 'w', limit: 2, leaseMs: 1000, now: new Date(1) });
        await store.runs.complete(tenant, run.id, 'w', [{ seq: a!.seq, status: 'Completed' }], new Date(2));
        // b's item write lands before the cancel, its counter update after it.
        const runItems = store.db.collection(MONGO_DEFAULTS.collections.runItems);
        await runItems.updateOne({ runId: run.id, seq: b!.seq }, { $set: { status: 'Failed', owner: null } });
        const cancelled = await store.runs.cancel(tenant, run.id, new Date(3));
        expect(cancelled?.counts).to.deep.equal({ posted: 4, processed: 2, failed: 1, affected: 1, cancelled: 2 });
        await runItems.updateOne({ runId: run.id, seq: b!.seq }, { $set: { status: 'Processing', owner: 'w' } });
        await store.runs.complete(tenant, run.id, 'w', [{ seq: b!.seq, status: 'Failed', error: 'late' }], new Date(4));
        expect((await store.runs.get(tenant, run.id))?.counts).to.deep.equal(cancelled?.counts);
      } finally {
        await store.db.dropDatabase();
        await store.close();
      }
    });

    it('takes a name back from a create that died mid-way: its definition counts once its mark is stale', async () => {
      const tenant = 'tenant-a' as TenantId;
      let clock = Date.parse('2026-01-01T00:00:00Z');
      const store = await MongoStore.connect({ client, databaseName: databaseNameFor('MongoDB dead create of a name'), now: () => new Date(clock) });
      const definitions = store.db.collection(MONGO_DEFAULTS.collections.definitions);
      const marked = async (csid: string) => (await definitions.findOne({ _id: csid as never }))?.['namePending'] === true;
      const accept = () => undefined;
      try {
        // What a process killed between storing its definition and claiming the name leaves: a marked definition.
        const unclaimed = await store.definitions.create(tenant, definition({ name: 'Unclaimed' }), 'alice');
        await definitions.updateOne({ _id: unclaimed.csid as never }, { $set: { namePending: true } });
        // And one killed after claiming the name, before dropping the mark.
        const claimed = await store.definitions.create(tenant, definition({ name: 'Claimed' }), 'alice');
        await definitions.updateOne({ _id: claimed.csid as never }, { $set: { namePending: true } });
        await store.db.collection(MONGO_DEFAULTS.collections.definitionNames).insertOne({ _id: JSON.stringify([tenant, 'Claimed']) as never, tenantId: tenant, definitionCsid: claimed.csid });

        clock += NAME_PENDING_BOUND_MS / 2;
        expect(await store.definitions.createUnlessNamed(tenant, definition({ name: 'Claimed' }), 'bob', accept), 'the claim holds while the mark is fresh').to.deep.equal({ named: [claimed.csid] });
        expect(await marked(claimed.csid), 'a fresh mark is left to its create').to.equal(true);

        clock += NAME_PENDING_BOUND_MS;
        expect(await store.definitions.createUnlessNamed(tenant, definition({ name: 'Unclaimed' }), 'bob', accept)).to.deep.equal({ named: [unclaimed.csid] });
        expect(await store.definitions.createUnlessNamed(tenant, definition({ name: 'Claimed' }), 'bob', accept)).to.deep.equal({ named: [claimed.csid] });
        expect(await marked(unclaimed.csid), 'stale mark dropped').to.equal(false);
        expect(await marked(claimed.csid), 'stale mark dropped').to.equal(false);
        const named = await definitions.countDocuments({ tenantId: tenant, 'definition.name': { $in: ['Unclaimed', 'Claimed'] } });
        expect(named, 'no second definition of either name').to.equal(2);
      } finally {
        await store.db.dropDatabase();
        await store.close();
      }
    });

    it('does not count again, once the run finished, items whose counter update lands after the finish', async () => {
      const tenant = 'tenant-a' as TenantId;
      const store = await MongoStore.connect({ client, databaseName: databaseNameFor('MongoDB late counter update') });
      try {
        const input = { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice' };
        const run = await store.runs.create(tenant, input, ['a', 'b'], new Date(0));
        const [a, b] = await store.runs.claim(tenant, run.id, { owner: 'w', limit: 2, leaseMs: 1000, now: new Date(1) });
        await store.runs.complete(tenant, run.id, 'w', [{ seq: a!.seq, status: 'Completed' }], new Date(2));
        // b's item write lands, its counter update not yet: a session ending now finishes the run from the items.
        const runItems = store.db.collection(MONGO_DEFAULTS.collections.runItems);
        await runItems.updateOne({ runId: run.id, seq: b!.seq }, { $set: { status: 'Completed', owner: null, affected: true } });
        expect((await store.runs.finish(tenant, run.id, {}, new Date(3)))?.counts).to.include({ processed: 2 });
        // Then the late counter update: an item still held by 'w' makes complete count it, on a finished run.
        await runItems.updateOne({ runId: run.id, seq: b!.seq }, { $set: { status: 'Processing', owner: 'w' } });
        await store.runs.complete(tenant, run.id, 'w', [{ seq: b!.seq, status: 'Completed' }], new Date(4));
        expect((await store.runs.get(tenant, run.id))?.counts).to.include({ posted: 2, processed: 2, affected: 2 });
      } finally {
        await store.db.dropDatabase();
        await store.close();
      }
    });

    it('deletes the runLog lines of a run purged', async () => {
      const store = await MongoStore.connect({ client, databaseName: databaseNameFor('MongoDB run log purge') });
      const lines = () => store.db.collection(MONGO_DEFAULTS.collections.runLog).countDocuments();
      try {
        await expectPurgeDeletesLogLines(store, lines);
      } finally {
        await store.db.dropDatabase();
        await store.close();
      }
    });

    it('creates the indexes the queries need, and leaves a given client open on close', async () => {
      const databaseName = databaseNameFor('MongoDB store indexes');
      const store = await MongoStore.connect({ client, databaseName });
      try {
        const indexes = await store.db.collection(MONGO_DEFAULTS.collections.records).indexes();
        const expected = MONGO_INDEXES.records.map((index) => index.name);
        expect(indexes.map((index) => index.name)).to.include.members(expected);
      } finally {
        await store.close();
      }
      expect(await client.db(databaseName).command({ ping: 1 })).to.deep.include({ ok: 1 });
      await client.db(databaseName).dropDatabase();
    });
  });
}
