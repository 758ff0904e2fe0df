/**
 * Starts the real service (real store on disk or in memory, real plugin loader, real HTTP server on an
 * ephemeral port) for HTTP-level tests.
 */
import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/log.js';
import { loadOAuthKeys } from '../../src/services/oauth/oauthKeys.js';
import { startService, type ServiceHandle } from '../../src/service.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHIPPED_PLUGINS_DIR = path.join(REPO_ROOT, 'plugins');

/** The administrator every test service bootstraps; `request` authenticates as it unless told otherwise. */
export const TEST_ADMIN = { username: 'admin', password: 'test-admin-password' } as const;

/** Who a test request authenticates as: Basic credentials, a bearer token, or `null` for no credentials. */
export type TestAuth = { username: string; password: string } | { token: string } | null;

export interface TestRequestInit extends RequestInit {
  /** @defaultValue TEST_ADMIN (ignored when `headers` already carry an Authorization) */
  auth?: TestAuth;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

function authorizationFor(auth: Exclude<TestAuth, null>): string {
  return 'token' in auth ? `Bearer ${auth.token}` : basicAuthorization(auth.username, auth.password);
}

export interface TestService extends ServiceHandle {
  /** `fetch` against the service root, e.g. `request('/cspace-services/batch')`, as TEST_ADMIN by default. */
  request(pathname: string, init?: TestRequestInit): Promise<Response>;
  dataDir: string;
}

/** A temporary directory removed by `cleanup`. */
export async function tempDir(prefix = 'invocables-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A plugins directory of the test's own: the shipped plugins plus the fixture plugins in `fixtureDirs`. Tests that
 * add or change plugins never touch the repository's.
 */
export async function pluginsDirWith(...fixtureDirs: string[]): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const plugins = await tempDir('invocables-plugins-');
  await cp(SHIPPED_PLUGINS_DIR, plugins.dir, { recursive: true });
  for (const fixtureDir of fixtureDirs) await cp(fixtureDir, plugins.dir, { recursive: true });
  return plugins;
}

/** A logger whose lines (from `level` up) a test can read back, parsed. */
export function capturedLogs(level = 'info'): { logger: Logger; lines: () => Array<Record<string, any>> } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const parsed = () => lines.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, any>);
  return { logger: pino({ level }, sink), lines: parsed };
}

let sharedKeysFile: Promise<string> | undefined;

/**
 * One OAuth keys file (OAUTH_KEYS_FILE) for every test service of this process, made by the service's own
 * `loadOAuthKeys` at first use and removed at exit: a new RSA key at each start was a good part of a test
 * service's start-up. A test about the keys themselves names its own file.
 */
function sharedOAuthKeysFile(): Promise<string> {
  sharedKeysFile ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-test-keys-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'oauth-keys.json');
    await loadOAuthKeys(file);
    return file;
  })();
  return sharedKeysFile;
}

/** @param logger where the service logs; by default nowhere, unless `LOG_LEVEL` says otherwise */
export async function startTestService(overrides: Partial<Config> = {}, logger?: Logger): Promise<TestService> {
  const { dir } = overrides.dataDir === undefined ? await tempDir() : { dir: overrides.dataDir };
  const config: Config = {
    ...loadConfig({}),
    port: 0,
    dataDir: dir,
    pluginsDir: SHIPPED_PLUGINS_DIR,
    watchPlugins: false,
    adminUser: TEST_ADMIN.username,
    adminPassword: TEST_ADMIN.password,
    oauthKeysFile: await sharedOAuthKeysFile(),
    ...overrides,
  };
  const handle = await startService(config, logger ?? createLogger(process.env.LOG_LEVEL ?? 'silent'));
  return {
    ...handle,
    dataDir: dir,
    request: (pathname, init = {}) => {
      const { auth, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth !== null && !headers.has('authorization')) headers.set('Authorization', authorizationFor(auth ?? TEST_ADMIN));
      return fetch(new URL(pathname, handle.url), { ...rest, headers });
    },
  };
}
