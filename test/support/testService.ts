/**
 * Starts the real service (real store on disk or in memory, real plugin loader, real HTTP server on an
 * ephemeral port) for HTTP-level tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { startService, type ServiceHandle } from '../../src/service.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHIPPED_PLUGINS_DIR = path.join(REPO_ROOT, 'plugins');

export interface TestService extends ServiceHandle {
  /** `fetch` against the service root, e.g. `request('/cspace-services/batch')`. */
  request(pathname: string, init?: RequestInit): Promise<Response>;
  dataDir: string;
}

/** A temporary directory removed by `cleanup`. */
export async function tempDir(prefix = 'invocables-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function startTestService(overrides: Partial<Config> = {}): Promise<TestService> {
  const { dir } = overrides.dataDir === undefined ? await tempDir() : { dir: overrides.dataDir };
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    dataDir: dir,
    pluginsDir: SHIPPED_PLUGINS_DIR,
    watchPlugins: false,
    ...overrides,
  };
  const handle = await startService(config, createLogger(process.env.LOG_LEVEL ?? 'silent'));
  return {
    ...handle,
    dataDir: dir,
    request: (pathname, init) => fetch(new URL(pathname, handle.url), init),
  };
}
