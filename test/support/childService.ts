/**
 * The real service as child processes (`node --import tsx src/main.ts`) on a sandbox of their own (a temp
 * DATA_DIR and PLUGINS_DIR), for tests that kill a service or run several processes on one store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TenantId } from '../../src/domain/types.js';
import { SQLITE_DEFAULTS } from '../../src/store/sqlite/defaults.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
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

/** Resolves once the service logs that it listens. */
function startChildService(env: NodeJS.ProcessEnv): Promise<ChildService> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
  /** The embedded store's database file. */
  dbFile: string;
  /** The environment of a service on this sandbox (the administrator, no plugin watching), with `extra`. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Starts a service; `cleanup` kills it if it still runs. */
  start(env: NodeJS.ProcessEnv): Promise<ChildService>;
  /** Creates `count` CollectionObject records straight in the database file, before a service starts. */
  seedRecords(count: number): Promise<void>;
  /** `fetch` against `service` as the administrator, asking for JSON. */
  request(service: ChildService, pathname: string, init?: RequestInit): Promise<Response>;
  /** Starts a background run of `className`'s auto-registered definition over every record; answers its location. */
  startRunOverAll(service: ChildService, className: string): Promise<string>;
  /** The run at `location` once it finished. */
  finishedRun(service: ChildService, location: string, timeoutMs: number): Promise<any>;
  /** Every item of the run at `location` (only those in `status`, if given), page by page, in posting order. */
  items(service: ChildService, location: string, status?: string): Promise<any[]>;
  /** Kills what still runs, and removes the sandbox unless `keep` (a failed test's data stays to look at). */
  cleanup(keep: boolean): Promise<void>;
}

/** A sandbox whose plugins directory holds `fixtures` from test/fixtures/plugins/runs (and its package.json). */
export async function childSandbox(prefix: string, fixtures: string[]): Promise<ChildSandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const dataDir = path.join(dir, 'data');
  const pluginsDir = path.join(dir, 'plugins');
  await mkdir(dataDir, { recursive: true });
  await mkdir(pluginsDir, { recursive: true });
  for (const file of [...fixtures, 'package.json']) await copyFile(path.join(RUN_FIXTURES, file), path.join(pluginsDir, file));
  const dbFile = path.join(dataDir, SQLITE_DEFAULTS.filename);
  const children: ChildProcess[] = [];

  const request = (service: ChildService, pathname: string, init: RequestInit = {}) =>
    fetch(new URL(pathname, service.url), { ...init, headers: { Authorization: AUTHORIZATION, Accept: 'application/json', ...init.headers } });

  return {
    dir,
    dataDir,
    dbFile,
    env: (extra = {}) => ({
      ...process.env,
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
      const service = await startChildService(env);
      children.push(service.child);
      return service;
    },
    async seedRecords(count) {
      const seed = SqliteStore.open({ filename: dbFile });
      const tenant = 'default' as TenantId;
      for (let i = 0; i < count; i += 1) await seed.records.create(tenant, 'CollectionObject', { objectNumber: `o${i}` }, 'seed');
      await seed.close();
    },
    request,
    async startRunOverAll(service, className) {
      const definitions = await request(service, `/cspace-services/batch?classname=${encodeURIComponent(className)}`);
      const listItem = ((await definitions.json()) as any)['ns2:abstract-common-list']['list-item'];
      const definitionCsid = [listItem].flat()[0].csid as string;
      const started = await request(service, `/cspace-services/batch/${definitionCsid}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' } }),
      });
      if (started.status !== 202) throw new Error(`invoke answered ${started.status}: ${await started.text()}`);
      return started.headers.get('location') ?? '';
    },
    finishedRun: (service, location, timeoutMs) =>
      waitFor(
        'the run to finish',
        async () => {
          const body = ((await (await request(service, location)).json()) as any)['ns2:run'];
          return body.status === 'InProgress' || body.status === 'Queued' ? undefined : body;
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
      if (!keep) await rm(dir, { recursive: true, force: true });
    },
  };
}
