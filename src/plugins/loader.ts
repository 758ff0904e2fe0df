/**
 * Finds and loads the plugins of one directory. Policy: warn-and-skip. One bad plugin never fails a load; it
 * becomes a `PluginLoadFailure` next to the plugins that did load. Only an unreadable directory throws, because
 * that is a configuration error the caller must see.
 *
 * Isolation. Each module is evaluated in a loading thread (threads/loadingThread.ts), under a time limit and a
 * heap limit, which sends back what its default export is as plain data; this thread checks that (validatePlugin.ts)
 * and compiles the params schema. Plugin code never runs here, so a top level that blocks, exits, throws late,
 * allocates without bound or changes globals fails its own load (`PLUGIN_LOAD_TIMEOUT`, `PLUGIN_LOAD_CRASHED`,
 * `PLUGIN_IMPORT`) and nothing else.
 *
 * Entries, in sorted (code-unit) order so every load sees them the same way:
 * - top-level `*.js`, `*.mjs`, `*.ts` files;
 * - folders holding `index.js`, `index.mjs` or `index.ts` (first found in that order).
 * Skipped: `*.d.ts`, `*.test.*` / `*.spec.*`, dotfiles, `node_modules`, anything else.
 *
 * Reloading. A loader remembers each entry's version (newest mtime and total size; of the whole tree for a
 * folder) and loads again only entries whose version changed, returning the very same `LoadedPlugin` otherwise.
 * The plugin threads import a changed entry as a new module (see importPlugin.ts):
 * - `.js` / `.mjs` files are imported as `<file URL>?v=<version>`: a new version is a new URL, hence a new
 *   module. Only that module is re-evaluated; anything it imports stays as first loaded until the thread ends.
 * - `.ts` files and folder plugins (whatever their index) go through tsx's `tsImport`, which uses a fresh loader
 *   namespace on every call, so a call re-evaluates the entry and every file it imports (in an ESM package
 *   scope; under CommonJS only the entry is). A changed helper of a folder plugin therefore takes effect, which
 *   a `?v=` query on the index could not do.
 * Node never frees an ES module, so a plugin thread keeps the old modules of what it ran until it ends; a loading
 * thread ends with its scan.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { PluginDescriptor } from './descriptor.js';
import { unwrapDefaultExport } from './importPlugin.js';
import { LoadingThread, PLUGIN_LOAD_DEFAULTS, type PluginLoadLimits } from './threads/loadingThread.js';
import { errorText, type LoadAnswer } from './threads/protocol.js';
import { PLUGIN_ERROR_CODES, PluginError, type PluginErrorCode, validateDescription } from './validatePlugin.js';

export { unwrapDefaultExport };

export interface PluginEntry {
  /** The file or folder name inside the plugins directory; what sorting and duplicate checks go by. */
  name: string;
  kind: 'file' | 'folder';
  /** Absolute path of the module to import. */
  file: string;
  /** Changes whenever the entry (any file of a folder entry) changes. */
  version: string;
}

export interface LoadedPlugin {
  /** The plugin's fields and which methods it has, as its loading thread described them; its code is not here. */
  plugin: PluginDescriptor;
  /** Whether the plugin is a file or a folder entry (see `PluginEntry`): how its module is imported again in a plugin thread. */
  kind: PluginEntry['kind'];
  /** See `ValidatedPlugin.validateParams`. */
  validateParams: ValidateFunction | undefined;
  name: string;
  file: string;
  version: string;
  loadedAt: Date;
}

/** `cause` is for logs only; it may not be JSON-safe. */
export interface PluginLoadFailure {
  file: string;
  code: PluginErrorCode;
  message: string;
  cause?: unknown;
}

export interface PluginLoadResult {
  loaded: LoadedPlugin[];
  failed: PluginLoadFailure[];
}

export interface PluginLoader {
  /**
   * Loads every entry of `dir`; throws only when `dir` cannot be read, or with `signal`'s reason once it aborts (the
   * loads under way are stopped, and nothing they did is remembered).
   */
  load(dir: string, signal?: AbortSignal): Promise<PluginLoadResult>;
}

const PLUGIN_FILE = /\.(?:js|mjs|ts)$/;
const IGNORED_FILE = /\.d\.ts$|\.(?:test|spec)\.[^.]+$/;
const FOLDER_INDEXES = ['index.js', 'index.mjs', 'index.ts'] as const;

/** Code-unit order rather than locale order, so that every machine sorts entries alike. */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The newest mtime and the total size of a folder tree: any change, addition or removal inside moves one of them. */
async function treeVersion(dir: string): Promise<{ newest: number; size: number; count: number }> {
  const own = await stat(dir);
  const totals = { newest: own.mtimeMs, size: 0, count: 0 };
  for (const child of await readdir(dir, { withFileTypes: true })) {
    if (isIgnoredName(child.name)) continue;
    const childPath = path.join(dir, child.name);
    if (child.isDirectory()) {
      const sub = await treeVersion(childPath);
      totals.newest = Math.max(totals.newest, sub.newest);
      totals.size += sub.size;
      totals.count += sub.count + 1;
    } else if (child.isFile()) {
      const info = await stat(childPath);
      totals.newest = Math.max(totals.newest, info.mtimeMs);
      totals.size += info.size;
      totals.count += 1;
    }
  }
  return totals;
}

