/**
 * The real service as child processes (`node --import tsx src/main.ts`) on a sandbox of their own (a temp
 * DATA_DIR and PLUGINS_DIR), for tests that kill a service or run several processes on one store. With
 * `MONGODB_URI` set, the sandbox's store is a database of its own on that server (dropped on cleanup), and the
 * test reads and seeds it through the same engine as its children.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isFinalRunStatus, type RunItem } from '../../src/domain/runs.js';
import type { TenantId } from '../../src/domain/types.js';
import { RUN_EXECUTOR_DEFAULTS, RUN_JOB_NAME, RUN_SLOT_JOB_NAME } from '../../src/runs/runExecutor.js';
import { openStore } from '../../src/store/index.js';
import { MongoStore } from '../../src/store/mongo/index.js';
import { SQLITE_DEFAULTS } from '../../src/store/sqlite/defaults.js';
import type { Store } from '../../src/store/types.js';
import { dropMongoDatabase, ownMongoUri } from './mongoUri.js';
import { REPO_ROOT } from './testService.js';
import { waitFor } from './waitFor.js';

export interface ChildService {
  child: ChildProcess;
  url: string;
  exited: Promise<unknown>;
  /** Everything the service logged so far (its stdout: one JSON line per entry). */
  output: () => string;
}

const ADMIN = { user: 'admin', password: 'child-service-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
const RUN_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const ITEMS_PAGE_SIZE = 500;
/** Where `@agendajs/mongo-backend` keeps jobs by default (the service does not name another). */
const AGENDA_MONGO_COLLECTION = 'agendaJobs';

/**
 * Resolves once the service logs that it listens. Its log is copied to `child-<pid>.log` in `logDir` (the sandbox,
 * kept with a failed test's).
 */
function startChildService(env: NodeJS.ProcessEnv, logDir: string): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(createWriteStream(path.join(logDir, `child-${child.pid}.log`)));
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  const output = () => stdout;
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        const match = /"url":"(http:\/\/[^"]+)".*invocables listening/.exec(line);
        if (match?.[1] !== undefined) resolve({ child, url: match[1], exited, output });
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    exited.then(() => reject(new Error(`service exited before listening: ${stderr}`)), reject);
  });
}

export interface ChildSandbox {
  dir: string;
  dataDir: string;
  /** The sandbox's own MongoDB database when `MONGODB_URI` is set (its children's `MONGODB_URI`), else unset. */
  mongodbUri: string | undefined;
  /** The embedded store's database file (used when `mongodbUri` is unset). */
  dbFile: string;
  /** The environment of a service on this sandbox (the administrator, no plugin watching), with `extra`. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Starts a service; `cleanup` kills it if it still runs. */
  start(env: NodeJS.ProcessEnv): Promise<ChildService>;
  /** Creates `count` CollectionObject records straight in the sandbox's store, before a service starts. */
  seedRecords(count: number): Promise<void>;
  /** The items of the run at `location` (only those in `status`, if given), read from the store: no service needed. */
  storedItems(location: string, status?: RunItem['status']): Promise<RunItem[]>;
  /** The sandbox's store, opened as its children open it (`use` gets it; it is closed after). */
  withStore<T>(use: (store: Store) => Promise<T>): Promise<T>;
  /** How many run jobs (a run's and its slots') the scheduler still holds, in the engine's Agenda backend. */
  runJobsLeft(): Promise<number>;
  /** `fetch` against `service` as the administrator, asking for JSON. */
  request(service: ChildService, pathname: string, init?: RequestInit): Promise<Response>;
  /** Starts a background run of `className`'s auto-registered definition over every record; answers its location. */
  startRunOverAll(service: ChildService, className: string): Promise<string>;
  /** The same in `context` (its `mode` and what that mode names, e.g. `listCSIDs`). */
  startRun(service: ChildService, className: string, context: Record<string, unknown>): Promise<string>;
  /** The run at `location` once it finished (reached a final status). */
  finishedRun(service: ChildService, location: string, timeoutMs: number): Promise<any>;
  /** Every item of the run at `location` (only those in `status`, if given), page by page, in posting order. */
  items(service: ChildService, location: string, status?: string): Promise<any[]>;
  /** Kills what still runs, and removes the sandbox unless `keep` (a failed test's data stays to look at). */
  cleanup(keep: boolean): Promise<void>;
}

/**
 * The sandbox of the `describe` this is called in: made before its tests, cleaned up after them (kept when the last
 * one failed, to look at). Read it through the function returned, once the tests run.
 */
export function useChildSandbox(prefix: string, fixtures: string[], options: { engine?: 'sqlite' } = {}): () => ChildSandbox {
  let sandbox: ChildSandbox | undefined;
  before(async () => {
    sandbox = await childSandbox(prefix, fixtures, options);
  });
  after(async function () {
    await sandbox?.cleanup(this.currentTest?.state === 'failed');
  });
  return () => {
    if (sandbox === undefined) throw new Error('the sandbox is made before the tests of its describe run');
    return sandbox;
  };
}

