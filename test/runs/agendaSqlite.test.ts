/**
 * The SQLite Agenda backend: the shared conformance suite on a caller-owned `:memory:` connection and on an
 * owned temp file, then what is specific to SQLite (connection ownership, schema options, deliberate
 * differences from the Mongo backend, and several connections or processes sharing one file).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { Agenda } from 'agenda';
import type { AgendaBackend } from 'agenda';
import { SqliteBackend, SqliteJobRepository } from '../../src/runs/agenda-sqlite/index.js';
import { describeAgendaBackendConformance } from './agendaBackendConformance.js';
import { jobParams } from './agendaConformance/utils.js';

const tmpRoot = mkdtempSync(join(tmpdir(), 'invocables-agenda-sqlite-'));
const usedNames = new Set<string>();
const kept: string[] = [];

/** One database file per test, named after it, so a kept file says which test left it. */
function tempFile(testName: string): string {
  if (usedNames.has(testName)) throw new Error(`Duplicate test name "${testName}": each test gets its own database file`);
  usedNames.add(testName);
  const slug = testName.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 120);
  return join(tmpRoot, `${usedNames.size}-${slug}.sqlite`);
}

function removeDatabaseFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
}

after(() => {
  if (kept.length > 0) console.log(`SQLite files of failed tests kept for inspection:\n  ${kept.join('\n  ')}`);
  else rmSync(tmpRoot, { recursive: true, force: true });
});

const callerConnections = new Map<AgendaBackend, Database.Database>();
describeAgendaBackendConformance({
  name: 'SQLite, caller-owned :memory: connection',
  createBackend(_testName, { notificationChannel }) {
    const database = new Database(':memory:');
    const backend = new SqliteBackend({ database, notificationChannel });
    callerConnections.set(backend, database);
    return backend;
  },
  async disposeBackend(backend) {
    await backend.disconnect();
    callerConnections.get(backend)?.close();
    callerConnections.delete(backend);
  },
});

const ownedFiles = new Map<AgendaBackend, string>();
describeAgendaBackendConformance({
  name: 'SQLite, owned temp file',
  createBackend(testName, { notificationChannel }) {
    const filename = tempFile(testName);
    const backend = new SqliteBackend({ filename, notificationChannel });
    ownedFiles.set(backend, filename);
    return backend;
  },
  async disposeBackend(backend, { failed }) {
    await backend.disconnect();
    const file = ownedFiles.get(backend);
    ownedFiles.delete(backend);
    if (!file) return;
    if (failed) kept.push(file);
    else removeDatabaseFile(file);
  },
});

