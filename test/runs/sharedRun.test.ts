/**
 * Two worker processes share one run, end to end: the real service as three child processes
 * (`node --import tsx src/main.ts`) on one temp DATA_DIR, one serving the API only and two working on runs, an
 * async run of 2,000 items, and the items show that both workers took a real share and that no item ran twice.
 *
 * The fixture plugin notes the pid of the process that ran each item.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { RUN_EXECUTOR_DEFAULTS, RUN_JOB_NAME, RUN_SLOT_JOB_NAME } from '../../src/runs/runExecutor.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { SQLITE_DEFAULTS } from '../../src/store/sqlite/defaults.js';
import { REPO_ROOT } from '../support/testService.js';
import { startChildService } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 2_000;
const PAGE_SIZE = 500;
const ADMIN = { user: 'admin', password: 'shared-run-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');

describe('one run shared by two worker processes', function () {
  this.timeout(60_000);
  let dir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-shared-'));
  });

  after(async function () {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (this.currentTest?.state !== 'failed') await rm(dir, { recursive: true, force: true });
  });

  it('splits the items between the workers, runs each exactly once, and leaves no run job behind', async () => {
    const dataDir = path.join(dir, 'data');
    const pluginsDir = path.join(dir, 'plugins');
    await mkdir(dataDir, { recursive: true });
    await mkdir(pluginsDir, { recursive: true });
    await copyFile(path.join(FIXTURES, 'pid-note-items.js'), path.join(pluginsDir, 'pid-note-items.js'));
    await copyFile(path.join(FIXTURES, 'package.json'), path.join(pluginsDir, 'package.json'));

    const seed = SqliteStore.open({ filename: path.join(dataDir, SQLITE_DEFAULTS.filename) });
    const tenant = 'default' as TenantId;
    for (let i = 0; i < ITEMS; i += 1) await seed.records.create(tenant, 'CollectionObject', { objectNumber: `o${i}` }, 'seed');
    await seed.close();

    // RUN_SLOTS_PER_RUN stays at its default (2): one slot for each worker.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      PLUGINS_DIR: pluginsDir,
      WATCH_PLUGINS: 'false',
      LOG_LEVEL: 'info',
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
      MAX_RUN_ITEMS: String(ITEMS),
      RUN_POLL_MS: '100',
      RUN_HEARTBEAT_MS: '200',
      // A session out of items waits for the other's leases to expire before it looks again.
      RUN_LEASE_MS: '1000',
      PID_NOTE_ITEM_MS: '10',
    };
    // The API process starts first: it creates the administrator and the fixture's definition once.
    const api = await startChildService({ ...env, RUN_ROLE: 'api' });
    children.push(api.child);
    const workers = await Promise.all([startChildService({ ...env, RUN_ROLE: 'worker' }), startChildService({ ...env, RUN_ROLE: 'worker' })]);
    children.push(...workers.map((worker) => worker.child));
    const request = (pathname: string, init: RequestInit = {}) =>
      fetch(new URL(pathname, api.url), { ...init, headers: { Authorization: AUTHORIZATION, Accept: 'application/json', ...init.headers } });

    const definitions = await request('/cspace-services/batch?classname=test.PidNoteItems');
    const listItem = ((await definitions.json()) as any)['ns2:abstract-common-list']['list-item'];
    const definitionCsid = [listItem].flat()[0].csid as string;
    const started = await request(`/cspace-services/batch/${definitionCsid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({
        'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' },
      }),
    });
    expect(started.status, await started.clone().text()).to.equal(202);
    const location = started.headers.get('location') ?? '';

    const run = await waitFor(
      'the run to finish',
      async () => {
        const body = ((await (await request(location)).json()) as any)['ns2:run'];
        return body.status === 'InProgress' || body.status === 'Queued' ? undefined : body;
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: String(ITEMS), noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });

    const items: any[] = [];
    for (let page = 0; page * PAGE_SIZE < ITEMS; page += 1) {
      const res = await request(`${location}/items?pgSz=${PAGE_SIZE}&pgNum=${page}`);
      expect(res.status).to.equal(200);
      items.push(...[((await res.json()) as any)['ns2:abstract-common-list']['list-item']].flat());
    }
    expect(new Set(items.map((item) => item.csid)).size, 'distinct items').to.equal(ITEMS);
    expect(items.filter((item) => item.status !== 'Completed'), 'items not Completed').to.deep.equal([]);
    expect(items.filter((item) => item.attempts !== '1'), 'items claimed more than once').to.deep.equal([]);

    const byPid = new Map<string, number>();
    for (const item of items) byPid.set(item.note, (byPid.get(item.note) ?? 0) + 1);
    const workerPids = workers.map((worker) => String(worker.child.pid));
    expect([...byPid.keys()].sort(), 'processes that ran items').to.deep.equal([...workerPids].sort());
    for (const pid of workerPids) expect(byPid.get(pid), `items run by worker ${pid}`).to.be.at.least(ITEMS / 5);

    // The slot jobs end with the run: none is left polling for it.
    const agendaDb = new Database(path.join(dataDir, RUN_EXECUTOR_DEFAULTS.sqliteFilename), { readonly: true, timeout: 5_000 });
    try {
      const left = agendaDb.prepare('SELECT count(*) FROM agenda_jobs WHERE name IN (?, ?)').pluck();
      const gone = async () => ((left.get(RUN_JOB_NAME, RUN_SLOT_JOB_NAME) as number) === 0 ? true : undefined);
      await waitFor('the run jobs to be removed', gone, { timeoutMs: 5_000, intervalMs: 50 });
    } finally {
      agendaDb.close();
    }

    for (const service of [api, ...workers]) service.child.kill('SIGTERM');
    const codes = await Promise.all([api, ...workers].map(async (service) => ((await service.exited) as [number | null])[0]));
    expect(codes).to.deep.equal([0, 0, 0]);
  });
});
