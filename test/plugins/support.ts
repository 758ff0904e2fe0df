/**
 * Helpers for the plugin tests: a writable copy of the fixture directory, and waiting for registry events
 * with a deadline instead of sleeping.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginRegistry, PluginRegistryEvents } from '../../src/plugins/registry.js';
import type { PluginHostLogger } from '../../src/plugins/watcher.js';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/plugins/discovery/', import.meta.url));
export const SHIPPED_PLUGINS_DIR = fileURLToPath(new URL('../../plugins/', import.meta.url));

/**
 * Copies the fixtures into a fresh temp dir and adds what cannot live in the repository: a syntax error
 * (`tsc --noEmit` checks every .js under test/) and a `node_modules` folder (git-ignored).
 */
export async function copyFixtures(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'invocables-plugins-'));
  await cp(FIXTURES_DIR, dir, { recursive: true });
  await writeFile(path.join(dir, 'broken-syntax.js'), 'export default {\n  className: "syntax",\n');
  await mkdir(path.join(dir, 'node_modules', 'ignored-package'), { recursive: true });
  await writeFile(path.join(dir, 'node_modules', 'ignored-package', 'index.js'), 'export default {};\n');
  return dir;
}

export async function emptyPluginsDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'invocables-plugins-'));
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  return dir;
}

/** A valid plugin's source; `top` is top-level code that runs before the export. */
export function pluginSource(className: string, top = ''): string {
  return `${top}
export default {
  className: '${className}',
  contract: '^1.0.0',
  modes: ['single', 'nocontext'],
  paramsSchema: { type: 'object', properties: { n: { type: 'integer', default: 1 } } },
  async invoke() {
    return { userNote: '${className} ran' };
  },
};
`;
}

/**
 * Top levels that used to crash, stall or bend the service when the module was imported on its thread, with the
 * code each load now fails with and words of its reason (the time limit's for the one that blocks).
 */
export const HOSTILE_PLUGINS = {
  'blocks.js': { top: 'while (true) {}', code: 'PLUGIN_LOAD_TIMEOUT', says: 'did not load within' },
  'exits.js': { top: 'process.exit(3);', code: 'PLUGIN_LOAD_CRASHED', says: 'exited with code: 3' },
  'hoards.js': {
    top: 'const hoard = []; while (true) hoard.push(new Array(100_000).fill(hoard.length));',
    code: 'PLUGIN_LOAD_CRASHED',
    says: 'ran out of memory',
  },
  'rejects.js': { top: "Promise.reject(new Error('rejected, and nobody handles it'));", code: 'PLUGIN_IMPORT', says: 'nobody handles it' },
  'throws-later.js': { top: "setTimeout(() => { throw new Error('thrown from a timer'); }, 0);", code: 'PLUGIN_IMPORT', says: 'thrown from a timer' },
  'waits.js': { top: 'await new Promise(() => {});', code: 'PLUGIN_LOAD_TIMEOUT', says: 'did not load within' },
} as const;

/** Writes each of HOSTILE_PLUGINS into `dir`. */
export async function writeHostilePlugins(dir: string): Promise<void> {
  for (const [file, { top }] of Object.entries(HOSTILE_PLUGINS)) await writeFile(path.join(dir, file), pluginSource(file, top));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

type EventArgs<K extends keyof PluginRegistryEvents> = PluginRegistryEvents[K];

/** Resolves with the arguments of the first `event` that `matches`; rejects after `timeoutMs`. */
export function nextEvent<K extends keyof PluginRegistryEvents>(
  registry: PluginRegistry,
  event: K,
  matches: (...args: EventArgs<K>) => boolean,
  timeoutMs = 5_000,
): Promise<EventArgs<K>> {
  return new Promise((resolve, reject) => {
    // @types/node cannot relate a listener to a still-generic event name; this view states the relation.
    const emitter = registry as unknown as {
      on(name: K, listener: (...args: EventArgs<K>) => void): void;
      off(name: K, listener: (...args: EventArgs<K>) => void): void;
    };
    const listener = (...args: EventArgs<K>): void => {
      if (!matches(...args)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no matching '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

export interface LogEntry {
  level: keyof PluginHostLogger;
  fields: Record<string, unknown>;
  message: string;
}

/** A logger that keeps what it is given, for assertions. */
export function recordingLogger(): PluginHostLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: keyof PluginHostLogger) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields, message });
    };
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