/** Lists the plugin entries of `dir` in sorted order; throws when `dir` cannot be read. */
export async function discoverPlugins(dir: string): Promise<PluginEntry[]> {
  const root = path.resolve(dir);
  const children = await readdir(root, { withFileTypes: true });
  const entries: PluginEntry[] = [];
  for (const child of children) {
    if (isIgnoredName(child.name)) continue;
    const childPath = path.join(root, child.name);
    try {
      // stat, not the Dirent: a symlinked plugin file or folder counts as what it points to.
      const info = await stat(childPath);
      if (info.isFile() && PLUGIN_FILE.test(child.name) && !IGNORED_FILE.test(child.name)) {
        entries.push({ name: child.name, kind: 'file', file: childPath, version: `${info.mtimeMs}-${info.size}` });
      } else if (info.isDirectory()) {
        const index = await firstIndex(childPath);
        if (index === undefined) continue;
        const tree = await treeVersion(childPath);
        entries.push({ name: child.name, kind: 'folder', file: index, version: `${tree.newest}-${tree.size}-${tree.count}` });
      }
    } catch (error) {
      // Deleted between readdir and stat, or a dangling symlink: the next rescan sees the directory as it is then.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return entries.sort((a, b) => byCodeUnits(a.name, b.name));
}

async function firstIndex(folder: string): Promise<string | undefined> {
  for (const index of FOLDER_INDEXES) {
    const candidate = path.join(folder, index);
    if (await fileExists(candidate)) return candidate;
  }
  return undefined;
}

function isPluginErrorCode(code: unknown): code is PluginErrorCode {
  return (PLUGIN_ERROR_CODES as readonly unknown[]).includes(code);
}

async function loadEntry(entry: PluginEntry, thread: LoadingThread): Promise<LoadedPlugin | PluginLoadFailure> {
  const answer: LoadAnswer = await thread.load(entry);
  if ('failure' in answer) {
    const { code, reason, cause } = answer.failure;
    return {
      file: entry.file,
      code: isPluginErrorCode(code) ? code : 'PLUGIN_IMPORT',
      message: `${entry.file}: ${String(reason)}`,
      ...(cause !== undefined && { cause }),
    };
  }
  try {
    const { plugin, validateParams } = validateDescription(answer.description);
    return { plugin, validateParams, name: entry.name, kind: entry.kind, file: entry.file, version: entry.version, loadedAt: new Date() };
  } catch (error) {
    // Not a PluginError: a description no check foresaw, which is still the plugin's, never the scan's, failure.
    if (!(error instanceof PluginError)) return { file: entry.file, code: 'PLUGIN_SHAPE', message: `${entry.file}: ${errorText(error)}`, cause: error };
    return { file: entry.file, code: error.code, message: `${entry.file}: ${error.message}`, cause: error };
  }
}

function isLoaded(outcome: LoadedPlugin | PluginLoadFailure): outcome is LoadedPlugin {
  return 'plugin' in outcome;
}

/**
 * A loader that remembers what it loaded, so repeated loads (the watcher's rescans) only load what changed.
 * Use one per watched directory.
 */
export function createPluginLoader(limits: Partial<PluginLoadLimits> = {}): PluginLoader {
  const loadLimits: PluginLoadLimits = { ...PLUGIN_LOAD_DEFAULTS, ...limits };
  const outcomes = new Map<string, { version: string; outcome: LoadedPlugin | PluginLoadFailure }>();
  return {
    async load(dir, signal) {
      const entries = await discoverPlugins(dir);
      const present = new Set(entries.map((entry) => entry.file));
      for (const file of outcomes.keys()) {
        if (!present.has(file)) outcomes.delete(file);
      }
      const thread = new LoadingThread(loadLimits, signal);
      try {
        for (const entry of entries) {
          if (outcomes.get(entry.file)?.version === entry.version) continue;
          const outcome = await loadEntry(entry, thread);
          signal?.throwIfAborted();
          outcomes.set(entry.file, { version: entry.version, outcome });
        }
      } finally {
        void thread.close();
      }
      const result: PluginLoadResult = { loaded: [], failed: [] };
      for (const entry of entries) {
        const { outcome } = outcomes.get(entry.file) as { outcome: LoadedPlugin | PluginLoadFailure };
        if (isLoaded(outcome)) result.loaded.push(outcome);
        else result.failed.push(outcome);
      }
      return result;
    },
  };
}

/** One-shot load of `dir` (start-up without a watcher, tests). */
export async function loadPlugins(dir: string, limits: Partial<PluginLoadLimits> = {}): Promise<PluginLoadResult> {
  return createPluginLoader(limits).load(dir);
}
