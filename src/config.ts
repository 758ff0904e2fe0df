/**
 * Service configuration, read from the environment once at start-up. Every setting is documented here with
 * its default and in the README's configuration table.
 */
import path from 'node:path';
import { INVOCATION_DEFAULTS } from './services/invocationService.js';

export interface Config {
  /** HTTP port. `PORT` @defaultValue 8080 */
  port: number;
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
  /** Whether a plugin file dropped or changed in PLUGINS_DIR is (re)loaded without a restart. `WATCH_PLUGINS` @defaultValue true */
  watchPlugins: boolean;
}

export const CONFIG_DEFAULTS = {
  port: 8080,
  dataDir: './data',
  pluginsDir: './plugins',
  bodyLimit: '1mb',
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  watchPlugins: true,
  invocationTimeoutMs: INVOCATION_DEFAULTS.timeoutMs,
  itemConcurrency: INVOCATION_DEFAULTS.concurrency,
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

/** Reads and checks the configuration; relative directories resolve against the working directory. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: integer(env, 'PORT', CONFIG_DEFAULTS.port, 0, 65_535),
    dataDir: path.resolve(text(env, 'DATA_DIR') ?? CONFIG_DEFAULTS.dataDir),
    pluginsDir: path.resolve(text(env, 'PLUGINS_DIR') ?? CONFIG_DEFAULTS.pluginsDir),
    mongodbUri: text(env, 'MONGODB_URI'),
    bodyLimit: bodyLimit(env),
    logLevel: text(env, 'LOG_LEVEL') ?? CONFIG_DEFAULTS.logLevel,
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', CONFIG_DEFAULTS.shutdownTimeoutMs, 0, 600_000),
    invocationTimeoutMs: integer(env, 'INVOCATION_TIMEOUT_MS', CONFIG_DEFAULTS.invocationTimeoutMs, 1, 86_400_000),
    itemConcurrency: integer(env, 'ITEM_CONCURRENCY', CONFIG_DEFAULTS.itemConcurrency, 1, 256),
    watchPlugins: flag(env, 'WATCH_PLUGINS', CONFIG_DEFAULTS.watchPlugins),
  };
}
