/**
 * Service configuration, read from the environment once at start-up. Every setting is documented here with
 * its default and in the README's configuration table.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { checkPassword, checkUsername } from './domain/accountRules.js';
import { ValidationError } from './domain/errors.js';
import { LOGIN_THROTTLE_DEFAULTS } from './services/auth/loginThrottle.js';
import { VERIFICATION_CACHE_DEFAULTS } from './services/auth/verificationCache.js';
import { PLUGIN_LOAD_DEFAULTS } from './plugins/threads/loadingThread.js';
import { PLUGIN_THREAD_DEFAULTS } from './plugins/threads/pluginThreads.js';
import { INVOCATION_DEFAULTS } from './services/invocationService.js';
import { INVOKE_AUTHORIZER_DEFAULTS } from './services/invokeAuthorization.js';
import { RUN_SERVICE_DEFAULTS } from './services/runService.js';
import { RUN_EXECUTOR_DEFAULTS } from './runs/runExecutor.js';
import { ITEMS_IN_FLIGHT_PER_THREAD, RUN_WORKER_DEFAULTS } from './runs/runWorker.js';
import { DEFAULT_RUN_LOG_LINES } from './domain/runLog.js';
import { NO_RUN_ORDER, parseRunOrder, type RunOrder } from './domain/runOrder.js';
import { AFTER_FAILURE_RULES, isAfterFailure, type AfterFailure } from './domain/runs.js';
import { DEFAULT_RESULTS_INLINE_LIMIT } from './store/runRules.js';
import { OAUTH_DEFAULTS } from './services/oauth/oauthProvider.js';

export interface Config {
  /** HTTP port. `PORT` @defaultValue 8080 */
  port: number;
  /** The address (or host name) the server listens on. `HOST` @defaultValue unset: every interface, IPv6 and IPv4 */
  host: string | undefined;
  /** Where the embedded store keeps its database file. `DATA_DIR` @defaultValue './data' */
  dataDir: string;
  /** Where plugins are loaded from and watched. `PLUGINS_DIR` @defaultValue './plugins' */
  pluginsDir: string;
  /** When set, MongoDB is the store instead of the embedded SQLite one. `MONGODB_URI` @defaultValue unset */
  mongodbUri: string | undefined;
  /** Largest accepted request body, in bytes. `BODY_LIMIT` (bytes, or a size like `1mb`) @defaultValue 1 MiB */
  bodyLimit: string | number;
  /** pino log level. `LOG_LEVEL` @defaultValue 'info' */
  logLevel: string;
  /** How long shutdown waits for in-flight requests before closing them. `SHUTDOWN_TIMEOUT_MS` @defaultValue 10000 */
  shutdownTimeoutMs: number;
  /** Time limit of one invocation (or of one record, for per-record plugins) unless the plugin sets its own. `INVOCATION_TIMEOUT_MS` @defaultValue 60000 */
  invocationTimeoutMs: number;
  /** How many records a per-record plugin processes at once. `ITEM_CONCURRENCY` @defaultValue 8 */
  itemConcurrency: number;
  /** Worker threads plugin code runs in (every plugin call runs in one; see src/plugins/threads). `PLUGIN_THREADS` @defaultValue the number of CPUs, at least 2 */
  pluginThreads: number;
  /** Heap limit of each plugin thread, in MiB: a plugin that passes it fails its item, not the service. `PLUGIN_MAX_OLD_GENERATION_MB` @defaultValue 512 */
  pluginMaxOldGenerationMb: number;
  /**
   * Times an item may stop what runs it before it is Failed for good: its plugin thread, run alone (`PLUGIN_CRASHED`),
   * or its whole worker process, a crash or a stall past the lease (`WORKER_STOPPED`). `ITEM_MAX_CRASHES` @defaultValue 3
   */
  itemMaxCrashes: number;
  /** Whether a plugin file dropped or changed in PLUGINS_DIR is (re)loaded without a restart. `WATCH_PLUGINS` @defaultValue true */
  watchPlugins: boolean;
  /** How long a plugin's module may take to load in its loading thread before it fails `PLUGIN_LOAD_TIMEOUT`. `PLUGIN_LOAD_TIMEOUT_MS` @defaultValue 10000 */
  pluginLoadTimeoutMs: number;
  /** Username of the administrator created on first start (with the tenant `default`). `ADMIN_USER` @defaultValue 'admin' */
  adminUser: string;
  /**
   * Password of that administrator, used on first start only. `ADMIN_PASSWORD` @defaultValue unset: a random one
   * is generated and logged once, at that first start.
   */
  adminPassword: string | undefined;
  /** Failed password logins for one username from one client address that refuse that pair for the window, even the right password. `LOGIN_MAX_FAILURES` @defaultValue 10 */
  loginMaxFailures: number;
  /** Failed password logins from one address, any usernames, that refuse it to clients not proven for the username (and wrong secrets of existing tokens, counted apart, that limit its uncached tokens). `LOGIN_MAX_FAILURES_PER_ADDRESS` @defaultValue 10 */
  loginMaxFailuresPerAddress: number;
  /** Failed password logins for one username, from any address, that refuse it to addresses the user has not logged in from. `LOGIN_MAX_FAILURES_PER_USER` @defaultValue 20 */
  loginMaxFailuresPerUser: number;
  /** The sliding window all three are counted in, in ms. `LOGIN_FAILURE_WINDOW_MS` @defaultValue 900000 (15 minutes) */
  loginFailureWindowMs: number;
  /** How long a successful password or token check is reused before scrypt runs again; 0 disables. `AUTH_CACHE_TTL_MS` @defaultValue 60000 */
  authCacheTtlMs: number;
  /**
   * Which proxies' `X-Forwarded-For` to believe for the client address (login throttling is per address), as
   * Express's `trust proxy`: `false`, a hop count (the number of proxies in front), or the proxies'
   * addresses/subnets such as `loopback, 10.0.0.0/8`. Never `true`: that takes the left-most entry, which the
   * client writes itself. `TRUST_PROXY` @defaultValue false (the socket's peer is the client)
   */
  trustProxy: false | number | string;
  /** Most items one background run may have; larger requests are refused before anything runs. `MAX_RUN_ITEMS` @defaultValue 100000 */
  maxRunItems: number;
  /** Runs one user may have active at once in a tenant (seed 003: one); past it 429 with `Retry-After`. 0: no limit. `MAX_ACTIVE_RUNS_PER_USER` @defaultValue 0 */
  maxActiveRunsPerUser: number;
  /** The server's limit on how long an invoke without `Prefer: respond-async` waits for its run; past it, 202 and the run's Location. 0: no limit (CollectionSpace's behaviour). `INVOKE_WAIT_MS` @defaultValue 0 */
  invokeWaitMs: number;
  /** Items stored with a new `nocontext` run before it is answered; a worker queues the rest while these run. `RUN_FIRST_ITEMS` @defaultValue 64 */
  runFirstItems: number;
  /** What this process does: serve the API (`api`), work on runs and serve only `/health` (`worker`), or both. `RUN_ROLE` @defaultValue 'both' */
  runRole: 'api' | 'worker' | 'both';
  /** How long a worker holds a claimed item without renewing its lease. `RUN_LEASE_MS` @defaultValue 30000 */
  runLeaseMs: number;
  /** A run's Agenda job not touched for this long is taken over by another process. `RUN_LOCK_LIFETIME_MS` @defaultValue 30000 */
  runLockLifetimeMs: number;
  /** How often leases are renewed and run jobs touched. `RUN_HEARTBEAT_MS` @defaultValue 5000 */
  runHeartbeatMs: number;
  /** How often Agenda polls for runs saved by other processes, and runs whose direct session died are looked for. `RUN_POLL_MS` @defaultValue 2000 */
  runPollMs: number;
  /** How often an active run that no worker stands for (a wake lost to a fault) is woken. `RUN_SWEEP_MS` @defaultValue 60000 */
  runSweepMs: number;
  /** Runs one process takes up at once (its items in flight are limited apart). `MAX_CONCURRENT_RUNS` @defaultValue 64 */
  maxConcurrentRuns: number;
  /** Items in flight in one process across all its runs. `MAX_ITEMS_IN_FLIGHT` @defaultValue 512 per plugin thread (`PLUGIN_THREADS`) */
  maxItemsInFlight: number;
  /** How many processes may work on one run at once. `RUN_SLOTS_PER_RUN` @defaultValue 2 */
  runSlotsPerRun: number;
  /** Finished runs (and their items) are deleted this long after they complete; 0 keeps them. `RUN_RETENTION_MS` @defaultValue 2592000000 (30 days) */
  runRetentionMs: number;
  /** How often the purge job looks for runs past retention. `RUN_PURGE_EVERY_MS` @defaultValue 3600000 (1 hour) */
  runPurgeEveryMs: number;
  /** A run's results whose JSON passes this many bytes are stored apart and served from `/runs/{id}/results`. `RUN_RESULTS_INLINE_LIMIT` @defaultValue 16384 */
  runResultsInlineLimit: number;
  /** How long the answer to a request with an `Idempotency-Key` is replayed to its repeats. `IDEMPOTENCY_RETENTION_MS` @defaultValue 86400000 (24 hours) */
  idempotencyRetentionMs: number;
  /** Most idempotency keys one user holds in a tenant at once; past it a request with a new key gets 429. `IDEMPOTENCY_MAX_KEYS` @defaultValue 1000 */
  idempotencyMaxKeys: number;
  /** Plugin log lines (`ctx.log`) a run keeps; later ones are only counted. `RUN_LOG_LINES` @defaultValue 10000 */
  runLogLines: number;
  /**
   * Per tenant, the doc types whose runs start in that order when posted together (seed 003):
   * `tenant:DocType,DocType;*:DocType,…` (`*`: every other tenant). `RUN_ORDER` @defaultValue none
   */
  runOrder: RunOrder;
  /** What a run does when a run it follows ends Failed or Cancelled, unless its request says: `fail` or `start`. `RUN_AFTER_FAILURE` @defaultValue 'fail' */
  runAfterFailure: AfterFailure;
  /**
   * Where Agendash (the Agenda dashboard) is served, for administrators only; empty disables it.
   * `AGENDASH_PATH` @defaultValue '/cspace-services/agendash'
   */
  agendashPath: string | undefined;
  /**
   * The OAuth issuer (`iss` of access tokens): the public URL of `/cspace-services/oauth2`. `OAUTH_ISSUER`
   * @defaultValue `http://localhost:PORT/cspace-services/oauth2`
   */
  oauthIssuer: string;
  /**
   * Where the `cspace-ui` client may be sent back with an authorization code: comma-separated absolute URLs, one per
   * UI tenant (CollectionSpace's `authorizationSuccessUrl`). `OAUTH_REDIRECT_URIS`
   * @defaultValue 'http://localhost:8180/cspace/core/authorized'
   */
  oauthRedirectUris: string[];
  /** Lifetime of an OAuth access token, in seconds. `OAUTH_ACCESS_TOKEN_TTL_SECONDS` @defaultValue 3600 */
  oauthAccessTokenTtlSeconds: number;
  /** How long one OAuth sign-in lasts, in seconds: its refresh tokens (rotated at each refresh), grant and session. `OAUTH_REFRESH_TOKEN_TTL_SECONDS` @defaultValue 1209600 (14 days) */
  oauthRefreshTokenTtlSeconds: number;
  /** The authorization server's signing and cookie keys; created when missing. `OAUTH_KEYS_FILE` @defaultValue unset: `oauth-keys.json` in DATA_DIR */
  oauthKeysFile: string | undefined;
  /** Client registrations besides `cspace-ui`: a JSON array of OAuth client metadata. `OAUTH_CLIENTS_FILE` @defaultValue unset: `cspace-ui` only */
  oauthClientsFile: string | undefined;
  /** The key that signs public result links; created when missing. `RESULT_LINK_KEY_FILE` @defaultValue unset: `result-links.key` in DATA_DIR */
  resultLinkKeyFile: string | undefined;
}