describe('SqliteBackend (SQLite specifics)', () => {
  /** Run after each test, last registered first, so connections close before their files go. */
  const cleanups: ((failed: boolean) => void | Promise<void>)[] = [];
  afterEach(async function () {
    const failed = this.currentTest?.state === 'failed';
    while (cleanups.length > 0) await cleanups.pop()?.(failed);
  });

  /** A temp-file path for this test, removed after it unless it failed. */
  const fileFor = (title: string): string => {
    const file = tempFile(`specifics ${title}`);
    cleanups.push((failed) => (failed ? void kept.push(file) : removeDatabaseFile(file)));
    return file;
  };
  const connected = async (repo: SqliteJobRepository): Promise<SqliteJobRepository> => {
    cleanups.push(() => repo.disconnect());
    await repo.connect();
    return repo;
  };

  describe('connection ownership', () => {
    it('does no I/O before connect(), then creates the file', async () => {
      const filename = fileFor('no io');
      const backend = new SqliteBackend({ filename });
      expect(existsSync(filename)).to.equal(false);
      expect(backend.ownsConnection).to.equal(true);
      expect(backend.name).to.equal('SQLite');
      await backend.connect();
      cleanups.push(() => backend.disconnect());
      expect(existsSync(filename)).to.equal(true);
    });

    it('closes a database it opened and reopens it with the data on connect()', async () => {
      const backend = new SqliteBackend({ filename: fileFor('reopen') });
      await backend.connect();
      cleanups.push(() => backend.disconnect());
      await backend.connect();
      const saved = await backend.repository.saveJob(jobParams('persisted'), undefined);
      await backend.disconnect();
      expect(() => backend.repository.database).to.throw(/not connected/);
      await backend.connect();
      expect((await backend.repository.getJobById(String(saved._id)))?.name).to.equal('persisted');
    });

    it("Agenda.stop() closes an owned database but never a caller's connection", async () => {
      const owned = new SqliteBackend({ filename: ':memory:' });
      const database = new Database(':memory:');
      cleanups.push(() => void database.close());
      const borrowed = new SqliteBackend({ database });
      expect(borrowed.ownsConnection).to.equal(false);
      for (const backend of [owned, borrowed]) {
        const agenda = new Agenda({ backend, processEvery: 50 });
        agenda.on('error', () => undefined);
        await agenda.start();
        await agenda.stop();
      }
      expect(() => owned.repository.database).to.throw(/not connected/);
      expect(database.open).to.equal(true);
      expect(await borrowed.repository.getQueueSize()).to.equal(0);
    });
  });

  describe('schema options', () => {
    it('rejects a table name that is not a plain identifier, without touching the database', () => {
      expect(() => new SqliteBackend({ filename: ':memory:', tableName: 'jobs; DROP TABLE x' })).to.throw(/table name/);
    });

    it('keeps jobs in the configured table', async () => {
      const database = new Database(':memory:');
      cleanups.push(() => void database.close());
      const repo = await connected(new SqliteJobRepository({ database, tableName: 'custom_jobs' }));
      await repo.saveJob(jobParams('custom'), undefined);
      const { n } = database.prepare('SELECT count(*) AS n FROM custom_jobs').get() as { n: number };
      expect(n).to.equal(1);
    });
  });

  describe('where it deliberately differs from the Mongo backend', () => {
    it('keeps the processor-owned fields when user code saves a job (Mongo nulls them)', async () => {
      const repo = await connected(new SqliteJobRepository({ filename: ':memory:' }));
      const saved = await repo.saveJob(jobParams('user-save'), undefined);
      const lockedAt = new Date();
      await repo.saveJobState({ ...saved, lockedAt, lastRunAt: lockedAt, progress: 40 }, undefined);
      // What Job.save() sends: everything except lockedAt, lastRunAt, lastFinishedAt, failedAt, failCount, failReason, progress.
      const { _id, name, priority, nextRunAt, type } = saved;
      await repo.saveJob({ _id, name, priority, nextRunAt, type, data: { edited: true } }, undefined);
      const stored = await repo.getJobById(String(_id));
      expect(stored).to.include({ progress: 40 });
      expect(stored?.lockedAt).to.deep.equal(lockedAt);
      expect(stored?.data).to.deep.equal({ edited: true });
    });

    it('supports only equality in unique(), rejecting operators and unknown fields', async () => {
      const repo = await connected(new SqliteJobRepository({ filename: ':memory:' }));
      const attempts = [{ $where: 'true' }, { 'data.n': { $gt: 1 } }, { notAField: 1 }];
      for (const unique of attempts) {
        let error: unknown;
        await repo.saveJob(jobParams('bad-unique', { unique }), undefined).catch((e: unknown) => (error = e));
        expect(error, JSON.stringify(unique)).to.be.instanceOf(Error);
      }
      expect((await repo.queryJobs()).total).to.equal(0);
    });

    it('stores data as JSON, so Dates inside data come back as ISO strings', async () => {
      const repo = await connected(new SqliteJobRepository({ filename: ':memory:' }));
      const at = new Date('2030-05-06T07:08:09.010Z');
      const saved = await repo.saveJob(jobParams('json-data', { data: { at } }), undefined);
      expect((await repo.getJobById(String(saved._id)))?.data).to.deep.equal({ at: at.toISOString() });
    });
  });

  describe('several connections on one file', () => {
    const seedDue = async (repo: SqliteJobRepository, count: number): Promise<void> => {
      for (let i = 0; i < count; i += 1) await repo.saveJob(jobParams('contended', { data: { i } }), undefined);
    };
    const expectEachLockedOnce = (lockedIds: string[][], count: number): void => {
      const all = lockedIds.flat();
      expect(new Set(all).size, 'a job was locked twice').to.equal(all.length);
      expect(all).to.have.length(count);
    };

    it('two repositories calling getNextJobToRun concurrently never lock the same job', async () => {
      const filename = fileFor('two repositories');
      const [a, b] = [new SqliteJobRepository({ filename }), new SqliteJobRepository({ filename })];
      await connected(a);
      await connected(b);
      await seedDue(a, 40);
      const drainAll = async (repo: SqliteJobRepository, by: string): Promise<string[]> => {
        const ids: string[] = [];
        // Bounded so a backend that re-hands locked jobs fails on duplicates instead of looping forever.
        while (ids.length <= 40) {
          const job = await repo.getNextJobToRun('contended', new Date(), new Date(Date.now() - 600_000), undefined, { lastModifiedBy: by });
          if (!job) return ids;
          ids.push(String(job._id));
          await new Promise<void>((resolve) => setImmediate(resolve)); // let the other repository take a turn
        }
        return ids;
      };
      const locked = await Promise.all([drainAll(a, 'a'), drainAll(b, 'b')]);
      expect(locked[0]).to.not.be.empty;
      expect(locked[1]).to.not.be.empty;
      expectEachLockedOnce(locked, 40);
    });

    it('two processes calling getNextJobToRun at the same time never lock the same job', async function () {
      this.timeout(30_000);
      const filename = fileFor('two processes');
      const seeder = await connected(new SqliteJobRepository({ filename }));
      await seedDue(seeder, 300); // enough for the processes to interleave
      const moduleUrl = pathToFileURL(join(process.cwd(), 'src/runs/agenda-sqlite/index.ts')).href;
      const workers = ['p1', 'p2', 'p3'].map((label) => lockInChildProcess(moduleUrl, filename, label, 300));
      await Promise.all(workers.map((w) => w.ready));
      for (const w of workers) w.go();
      expectEachLockedOnce(await Promise.all(workers.map((w) => w.result)), 300);
    });

    it("keeps one 'single' job per name across connections", async () => {
      const filename = fileFor('single across connections');
      const [a, b] = [new SqliteJobRepository({ filename }), new SqliteJobRepository({ filename })];
      await connected(a);
      await connected(b);
      await a.saveJob(jobParams('every-job', { type: 'single', data: { from: 'a' } }), undefined);
      await b.saveJob(jobParams('every-job', { type: 'single', data: { from: 'b' } }), undefined);
      const { jobs, total } = await a.queryJobs({ name: 'every-job' });
      expect(total).to.equal(1);
      expect(jobs[0]?.data).to.deep.equal({ from: 'b' });
    });
  });
});

