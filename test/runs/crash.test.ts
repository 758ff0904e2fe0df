/**
 * Crash safety end to end: the real service as a child process (`node --import tsx src/main.ts`) on a temp
 * DATA_DIR, an async run of 10,000 items, SIGKILL mid-run, a restart on the same data, and the run finishes:
 * every item Completed, none lost, and no item recorded Completed before the kill ran again afterwards.
 *
 * The fixture plugin appends "<csid> <pid>" to a log before it returns, so each execution is visible.
 */
import type { ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { SQLITE_DEFAULTS } from '../../src/store/sqlite/defaults.js';
import { REPO_ROOT } from '../support/testService.js';
import { startChildService, type ChildService } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 10_000;
const ADMIN = { user: 'admin', password: 'crash-test-password' };
const AUTHORIZATION = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');

describe('crash safety (SIGKILL mid-run, restart)', function () {
  this.timeout(180_000);
  let dir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-crash-'));
  });

  after(async function () {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (this.currentTest?.state !== 'failed') await rm(dir, { recursive: true, force: true });
  });

  it('finishes every item after a restart, and never runs an item recorded Completed again', async () => {
    const dataDir = path.join(dir, 'data');
    const pluginsDir = path.join(dir, 'plugins');
    const log = path.join(dir, 'items.log');
    await mkdir(dataDir, { recursive: true });
    await mkdir(pluginsDir, { recursive: true });
    await copyFile(path.join(FIXTURES, 'record-items.js'), path.join(pluginsDir, 'record-items.js'));
    await copyFile(path.join(FIXTURES, 'package.json'), path.join(pluginsDir, 'package.json'));
    await writeFile(log, '');

    // The records exist before the service starts: written straight into its database file.
    const dbFile = path.join(dataDir, SQLITE_DEFAULTS.filename);
    const seed = SqliteStore.open({ filename: dbFile });
    const tenant = 'default' as TenantId;
    for (let i = 0; i < ITEMS; i += 1) await seed.records.create(tenant, 'CollectionObject', { objectNumber: `o${i}` }, 'seed');
    await seed.close();

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      PLUGINS_DIR: pluginsDir,
      WATCH_PLUGINS: 'false',
      LOG_LEVEL: 'info',
      ADMIN_USER: ADMIN.user,
      ADMIN_PASSWORD: ADMIN.password,
      RUN_ITEMS_LOG: log,
      MAX_RUN_ITEMS: String(ITEMS),
      RUN_LEASE_MS: '1500',
      RUN_LOCK_LIFETIME_MS: '1500',
      RUN_HEARTBEAT_MS: '200',
      RUN_POLL_MS: '200',
    };
    const first = await startChildService(env);
    children.push(first.child);
    const api = (service: ChildService, pathname: string, init: RequestInit = {}) =>
      fetch(new URL(pathname, service.url), { ...init, headers: { Authorization: AUTHORIZATION, Accept: 'application/json', ...init.headers } });

    const definitions = await api(first, '/cspace-services/batch?classname=test.RecordItems');
    const listItem = ((await definitions.json()) as any)['ns2:abstract-common-list']['list-item'];
    const definitionCsid = (Array.isArray(listItem) ? listItem[0] : listItem).csid as string;
    const started = await api(first, `/cspace-services/batch/${definitionCsid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({
        'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' },
      }),
    });
    expect(started.status, await started.clone().text()).to.equal(202);
    const location = started.headers.get('location') ?? '';

    // Kill once a good share of the items ran, but well before the end.
    await waitFor('items to run', async () => ((await stat(log)).size > 2_500 * 45 ? true : undefined), { timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited;

    const db = new Database(dbFile, { readonly: true });
    const completedAtKill = new Set(
      (db.prepare(`SELECT item_key FROM run_items WHERE status = 'Completed'`).pluck().all() as string[]),
    );
    db.close();
    expect(completedAtKill.size).to.be.greaterThan(0).and.lessThan(ITEMS);

    const second = await startChildService(env);
    children.push(second.child);
    const run = await waitFor(
      'the run to finish after the restart',
      async () => {
        const res = await api(second, location);
        const body = ((await res.json()) as any)['ns2:run'];
        return body.status === 'InProgress' || body.status === 'Queued' ? undefined : body;
      },
      { timeoutMs: 120_000 },
    );
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: String(ITEMS), noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });

    const finalDb = new Database(dbFile, { readonly: true });
    const byStatus = finalDb.prepare('SELECT status, count(*) AS n FROM run_items GROUP BY status').all();
    finalDb.close();
    expect(byStatus).to.deep.equal([{ status: 'Completed', n: ITEMS }]);

    const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
    const secondPid = String(second.child.pid);
    const ranAfterRestart = lines.filter((line) => line.endsWith(` ${secondPid}`)).map((line) => line.split(' ')[0]!);
    const ranAgain = ranAfterRestart.filter((csid) => completedAtKill.has(csid));
    expect(ranAgain, 'items recorded Completed before the kill that ran again').to.deep.equal([]);
    const seen = new Set(lines.map((line) => line.split(' ')[0]));
    expect(seen.size, 'distinct items that ran').to.equal(ITEMS);
    const afterRestartCounts = new Map<string, number>();
    for (const csid of ranAfterRestart) afterRestartCounts.set(csid, (afterRestartCounts.get(csid) ?? 0) + 1);
    expect([...afterRestartCounts.values()].filter((n) => n > 1), 'items run twice after the restart').to.deep.equal([]);

    second.child.kill('SIGTERM');
    const [code] = (await second.exited) as [number | null];
    expect(code).to.equal(0);
  });
});
