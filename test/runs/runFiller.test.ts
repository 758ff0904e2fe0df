/**
 * The filler queues a run's keys after the run's last items, without looking keys up in the store: the first fill
 * after the items stored with the run, a takeover after a dead filler's chunks, and a takeover after the records of
 * the run's last items were deleted (it looks further back). Every key ends up in the run once, in context order.
 * On a real SQLite file, and on MongoDB when `MONGODB_URI` is set.
 */
import path from 'node:path';
import { expect } from 'chai';
import pino from 'pino';
import type { TenantId } from '../../src/domain/types.js';
import { RunFiller } from '../../src/runs/runFiller.js';
import { MongoStore } from '../../src/store/mongo/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { tempDir } from '../support/testService.js';

const TENANT = 'tenant-a' as TenantId;
const CHUNK = 4;
const KEYS = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`);
const LEASE_MS = 60_000;

interface Engine {
  name: string;
  open: () => Promise<{ store: Store; dispose: () => Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'SQLite',
    open: async () => {
      const data = await tempDir();
      const store = SqliteStore.open({ filename: path.join(data.dir, 'filler.sqlite') });
      return { store, dispose: async () => (await store.close(), await data.cleanup()) };
    },
  },
];
const mongoUri = ownMongoUri('runfiller');
if (mongoUri === undefined) console.log('RunFiller on MongoDB skipped: MONGODB_URI is not set (no MongoDB server here)');
else {
  engines.push({
    name: 'MongoDB',
    open: async () => {
      const store = await MongoStore.connect({ uri: mongoUri });
      return { store, dispose: async () => (await store.close(), await dropMongoDatabase(mongoUri)) };
    },
  });
}

for (const engine of engines) {
  describe(`RunFiller (${engine.name})`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    beforeEach(async () => ({ store, dispose } = await engine.open()));
    afterEach(() => dispose());

    /** A filling run stored with `first` keys, and a dead filler's chunks after them (its lease already over). */
    async function runWith(first: number, deadChunks: string[][] = []): Promise<string> {
      const now = new Date();
      const run = await store.runs.create(
        TENANT,
        { definitionCsid: 'd', definitionName: 'D', invocation: { mode: 'nocontext', listCSIDs: [], params: [] }, createdBy: 'alice', filling: true, expectedItems: KEYS.length },
        KEYS.slice(0, first),
        now,
      );
      const over = new Date(now.getTime() - 1);
      if (deadChunks.length > 0) expect(await store.runs.claimFill(TENANT, run.id, 'dead', new Date(now.getTime() + LEASE_MS), now)).to.equal(true);
      for (const chunk of deadChunks) expect(await store.runs.fill(TENANT, run.id, 'dead', chunk, over, now)).to.equal(chunk.length);
      return run.id;
    }

    /** Fills the run to the end from `context` (the keys as the store's records list them now). */
    async function fill(runId: string, context: readonly string[]): Promise<void> {
      let filled = false;
      const filler = new RunFiller(
        { runs: store.runs, now: () => new Date(), logger: pino({ level: 'silent' }), onFilled: () => (filled = true) },
        {
          tenant: TENANT,
          runId,
          owner: 'taker',
          leaseEnd: () => new Date(Date.now() + LEASE_MS),
          chunkSize: CHUNK,
          keys: async function* () {
            yield* context;
          },
          signal: new AbortController().signal,
          stopping: () => false,
        },
      );
      await filler.take();
      await filler.stop(false);
      expect(filled, 'filling ended').to.equal(true);
    }

    const itemKeys = async (runId: string) =>
      (await store.runs.listItems(TENANT, runId, { paging: { pageNum: 0, pageSize: 100 } })).items.map((item) => item.key);

    it('queues the keys after those stored with the run, once each, in order', async () => {
      const runId = await runWith(6);
      await fill(runId, KEYS);
      expect(await itemKeys(runId)).to.deep.equal(KEYS);
      expect((await store.runs.get(TENANT, runId))?.counts.posted).to.equal(KEYS.length);
    });

    it("takes over after a dead filler's chunks, passing over what it queued", async () => {
      const runId = await runWith(3, [KEYS.slice(3, 7), KEYS.slice(7, 10)]);
      await fill(runId, KEYS);
      expect(await itemKeys(runId)).to.deep.equal(KEYS);
    });

    it("looks further back when the records of the run's last items were deleted meanwhile", async () => {
      const runId = await runWith(4, [KEYS.slice(4, 8), KEYS.slice(8, 12)]);
      // Keys 6 to 11 are gone: the last page of items (8 – 11) is met nowhere, the two before it are.
      const context = KEYS.filter((_, i) => i < 6 || i >= 12);
      await fill(runId, context);
      expect(await itemKeys(runId)).to.deep.equal(KEYS);
    });

    it('queues every key left when none of the run\'s items is among the records any more', async () => {
      const runId = await runWith(4, [KEYS.slice(4, 8)]);
      await fill(runId, KEYS.slice(8));
      expect(await itemKeys(runId)).to.deep.equal(KEYS);
    });
  });
}