export const CONFIG_DEFAULTS = {
  port: 8080,
  dataDir: './data',
  pluginsDir: './plugins',
  bodyLimit: '1mb',
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  watchPlugins: true,
  adminUser: 'admin',
  loginMaxFailures: LOGIN_THROTTLE_DEFAULTS.maxFailuresPerUserAddress,
  loginMaxFailuresPerAddress: LOGIN_THROTTLE_DEFAULTS.maxFailuresPerAddress,
  loginMaxFailuresPerUser: LOGIN_THROTTLE_DEFAULTS.maxFailuresPerUser,
  loginFailureWindowMs: LOGIN_THROTTLE_DEFAULTS.windowMs,
  authCacheTtlMs: VERIFICATION_CACHE_DEFAULTS.ttlMs,
  trustProxy: false,
  invocationTimeoutMs: INVOCATION_DEFAULTS.timeoutMs,
  itemConcurrency: RUN_WORKER_DEFAULTS.concurrency,
  pluginThreads: PLUGIN_THREAD_DEFAULTS.maxThreads,
  pluginMaxOldGenerationMb: PLUGIN_THREAD_DEFAULTS.maxOldGenerationMb,
  pluginLoadTimeoutMs: PLUGIN_LOAD_DEFAULTS.timeoutMs,
  itemMaxCrashes: PLUGIN_THREAD_DEFAULTS.maxCrashes,
  maxRunItems: RUN_SERVICE_DEFAULTS.maxItems,
  maxActiveRunsPerUser: INVOKE_AUTHORIZER_DEFAULTS.maxActivePerUser,
  invokeWaitMs: RUN_SERVICE_DEFAULTS.syncWaitMs,
  runFirstItems: RUN_SERVICE_DEFAULTS.firstItems,
  runRole: 'both',
  runLeaseMs: 30_000,
  runLockLifetimeMs: 30_000,
  runHeartbeatMs: 5_000,
  runPollMs: 2_000,
  runSweepMs: 60_000,
  maxConcurrentRuns: RUN_EXECUTOR_DEFAULTS.maxConcurrentRuns,
  runSlotsPerRun: 2,
  runRetentionMs: 30 * 86_400_000,
  runPurgeEveryMs: 3_600_000,
  runResultsInlineLimit: DEFAULT_RESULTS_INLINE_LIMIT,
  idempotencyRetentionMs: 86_400_000,
  idempotencyMaxKeys: 1_000,
  runLogLines: DEFAULT_RUN_LOG_LINES,
  runOrder: NO_RUN_ORDER,
  runAfterFailure: RUN_SERVICE_DEFAULTS.afterFailure,
  agendashPath: '/cspace-services/agendash',
  oauthAccessTokenTtlSeconds: OAUTH_DEFAULTS.accessTokenTtlSeconds,
  oauthRefreshTokenTtlSeconds: OAUTH_DEFAULTS.refreshTokenTtlSeconds,
} as const satisfies Partial<Config>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** An unset or blank variable reads as absent, so `PORT=` behaves like no `PORT` at all. */
function text(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const raw = env[key]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function integer(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  const raw = text(env, key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = text(env, key)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${key} must be true or false, got '${raw}'`);
}

function bodyLimit(env: NodeJS.ProcessEnv): string | number {
  const raw = text(env, 'BODY_LIMIT');
  if (raw === undefined) return CONFIG_DEFAULTS.bodyLimit;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (/^\d+(\.\d+)?\s*(b|kb|mb|gb)$/i.test(raw)) return raw;
  throw new ConfigError(`BODY_LIMIT must be a number of bytes or a size like 512kb or 1mb, got '${raw}'`);
}

function runRole(env: NodeJS.ProcessEnv): Config['runRole'] {
  const raw = text(env, 'RUN_ROLE')?.toLowerCase() ?? CONFIG_DEFAULTS.runRole;
  if (raw === 'api' || raw === 'worker' || raw === 'both') return raw;
  throw new ConfigError(`RUN_ROLE must be api, worker or both, got '${raw}'`);
}

function runOrder(env: NodeJS.ProcessEnv): RunOrder {
  const raw = text(env, 'RUN_ORDER');
  if (raw === undefined) return CONFIG_DEFAULTS.runOrder;
  try {
    return parseRunOrder(raw);
  } catch (err) {
    throw new ConfigError(`RUN_ORDER must be 'tenant:DocType,DocType,…' entries separated by ';': ${(err as Error).message}`);
  }
}

function runAfterFailure(env: NodeJS.ProcessEnv): AfterFailure {
  const raw = text(env, 'RUN_AFTER_FAILURE')?.toLowerCase() ?? CONFIG_DEFAULTS.runAfterFailure;
  if (isAfterFailure(raw)) return raw;
  throw new ConfigError(`RUN_AFTER_FAILURE must be ${AFTER_FAILURE_RULES.join(' or ')}, got '${raw}'`);
}

/** Express's names for well-known proxy subnets (proxy-addr). */
const PROXY_SUBNET_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address, `address/prefix-length` or IPv4 `address/netmask`, as proxy-addr reads them. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_SUBNET_NAMES.includes(entry) || isIP(entry) !== 0) return true;
  const [address = '', range, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || range === undefined || rest.length > 0) return false;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

function trustProxy(env: NodeJS.ProcessEnv): Config['trustProxy'] {
  const raw = text(env, 'TRUST_PROXY');
  if (raw === undefined || raw.toLowerCase() === 'false') return CONFIG_DEFAULTS.trustProxy;
  if (raw.toLowerCase() === 'true') {
    throw new ConfigError(
      "TRUST_PROXY=true would take the client address from X-Forwarded-For's left-most entry, which any client can set; " +
        'give the number of proxies in front of the service (e.g. 1) or their addresses/subnets (e.g. loopback, 10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(raw)) return integer(env, 'TRUST_PROXY', 0, 0, 32);
  const entries = raw.split(',').map((entry) => entry.trim());
  const wrong = entries.find((entry) => !isProxyAddress(entry));
  if (wrong !== undefined) {
    throw new ConfigError(`TRUST_PROXY must be false, a number of proxies, or proxy addresses/subnets (loopback, 10.0.0.0/8, ...), got '${wrong}'`);
  }
  return entries.join(', ');
}

/** Set but blank disables the dashboard, so `text()` (blank reads as unset) does not apply here. */
function agendashPath(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env['AGENDASH_PATH'];
  if (raw === undefined) return CONFIG_DEFAULTS.agendashPath;
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (trimmed === '') return undefined;
  if (!/^(\/[\w.~-]+)+$/.test(trimmed)) throw new ConfigError(`AGENDASH_PATH must be a path such as /cspace-services/agendash, got '${raw}'`);
  return trimmed;
}

function oauthIssuer(env: NodeJS.ProcessEnv, port: number): string {
  const raw = text(env, 'OAUTH_ISSUER');
  if (raw === undefined) return `http://localhost:${port}/cspace-services/oauth2`;
  if (!isHttpUrl(raw) || raw.includes('?') || raw.includes('#')) throw new ConfigError(`OAUTH_ISSUER must be an http(s) URL without query or fragment, got '${raw}'`);
  return raw.replace(/\/+$/, '');
}

function isHttpUrl(raw: string): boolean {
  return URL.canParse(raw) && ['http:', 'https:'].includes(new URL(raw).protocol);
}

function oauthRedirectUris(env: NodeJS.ProcessEnv): string[] {
  const raw = text(env, 'OAUTH_REDIRECT_URIS');
  if (raw === undefined) return [...OAUTH_DEFAULTS.redirectUris];
  const uris = raw.split(',').map((uri) => uri.trim()).filter((uri) => uri !== '');
  const wrong = uris.find((uri) => !isHttpUrl(uri) || uri.includes('#'));
  if (uris.length === 0 || wrong !== undefined) {
    throw new ConfigError(`OAUTH_REDIRECT_URIS must be comma-separated http(s) URLs without fragment, got '${wrong ?? raw}'`);
  }
  return uris;
}

/**
 * A connection string the driver parses, checked before anything connects (the client connects only when asked
 * to), so that a typo is refused in one line. The string is not quoted back: it may hold a password.
 */
function mongodbUri(env: NodeJS.ProcessEnv): string | undefined {
  const raw = text(env, 'MONGODB_URI');
  if (raw === undefined) return undefined;
  try {
    void new MongoClient(raw);
  } catch (err) {
    throw new ConfigError(`MONGODB_URI is not a MongoDB connection string: ${(err as Error).message}`);
  }
  return raw;
}

/** An IP address or a DNS host name (RFC 1123 labels), as `server.listen` takes it. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function host(env: NodeJS.ProcessEnv): string | undefined {
  const raw = text(env, 'HOST');
  if (raw === undefined) return undefined;
  // `[::1]` as in a URL is accepted for `::1`.
  const bare = raw.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 0 && !HOST_NAME.test(bare)) throw new ConfigError(`HOST must be an IP address or a host name such as 127.0.0.1, :: or localhost, got '${raw}'`);
  return bare;
}

/**
 * The administrator created on first start is checked with the other settings, before anything touches the data
 * directory, although it is used only once the store is open (src/services/auth/bootstrap.ts).
 */
function accountSetting<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ConfigError(err.details.map(({ path, message }) => `${path} ${message}`).join('; '));
  }
}