/**
 * A sandbox whose plugins directory holds `fixtures` from test/fixtures/plugins/runs (and its package.json). Its
 * engine is MongoDB when `MONGODB_URI` is set, unless `engine: 'sqlite'` (a test about the SQLite file itself).
 */
export async function childSandbox(prefix: string, fixtures: string[], options: { engine?: 'sqlite' } = {}): Promise<ChildSandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const dataDir = path.join(dir, 'data');
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(dataDir, { recursive: true });
  await mkdir(pluginsDir, { recursive: true });
  for (const file of [...fixtures, 'package.json']) await copyFile(path.join(RUN_FIXTURES, file), path.join(pluginsDir, file));
  const mongodbUri = options.engine === 'sqlite' ? undefined : ownMongoUri(prefix.replace(/[^a-z0-9]+/gi, '_').replace(/_+$/, ''));
  const children: ChildProcess[] = [];
  const withStore = async <T>(use: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore({ dataDir, mongodbUri });
    try {
      return await use(store);
    } finally {
      await store.close();
    }
  };
  const tenant = 'default' as TenantId;

  const request = (service: ChildService, pathname: string, init: RequestInit = {}) =>
    fetch(new URL(pathname, service.url), { ...init, headers: { Authorization: AUTHORIZATION, Accept: 'application/json', ...init.headers } });
  const startRun = async (service: ChildService, className: string, context: Record<string, unknown>) => {
    const definitions = await request(service, `/cspace-services/batch?classname=${encodeURIComponent(className)}`);
    const listItem = ((await definitions.json()) as any)['ns2:abstract-common-list']['list-item'];
    const definitionCsid = [listItem].flat()[0].csid as string;
    const started = await request(service, `/cspace-services/batch/${definitionCsid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', ...context } }),
    });
    if (started.status !== 202) throw new Error(`invoke answered ${started.status}: ${await started.text()}`);
    return started.headers.get('location') ?? '';
  };

  return {
    dir,
    dataDir,
    mongodbUri,
    dbFile: path.join(dataDir, SQLITE_DEFAULTS.filename),
    env: (extra = {}) => ({
      ...process.env,
      MONGODB_URI: mongodbUri,
      PORT: '0',
      DATA_DIR: dataDir,
      PLUGINS_DIR: pluginsDir,
      WATCH_PLUGINS: 'false',
      LOG_LEVEL: 'info',
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
      ...extra,
    }),
    async start(env) {
      const service = await startChildService(env, dir);
      children.push(service.child);
      return service;
    },
    seedRecords: (count) =>
      withStore(async (store) => {
        for (let i = 0; i < count; i += 1) await store.records.create(tenant, 'CollectionObject', { objectNumber: `o${i}` }, 'seed');
      }),
    storedItems: (location, status) =>
      withStore(async (store) => {
        const runId = location.split('/').pop() ?? '';
        const items: RunItem[] = [];
        for (let pageNum = 0; ; pageNum += 1) {
          const page = await store.runs.listItems(tenant, runId, { ...(status !== undefined && { status }), paging: { pageNum, pageSize: 1000 } });
          items.push(...page.items);
          if ((pageNum + 1) * 1000 >= page.totalItems) return items;
        }
      }),
    withStore,
    runJobsLeft: () =>
      withStore(async (store) => {
        const names = [RUN_JOB_NAME, RUN_SLOT_JOB_NAME];
        if (store instanceof MongoStore) return store.db.collection(AGENDA_MONGO_COLLECTION).countDocuments({ name: { $in: names } });
        const agenda = new Database(path.join(dataDir, RUN_EXECUTOR_DEFAULTS.sqliteFilename), { readonly: true, timeout: 5_000 });
        try {
          return agenda.prepare('SELECT count(*) FROM agenda_jobs WHERE name IN (?, ?)').pluck().get(...names) as number;
        } finally {
          agenda.close();
        }
      }),
    request,
    startRunOverAll: (service, className) => startRun(service, className, { mode: 'nocontext' }),
    startRun,
    finishedRun: (service, location, timeoutMs) =>
      waitFor(
        'the run to finish',
        async () => {
          const body = ((await (await request(service, location)).json()) as any)['ns2:run'];
          return isFinalRunStatus(body.status) ? body : undefined;
        },
        { timeoutMs, intervalMs: 50 },
      ),
    async items(service, location, status) {
      const items: any[] = [];
      const filter = status === undefined ? '' : `&status=${status}`;
      for (let page = 0; ; page += 1) {
        const res = await request(service, `${location}/items?pgSz=${ITEMS_PAGE_SIZE}&pgNum=${page}${filter}`);
        if (res.status !== 200) throw new Error(`items answered ${res.status}: ${await res.text()}`);
        const list = ((await res.json()) as any)['ns2:abstract-common-list'];
        items.push(...[list['list-item'] ?? []].flat());
        if ((page + 1) * ITEMS_PAGE_SIZE >= Number(list.totalItems)) return items;
      }
    },
    async cleanup(keep) {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, 'exit') : undefined)));
      if (keep) return;
      await rm(dir, { recursive: true, force: true });
      if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
    },
  };
}
