/**
 * Benchmark: a no-op per-record plugin over BENCH_ITEMS records (default 100,000) as one background run on the
 * embedded store, end to end through HTTP. Prints items per second (request to completion), time to the first
 * item, and peak RSS, as JSON and as one line the README can quote. Every item's final status is written to
 * SQLite as in production. Peak RSS covers the whole process, seeding included; `rssBeforeRunMiB` is what the
 * seeded service held when the request was sent.
 *
 *   npm run bench                 # 100,000 items
 *   BENCH_ITEMS=10000 npm run bench
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import type { TenantId } from '../src/domain/types.js';
import { createLogger } from '../src/log.js';
import { startService } from '../src/service.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const ADMIN = { user: 'bench', password: 'bench-password' };
const AUTH = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;
const scope = globalThis as { benchFirstItemAt?: number };

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'invocables-bench-'));
const service = await startService(
  {
    ...loadConfig({}),
    port: 0,
    dataDir,
    pluginsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'plugins'),
    watchPlugins: false,
    maxRunItems: ITEMS,
    adminUser: ADMIN.user,
    adminPassword: ADMIN.password,
  },
  createLogger(process.env.LOG_LEVEL ?? 'warn'),
);
try {
  const tenant = 'default' as TenantId;
  const seedStart = performance.now();
  for (let i = 0; i < ITEMS; i += 1) await service.store.records.create(tenant, 'CollectionObject', { objectNumber: `b${i}` }, 'bench');
  console.log(`seeded ${ITEMS} records in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const api = (pathname: string, init: RequestInit = {}) =>
    fetch(new URL(pathname, service.url), { ...init, headers: { Authorization: AUTH, Accept: 'application/json', ...init.headers } });
  const list = await api('/cspace-services/batch?classname=bench.NoopItems');
  const item = ((await list.json()) as any)['ns2:abstract-common-list']['list-item'];
  const definition = (Array.isArray(item) ? item[0] : item).csid as string;

  const rssBeforeRun = process.memoryUsage().rss;
  const started = performance.now();
  const res = await api(`/cspace-services/batch/${definition}/invoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
    body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' } }),
  });
  const accepted = performance.now();
  if (res.status !== 202) throw new Error(`invoke answered ${res.status}: ${await res.text()}`);
  const location = res.headers.get('location') ?? '';
  let run: any;
  for (;;) {
    run = ((await (await api(location)).json()) as any)['ns2:run'];
    if (!['Queued', 'InProgress'].includes(run.status)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const finished = performance.now();
  const seconds = (finished - started) / 1000;
  const figures = {
    items: ITEMS,
    status: run.status,
    processed: Number(run.noOfItemsProcessed),
    itemsPerSecond: Math.round(ITEMS / seconds),
    totalSeconds: Number(seconds.toFixed(2)),
    acceptedMs: Math.round(accepted - started),
    timeToFirstItemMs: Math.round((scope.benchFirstItemAt ?? Number.NaN) - started),
    rssBeforeRunMiB: Math.round(rssBeforeRun / 2 ** 20),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(JSON.stringify(figures, null, 2));
  const n = (value: number) => value.toLocaleString('en-US');
  console.log(
    `${n(figures.items)} items: ${n(figures.itemsPerSecond)} items/s end to end (${figures.totalSeconds} s), ` +
      `first item after ${n(figures.timeToFirstItemMs)} ms, 202 after ${n(figures.acceptedMs)} ms, ` +
      `peak RSS ${figures.peakRssMiB} MiB (${figures.rssBeforeRunMiB} MiB before the run); ` +
      `Node ${process.version}, ${os.availableParallelism()} CPUs`,
  );
} finally {
  await service.stop();
  await rm(dataDir, { recursive: true, force: true });
}
