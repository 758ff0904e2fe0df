/**
 * The embedded store's file guard on real files: a write into a database file that is no longer at its path is
 * never acknowledged; a file gone is written back from the open connection once its directory exists; a path
 * that names another file is never overwritten.
 */
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { StoreUnavailableError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { tempDir } from '../support/testService.js';

const T = 'default' as TenantId;

async function refused(write: Promise<unknown>): Promise<StoreUnavailableError> {
  const error = await write.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error, 'the write was refused').to.be.instanceOf(StoreUnavailableError);
  return error as StoreUnavailableError;
}

function recordsIn(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT csid FROM records ORDER BY csid').pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('SQLite store health (real files)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: SqliteStore;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('invocables-health-'));
    await mkdir(path.join(dir, 'data'));
    store = SqliteStore.open({ filename: path.join(dir, 'data', 'store.sqlite') });
  });

  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('refuses writes once its directory is removed, keeps serving what was committed, and writes it back when the directory returns', async () => {
    const file = path.join(dir, 'data', 'store.sqlite');
    const kept = await store.records.create(T, 'CollectionObject', { objectNumber: 'kept' }, 'alice');
    await rm(path.join(dir, 'data'), { recursive: true });

    const error = await refused(store.records.create(T, 'CollectionObject', { objectNumber: 'lost?' }, 'alice'));
    expect(error.code).to.equal('STORE_UNAVAILABLE');
    expect(error.problem.kind).to.equal('gone');
    expect(error.message).to.include('store.sqlite').and.not.include(dir);
    await refused(store.runs.purge(new Date()));
    expect((await store.records.get(T, kept.csid))?.fields).to.deep.equal({ objectNumber: 'kept' });
    expect((await store.health.check())?.kind).to.equal('gone');

    await mkdir(path.join(dir, 'data'));
    expect(await store.health.check()).to.equal(undefined);
    const after = await store.records.create(T, 'CollectionObject', { objectNumber: 'after' }, 'alice');
    expect(recordsIn(file)).to.deep.equal([kept.csid, after.csid].sort());
  });

  it('never overwrites another file put at its path; writes it back once that file is moved away', async () => {
    const file = path.join(dir, 'data', 'store.sqlite');
    const kept = await store.records.create(T, 'CollectionObject', { objectNumber: 'kept' }, 'alice');
    // Another database (a copy of an empty store) takes the path.
    const other = SqliteStore.open({ filename: path.join(dir, 'other.sqlite') });
    await other.close();
    await rename(path.join(dir, 'other.sqlite'), file);
    const otherBytes = await readFile(file);

    const error = await refused(store.records.create(T, 'CollectionObject', { objectNumber: 'x' }, 'alice'));
    expect(error.problem.kind).to.equal('replaced');
    expect((await store.health.check())?.kind).to.equal('replaced');
    expect((await store.health.check())?.kind, 'still, on the next probe').to.equal('replaced');
    expect(Buffer.compare(await readFile(file), otherBytes), 'the other file is untouched').to.equal(0);

    await rename(file, path.join(dir, 'moved-away.sqlite'));
    expect(await store.health.check()).to.equal(undefined);
    expect(recordsIn(file)).to.deep.equal([kept.csid]);
    expect((await stat(path.join(dir, 'moved-away.sqlite'))).isFile()).to.equal(true);
  });

  it('comes back by itself when the file it had is put back at its path', async () => {
    const file = path.join(dir, 'data', 'store.sqlite');
    await store.records.create(T, 'CollectionObject', { objectNumber: 'kept' }, 'alice');
    await rename(file, path.join(dir, 'aside.sqlite'));
    await refused(store.records.create(T, 'CollectionObject', { objectNumber: 'x' }, 'alice'));
    // Moved back: the same file (device and inode) at the path again.
    await rename(path.join(dir, 'aside.sqlite'), file);
    expect(await store.health.check()).to.equal(undefined);
    await store.records.create(T, 'CollectionObject', { objectNumber: 'after' }, 'alice');
    expect(recordsIn(file)).to.have.length(2);
  });
});
