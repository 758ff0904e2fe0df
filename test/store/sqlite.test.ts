import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { ItemStatus } from '../../src/domain/runs.js';
import type { Csid, TenantId } from '../../src/domain/types.js';
import { openStore } from '../../src/store/index.js';
import { migrate, MIGRATIONS } from '../../src/store/sqlite/schema.js';
import { RECORD_RUNS_SQL } from '../../src/store/sqlite/sql.js';
import { SQLITE_DEFAULTS, SqliteStore } from '../../src/store/sqlite/index.js';
import { describeAdvancedSearchConformance } from './advancedSearchConformance.js';
import { describeAuthStoreConformance } from './authStoreConformance.js';
import { describeResultLinkStoreConformance } from './resultLinkStoreConformance.js';
import { describeRecordItemsConformance } from './recordItemsConformance.js';
import { describeRunStoreConformance } from './runStoreConformance.js';
import { describeScheduleStoreConformance } from './scheduleStoreConformance.js';
import { describeIdempotencyStoreConformance } from './idempotencyStoreConformance.js';
import { definition as testDefinition, describeStoreConformance, type StoreTestOptions } from './storeConformance.js';
import { expectPurgeDeletesLogLines } from './runLogPurge.js';

const sqliteInMemory = {
  name: 'SQLite',
  create: async (_testName: string, { now, runs }: StoreTestOptions) => SqliteStore.open({ filename: ':memory:', now, runs }),
  dispose: (store: { close(): Promise<void> }) => store.close(),
};
describeStoreConformance(sqliteInMemory);
describeAdvancedSearchConformance(sqliteInMemory);
describeRunStoreConformance(sqliteInMemory);
describeScheduleStoreConformance(sqliteInMemory);
describeResultLinkStoreConformance(sqliteInMemory);
describeAuthStoreConformance(sqliteInMemory);
describeIdempotencyStoreConformance(sqliteInMemory);
describeRecordItemsConformance(sqliteInMemory);