/**
 * A child Node process that connects its own repository to `filename`, reports ready, and on "go" locks
 * jobs until none is left (or more than `maxLocks`, which only a broken lock allows), answering with the ids
 * it locked. Separate processes, not worker threads, because SQLite's cross-process locking is under test.
 */
function lockInChildProcess(moduleUrl: string, filename: string, label: string, maxLocks: number) {
  const script = `
    const { SqliteJobRepository } = await import(process.env.REPO_MODULE);
    const repo = new SqliteJobRepository({ filename: process.env.DB_FILE });
    await repo.connect();
    process.stdout.write('ready\\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.destroy();
    const ids = [];
    while (ids.length <= Number(process.env.MAX_LOCKS)) {
      const job = await repo.getNextJobToRun('contended', new Date(), new Date(Date.now() - 600000), undefined, { lastModifiedBy: process.env.LABEL });
      if (!job) break;
      ids.push(String(job._id));
    }
    await repo.disconnect();
    process.stdout.write(JSON.stringify(ids) + '\\n');
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, REPO_MODULE: moduleUrl, DB_FILE: filename, LABEL: label, MAX_LOCKS: String(maxLocks) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const result = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child ${label} exited with ${code}: ${stderr}`));
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1] ?? '[]') as string[]);
    });
  });
  // A child that dies before "ready" must fail the test rather than hang it.
  return { ready: Promise.race([ready, result.then(() => undefined)]), go: () => child.stdin.write('go\n'), result };
}
