/**
 * What the benchmarks share: the real service on a fresh embedded store in a temp directory, with the bench
 * plugins, seeded with CollectionObject records, and a client for its API as the bench administrator.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import type { TenantId } from '../src/domain/types.js';
import { createLogger } from '../src/log.js';
import { startService, type ServiceHandle } from '../src/service.js';

/** How many seeded csids `startBenchService` keeps for the benchmarks' small invokes. */
const KEPT_CSIDS = 1000;

const ADMIN = { user: 'bench', password: 'bench-password' };
const AUTH = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64')}`;

export interface BenchService {
  service: ServiceHandle;
  /** The bench administrator's `Authorization` header. */
  authorization: string;
  /** `fetch` against the service as the bench administrator, asking for JSON. */
  api(pathname: string, init?: RequestInit): Promise<Response>;
  /** The csid of the no-op plugin's definition. */
  definition: string;
  /** The csids of the first records seeded (at most `KEPT_CSIDS`), oldest first: no more, so that a big seed's memory stays flat. */
  csids: string[];
  stop(): Promise<void>;
}

export async function startBenchService(records: number): Promise<BenchService> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'invocables-bench-'));
  const service = await startService(
    {
      ...loadConfig({}),
      port: 0,
      dataDir,
      pluginsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'plugins'),
      watchPlugins: false,
      maxRunItems: Math.max(records, 1),
      adminUser: ADMIN.user,
      adminPassword: ADMIN.password,
    },
    createLogger(process.env.LOG_LEVEL ?? 'warn'),
  );
  const stop = async () => {
    await service.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const tenant = 'default' as TenantId;
    const seedStart = performance.now();
    const csids: string[] = [];
    for (let i = 0; i < records; i += 1) {
      const { csid } = await service.store.records.create(tenant, 'CollectionObject', { objectNumber: `b${i}` }, 'bench');
      if (csids.length < KEPT_CSIDS) csids.push(csid);
    }
    console.log(`seeded ${records} records in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
    const api = (pathname: string, init: RequestInit = {}) =>
      fetch(new URL(pathname, service.url), { ...init, headers: { Authorization: AUTH, Accept: 'application/json', ...init.headers } });
    const list = await api('/cspace-services/batch?classname=bench.NoopItems');
    const item = ((await list.json()) as any)['ns2:abstract-common-list']['list-item'];
    const definition = [item].flat()[0].csid as string;
    return { service, authorization: AUTH, api, definition, csids, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A synchronous invoke (no `Prefer` header) of `definition` over `csids` in list mode. */
export function invokeList(bench: BenchService, csids: string[], headers: Record<string, string> = {}): Promise<Response> {
  return bench.api(`/cspace-services/batch/${bench.definition}/invoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids } } }),
  });
}

/** The `p`th percentile of ascending `sorted` values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