describe('SQLite store files', () => {
  const tenant = 'tenant-a' as TenantId;
  const paging = { pageNum: 0, pageSize: 40 };
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-sqlite-'));
  });

  afterEach(async function () {
    // A failed test leaves its database behind for inspection.
    if (this.currentTest?.state !== 'failed') await rm(dir, { recursive: true, force: true });
  });

  it('reserves an idempotency key for one of two stores sharing the file (as two processes would)', async () => {
    const filename = path.join(dir, SQLITE_DEFAULTS.filename);
    const [first, second] = [SqliteStore.open({ filename }), SqliteStore.open({ filename })];
    try {
      const key = { tenant, user: 'alice', key: 'k' };
      const now = new Date();
      const options = { fingerprint: 'f', now, lockedUntil: new Date(now.getTime() + 60_000), maxKeys: 10 };
      expect((await first.idempotency.reserve(key, options)).state).to.equal('reserved');
      expect((await second.idempotency.reserve(key, options)).state).to.equal('inProgress');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('creates the data directory and keeps data across close and reopen', async () => {
    const dataDir = path.join(dir, 'data');
    const first = await openStore({ dataDir });
    const kept = testDefinition({ name: 'Kept', forDocTypes: ['Loanout'], className: 'x.Kept' });
    const definition = await first.definitions.create(tenant, kept, 'alice');
    const record = await first.records.create(tenant, 'Loanout', { title: 'Loan' }, 'alice');
    const relation = await first.relations.create(tenant, {
      subjectCsid: record.csid,
      subjectDocumentType: 'Loanout',
      relationshipType: 'affects',
      objectCsid: 'other' as Csid,
      objectDocumentType: 'Group',
    }, 'alice');
    await first.close();
    expect(await readdir(dataDir)).to.include(SQLITE_DEFAULTS.filename);

    const second = await openStore({ dataDir });
    try {
      expect(await second.definitions.get(tenant, definition.csid)).to.deep.equal(definition);
      const listed = await second.definitions.list(tenant, { docType: 'Loanout', modes: ['single'], paging });
      expect(listed.totalItems).to.equal(1);
      expect(await second.records.get(tenant, record.csid, 'loanout')).to.deep.equal(record);
      expect(await second.relations.get(tenant, relation.csid)).to.deep.equal(relation);
      const updated = await second.records.update(tenant, record.csid, {}, { actor: 'bob', expectedRevision: 1 });
      expect(updated?.core.revision).to.equal(2);
    } finally {
      await second.close();
    }
  });

  it('uses WAL journaling and records the schema version in the file', async () => {
    const filename = path.join(dir, 'wal.sqlite');
    const store = SqliteStore.open({ filename });
    await store.close();
    const db = new Database(filename, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      expect(db.pragma('user_version', { simple: true })).to.equal(MIGRATIONS.length);
    } finally {
      db.close();
    }
  });

  type ItemInFlight = [key: string, status: ItemStatus, attempts: number, owner: string | null, leaseExpiresAt: number | null];

  /**
   * A store file as the migrations before the one that `marker` names left it, holding run r1 (InProgress, open or
   * not) with `items` in seq order: what an upgrade finds of a run in flight.
   */
  function storeBefore(marker: string, open: boolean, items: readonly ItemInFlight[]): string {
    const before = MIGRATIONS.findIndex((sql) => sql.includes(marker));
    const filename = path.join(dir, `upgrade-to-${before + 1}.sqlite`);
    const count = (status: ItemStatus) => items.filter((item) => item[1] === status).length;
    const db = new Database(filename);
    try {
      db.exec(MIGRATIONS.slice(0, before).join(';\n'));
      db.pragma(`user_version = ${before}`);
      const processed = count('Completed') + count('Failed');
      db.prepare(`INSERT INTO runs (id, tenant_id, definition_csid, definition_name, invocation, created_by, created_at, status,
          status_text, open, rerunnable, posted, processed, failed, affected)
        VALUES ('r1', ?, 'd', 'D', '{"listCSIDs":[],"params":[]}', 'alice', '2026-01-01T00:00:00.000Z', 'InProgress', '', ?, 1, ?, ?, ?, ?)`)
        .run(tenant, open ? 1 : 0, items.length, processed, count('Failed'), count('Completed'));
      const insert = db.prepare(`INSERT INTO run_items (run_id, seq, item_key, status, attempts, owner, lease_expires_at, updated_at)
        VALUES ('r1', ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')`);
      items.forEach((item, seq) => insert.run(seq, ...item));
    } finally {
      db.close();
    }
    return filename;
  }

  it('upgrades a store with a run in flight to items keyed per chunk: the run goes on, its keys are found', async () => {
    const filename = storeBefore('CREATE INDEX run_items_by_key_chunk', true, [
      ['a', 'Completed', 1, null, null],
      ['b', 'Processing', 1, 'w', 10],
      ['c', 'New', 0, null, null],
    ]);
    const store = SqliteStore.open({ filename });
    try {
      const claimed = await store.runs.claim(tenant, 'r1', { owner: 'w2', limit: 10, leaseMs: 1000, now: new Date(20) });
      expect(claimed.map((item) => item.key), "the expired claim's item alone first, then the new ones").to.deep.equal(['b']);
      expect((await store.runs.claim(tenant, 'r1', { owner: 'w2', limit: 10, leaseMs: 1000, now: new Date(21) })).map((item) => item.key)).to.deep.equal(['c']);
      expect((await store.runs.recordRuns(tenant, 'b', paging)).items.map((run) => run.runId)).to.deep.equal(['r1']);
      const refused = await store.runs.addItems(tenant, 'r1', ['a'], new Date(22)).catch((error: unknown) => error);
      expect(refused).to.have.property('code', 'CONFLICT');
      expect((await store.runs.addItems(tenant, 'r1', ['d'], new Date(23)))?.counts.posted).to.equal(4);
    } finally {
      await store.close();
    }
  });

  it('upgrades a store with a run in flight to the status index without New and Completed items: claims, leases and filters go on', async () => {
    const filename = storeBefore('CREATE INDEX run_items_held', false, [
      ['a', 'Completed', 1, null, null],
      ['b', 'Processing', 1, 'w', 10],
      ['c', 'New', 0, null, null],
      ['d', 'Failed', 1, null, null],
      ['e', 'New', 0, null, null],
      ['f', 'Processing', 1, 'w3', 1_000_000],
    ]);
    const store = SqliteStore.open({ filename });
    try {
      const keysOf = async (status: ItemStatus) => (await store.runs.listItems(tenant, 'r1', { status, paging })).items.map((item) => item.key);
      expect(await keysOf('New')).to.deep.equal(['c', 'e']);
      expect(await keysOf('Processing')).to.deep.equal(['b', 'f']);
      expect(await keysOf('Completed')).to.deep.equal(['a']);
      expect(await keysOf('Failed')).to.deep.equal(['d']);
      const claim = async (at: number) => (await store.runs.claim(tenant, 'r1', { owner: 'w2', limit: 10, leaseMs: 1000, now: new Date(at) })).map((item) => item.key);
      expect(await claim(20), "the expired claim's item alone first").to.deep.equal(['b']);
      expect(await claim(21), 'then the New ones, past the completed and failed items').to.deep.equal(['c', 'e']);
      expect(await claim(22)).to.deep.equal([]);
      expect((await store.runs.nextLeaseExpiry(tenant, 'r1', 'w2'))?.getTime(), "the other worker's lease").to.equal(1_000_000);
      expect(await store.runs.release(tenant, 'r1', 'w2')).to.equal(3);
      expect(await keysOf('New'), 'released items are New again, and claimed again').to.deep.equal(['b', 'c', 'e']);
      expect(await claim(23)).to.deep.equal(['b', 'c', 'e']);
    } finally {
      await store.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    const filename = path.join(dir, 'newer.sqlite');
    const db = new Database(filename);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteStore.open({ filename })).to.throw(/newer/);
  });

  it('closes idempotently, and rejects use after close', async () => {
    const store = SqliteStore.open({ filename: path.join(dir, 'closed.sqlite') });
    await store.close();
    await store.close();
    let error: unknown;
    await store.records.get(tenant, 'x').catch((caught: unknown) => {
      error = caught;
    });
    expect(error).to.be.instanceOf(Error);
  });

  it('deletes the run_log lines of a run purged', async () => {
    const filename = path.join(dir, 'log.sqlite');
    const store = SqliteStore.open({ filename });
    const lines = () => {
      const db = new Database(filename, { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM run_log').pluck().get() as number;
      } finally {
        db.close();
      }
    };
    try {
      await expectPurgeDeletesLogLines(store, lines);
    } finally {
      await store.close();
    }
  });

  it('keeps run results past the configured limit in run_results, deleted by rerun and with their run', async () => {
    const filename = path.join(dir, 'results.sqlite');
    const store = SqliteStore.open({ filename, runs: { resultsInlineLimit: 100 } });
    const bodies = () => {
      const db = new Database(filename, { readonly: true });
      try {
        return db.prepare('SELECT count(*) FROM run_results').pluck().get();
      } finally {
        db.close();
      }
    };
    const finishedRun = async (userNote: string) => {
      const run = await store.runs.create(tenant, { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice' }, ['x'], new Date(0));
      await finishAgain(run.id, userNote);
      return run.id;
    };
    const finishAgain = async (id: string, userNote: string) => {
      const [item] = await store.runs.claim(tenant, id, { owner: 'w', limit: 1, leaseMs: 1000, now: new Date(1) });
      await store.runs.complete(tenant, id, 'w', [{ seq: item!.seq, status: 'Completed' }], new Date(2));
      return store.runs.finish(tenant, id, { userNote }, new Date(3));
    };
    try {
      const small = await finishedRun('x'.repeat(50));
      expect((await store.runs.get(tenant, small))?.resultsStoredApart).to.equal(undefined);
      const large = await finishedRun('x'.repeat(200));
      expect((await store.runs.get(tenant, large))?.resultsStoredApart).to.equal(true);
      expect(bodies()).to.equal(1);
      await store.runs.rerun(tenant, large, { onlyFailed: false }, new Date(4));
      expect(bodies()).to.equal(0);
      await finishAgain(large, 'y'.repeat(200));
      expect(bodies()).to.equal(1);
      expect(await store.runs.purge(new Date(10))).to.equal(2);
      expect(bodies()).to.equal(0);
    } finally {
      await store.close();
    }
  });

  it("opens ':memory:' without touching the data directory", async () => {
    const store = await openStore({ dataDir: path.join(dir, 'unused'), sqliteFilename: ':memory:' });
    expect(store.engine).to.equal('sqlite');
    await store.close();
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("finds a record's runs through its tenant's runs, newest first, one probe of the run's key index per chunk of its items", () => {
    const db = new Database(':memory:');
    try {
      migrate(db);
      for (const [sql, values] of [[RECORD_RUNS_SQL.count, ['csid', tenant]], [RECORD_RUNS_SQL.select, ['csid', tenant, 10, 0]]] as const) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...values) as Array<{ detail: string }>).map((row) => row.detail);
        expect(plan[0], plan.join('\n')).to.match(/^SEARCH r USING (COVERING )?INDEX runs_by_created \(tenant_id=\?\)$/);
        expect(plan[1], plan.join('\n')).to.match(/^SEARCH i USING (COVERING )?INDEX run_items_by_key_chunk \(run_id=\? AND <expr>=\? AND item_key=\?\)$/);
        // Sorted by walking the index, never in memory.
        expect(plan.join('\n')).to.not.include('TEMP B-TREE');
      }
    } finally {
      db.close();
    }
  });

  it('finds item keys past the first chunk of a run: a record\'s runs, and a key added twice refused', async () => {
    const store = SqliteStore.open({ filename: ':memory:' });
    try {
      // Three chunks of 8,192 seqs: the last key is in the third, the first in the first.
      const keys = Array.from({ length: 2 * 8192 + 5 }, (_, i) => `k${i}`);
      const newRun = { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice', open: true };
      const big = await store.runs.create(tenant, newRun, keys.slice(0, 8192 + 3), new Date(0));
      await store.runs.addItems(tenant, big.id, keys.slice(8192 + 3), new Date(1));
      const other = await store.runs.create(tenant, newRun, ['k0'], new Date(2));
      const runsOf = async (key: string) => (await store.runs.recordRuns(tenant, key, paging)).items.map((run) => run.runId);
      expect(await runsOf(keys.at(-1)!)).to.deep.equal([big.id]);
      expect(await runsOf('k8192')).to.deep.equal([big.id]);
      expect(await runsOf('k0')).to.deep.equal([other.id, big.id]);
      expect(await runsOf('absent')).to.deep.equal([]);
      for (const key of ['k3', 'k8195', keys.at(-1)!]) {
        const refused = await store.runs.addItems(tenant, big.id, ['new', key], new Date(3)).catch((error: unknown) => error);
        expect(refused, key).to.have.property('code', 'CONFLICT');
      }
      expect((await store.runs.get(tenant, big.id))?.counts.posted, 'a refused add adds nothing').to.equal(keys.length);
      expect((await store.runs.addItems(tenant, big.id, ['new'], new Date(4)))?.counts.posted).to.equal(keys.length + 1);
    } finally {
      await store.close();
    }
  });
});
