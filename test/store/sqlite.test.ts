import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
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

  it('upgrades a store with a run in flight to items keyed per chunk: the run goes on, its keys are found', async () => {
    const filename = path.join(dir, 'upgrade.sqlite');
    const chunked = MIGRATIONS.findIndex((sql) => sql.includes('CREATE INDEX run_items_by_key_chunk'));
    const db = new Database(filename);
    try {
      db.exec(MIGRATIONS.slice(0, chunked).join(';\n'));
      db.pragma(`user_version = ${chunked}`);
      db.prepare(`INSERT INTO runs (id, tenant_id, definition_csid, definition_name, invocation, created_by, created_at, status,
          status_text, open, rerunnable, posted, processed, failed, affected)
        VALUES ('r1', ?, 'd', 'D', '{"listCSIDs":[],"params":[]}', 'alice', '2026-01-01T00:00:00.000Z', 'InProgress', '', 1, 1, 3, 1, 0, 0)`).run(tenant);
      const item = db.prepare(`INSERT INTO run_items (run_id, seq, item_key, status, attempts, owner, lease_expires_at, updated_at)
        VALUES ('r1', ?, ?, ?, ?, ?, ?, '2026-01-01T00:00:00.000Z')`);
      item.run(0, 'a', 'Completed', 1, null, null);
      item.run(1, 'b', 'Processing', 1, 'w', 10);
      item.run(2, 'c', 'New', 0, null, null);
    } finally {
      db.close();
    }

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