function adminUser(env: NodeJS.ProcessEnv): string {
  return accountSetting(() => checkUsername(text(env, 'ADMIN_USER') ?? CONFIG_DEFAULTS.adminUser, 'ADMIN_USER'));
}

function adminPassword(env: NodeJS.ProcessEnv): string | undefined {
  // Not trimmed like the others: leading or trailing spaces may be part of a password.
  const raw = env['ADMIN_PASSWORD'];
  return raw === undefined || raw === '' ? undefined : accountSetting(() => checkPassword(raw, 'ADMIN_PASSWORD'));
}

/** Reads and checks the configuration; relative directories resolve against the working directory. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = integer(env, 'PORT', CONFIG_DEFAULTS.port, 0, 65_535);
  const pluginThreads = integer(env, 'PLUGIN_THREADS', CONFIG_DEFAULTS.pluginThreads, 1, 256);
  const oauthKeysFile = text(env, 'OAUTH_KEYS_FILE');
  const oauthClientsFile = text(env, 'OAUTH_CLIENTS_FILE');
  const resultLinkKeyFile = text(env, 'RESULT_LINK_KEY_FILE');
  return {
    port,
    host: host(env),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? CONFIG_DEFAULTS.dataDir),
    pluginsDir: path.resolve(text(env, 'PLUGINS_DIR') ?? CONFIG_DEFAULTS.pluginsDir),
    mongodbUri: mongodbUri(env),
    bodyLimit: bodyLimit(env),
    logLevel: text(env, 'LOG_LEVEL') ?? CONFIG_DEFAULTS.logLevel,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', CONFIG_DEFAULTS.shutdownTimeoutMs, 0, 600_000),
    invocationTimeoutMs: integer(env, 'INVOCATION_TIMEOUT_MS', CONFIG_DEFAULTS.invocationTimeoutMs, 1, 86_400_000),
    itemConcurrency: integer(env, 'ITEM_CONCURRENCY', CONFIG_DEFAULTS.itemConcurrency, 1, 256),
    pluginThreads,
    pluginMaxOldGenerationMb: integer(env, 'PLUGIN_MAX_OLD_GENERATION_MB', CONFIG_DEFAULTS.pluginMaxOldGenerationMb, 16, 1_048_576),
    itemMaxCrashes: integer(env, 'ITEM_MAX_CRASHES', CONFIG_DEFAULTS.itemMaxCrashes, 1, 100),
    watchPlugins: flag(env, 'WATCH_PLUGINS', CONFIG_DEFAULTS.watchPlugins),
    pluginLoadTimeoutMs: integer(env, 'PLUGIN_LOAD_TIMEOUT_MS', CONFIG_DEFAULTS.pluginLoadTimeoutMs, 100, 600_000),
    adminUser: adminUser(env),
    adminPassword: adminPassword(env),
    loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', CONFIG_DEFAULTS.loginMaxFailures, 1, 1_000_000),
    loginMaxFailuresPerAddress: integer(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', CONFIG_DEFAULTS.loginMaxFailuresPerAddress, 1, 1_000_000),
    loginMaxFailuresPerUser: integer(env, 'LOGIN_MAX_FAILURES_PER_USER', CONFIG_DEFAULTS.loginMaxFailuresPerUser, 1, 1_000_000),
    loginFailureWindowMs: integer(env, 'LOGIN_FAILURE_WINDOW_MS', CONFIG_DEFAULTS.loginFailureWindowMs, 1000, 86_400_000),
    authCacheTtlMs: integer(env, 'AUTH_CACHE_TTL_MS', CONFIG_DEFAULTS.authCacheTtlMs, 0, 3_600_000),
    trustProxy: trustProxy(env),
    maxRunItems: integer(env, 'MAX_RUN_ITEMS', CONFIG_DEFAULTS.maxRunItems, 1, 10_000_000),
    maxActiveRunsPerUser: integer(env, 'MAX_ACTIVE_RUNS_PER_USER', CONFIG_DEFAULTS.maxActiveRunsPerUser, 0, 10_000),
    invokeWaitMs: integer(env, 'INVOKE_WAIT_MS', CONFIG_DEFAULTS.invokeWaitMs, 0, 3_600_000),
    runFirstItems: integer(env, 'RUN_FIRST_ITEMS', CONFIG_DEFAULTS.runFirstItems, 1, 1_000_000),
    runRole: runRole(env),
    runLeaseMs: integer(env, 'RUN_LEASE_MS', CONFIG_DEFAULTS.runLeaseMs, 100, 86_400_000),
    runLockLifetimeMs: integer(env, 'RUN_LOCK_LIFETIME_MS', CONFIG_DEFAULTS.runLockLifetimeMs, 100, 86_400_000),
    runHeartbeatMs: integer(env, 'RUN_HEARTBEAT_MS', CONFIG_DEFAULTS.runHeartbeatMs, 10, 3_600_000),
    runPollMs: integer(env, 'RUN_POLL_MS', CONFIG_DEFAULTS.runPollMs, 10, 3_600_000),
    runSweepMs: integer(env, 'RUN_SWEEP_MS', CONFIG_DEFAULTS.runSweepMs, 1_000, 86_400_000),
    maxConcurrentRuns: integer(env, 'MAX_CONCURRENT_RUNS', CONFIG_DEFAULTS.maxConcurrentRuns, 1, 1_024),
    // The plugin threads' capacity by default: with more threads, more items in flight keep them busy.
    maxItemsInFlight: integer(env, 'MAX_ITEMS_IN_FLIGHT', pluginThreads * ITEMS_IN_FLIGHT_PER_THREAD, 1, 1_000_000),
    runSlotsPerRun: integer(env, 'RUN_SLOTS_PER_RUN', CONFIG_DEFAULTS.runSlotsPerRun, 1, 64),
    runRetentionMs: integer(env, 'RUN_RETENTION_MS', CONFIG_DEFAULTS.runRetentionMs, 0, Number.MAX_SAFE_INTEGER),
    runPurgeEveryMs: integer(env, 'RUN_PURGE_EVERY_MS', CONFIG_DEFAULTS.runPurgeEveryMs, 1000, 86_400_000),
    // At most 16 MiB: a MongoDB document holds no more, so larger results could not be inlined anyway.
    runResultsInlineLimit: integer(env, 'RUN_RESULTS_INLINE_LIMIT', CONFIG_DEFAULTS.runResultsInlineLimit, 0, 16_777_216),
    idempotencyRetentionMs: integer(env, 'IDEMPOTENCY_RETENTION_MS', CONFIG_DEFAULTS.idempotencyRetentionMs, 1_000, 30 * 86_400_000),
    idempotencyMaxKeys: integer(env, 'IDEMPOTENCY_MAX_KEYS', CONFIG_DEFAULTS.idempotencyMaxKeys, 1, 1_000_000),
    runLogLines: integer(env, 'RUN_LOG_LINES', CONFIG_DEFAULTS.runLogLines, 0, 1_000_000),
    runOrder: runOrder(env),
    runAfterFailure: runAfterFailure(env),
    agendashPath: agendashPath(env),
    oauthIssuer: oauthIssuer(env, port),
    oauthRedirectUris: oauthRedirectUris(env),
    oauthAccessTokenTtlSeconds: integer(env, 'OAUTH_ACCESS_TOKEN_TTL_SECONDS', CONFIG_DEFAULTS.oauthAccessTokenTtlSeconds, 1, 86_400),
    oauthRefreshTokenTtlSeconds: integer(env, 'OAUTH_REFRESH_TOKEN_TTL_SECONDS', CONFIG_DEFAULTS.oauthRefreshTokenTtlSeconds, 60, 366 * 86_400),
    oauthKeysFile: oauthKeysFile === undefined ? undefined : path.resolve(oauthKeysFile),
    oauthClientsFile: oauthClientsFile === undefined ? undefined : path.resolve(oauthClientsFile),
    resultLinkKeyFile: resultLinkKeyFile === undefined ? undefined : path.resolve(resultLinkKeyFile),
  };
}
