/**
 * Finds and imports the plugins of one directory. Policy: warn-and-skip. One bad plugin never fails a load; it
 * becomes a `PluginLoadFailure` next to the plugins that did load. Only an unreadable directory throws, because
 * that is a configuration error the caller must see.
 *
 * Entries, in sorted (code-unit) order so every load sees them the same way:
 * - top-level `*.js`, `*.mjs`, `*.ts` files;
 * - folders holding `index.js`, `index.mjs` or `index.ts` (first found in that order).
 * Skipped: `*.d.ts`, `*.test.*` / `*.spec.*`, dotfiles, `node_modules`, anything else.
 *
 * Reloading. A loader remembers each entry's version (newest mtime and total size; of the whole tree for a
 * folder) and re-imports only entries whose version changed, returning the very same `LoadedPlugin` otherwise.
 * Node never frees an ES module, so every reload of a changed entry keeps the old module(s) in memory for the
 * life of the process. That is the price of hot reload; restart to reclaim it.
 * - `.js` / `.mjs` files are imported as `<file URL>?v=<version>`: a new version is a new URL, hence a new
 *   module. Only that module is re-evaluated; anything it imports stays as first loaded until restart.
 * - `.ts` files and folder plugins (whatever their index) go through tsx's `tsImport`, which uses a fresh loader
 *   namespace on every call, so a call re-evaluates the entry and every file it imports (in an ESM package
 *   scope; under CommonJS only the entry is). A changed helper of a folder plugin therefore takes effect, which
 *   a `?v=` query on the index could not do. The cost: each call leaves one more tsx resolve/load hook
 *   registered (Node 20 cannot unregister hooks), which is why unchanged entries are never passed to it again.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Invocable } from './contract.js';
import { importPluginModule, unwrapDefaultExport } from './importPlugin.js';
import { PluginError, type PluginErrorCode, validatePlugin } from './validatePlugin.js';

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
  plugin: Invocable;
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
  /** Loads every entry of `dir`; throws only when `dir` cannot be read. */
  load(dir: string): Promise<PluginLoadResult>;
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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function loadEntry(entry: PluginEntry): Promise<LoadedPlugin | PluginLoadFailure> {
  let namespace: unknown;
  try {
    namespace = await importPluginModule(entry);
  } catch (error) {
    return { file: entry.file, code: 'PLUGIN_IMPORT', message: `${entry.file}: cannot import: ${describe(error)}`, cause: error };
  }
  const exported = unwrapDefaultExport(namespace);
  if (exported === undefined) {
    return { file: entry.file, code: 'PLUGIN_NO_DEFAULT_EXPORT', message: `${entry.file}: no default export` };
  }
  try {
    const { plugin, validateParams } = validatePlugin(exported);
    return { plugin, validateParams, name: entry.name, kind: entry.kind, file: entry.file, version: entry.version, loadedAt: new Date() };
  } catch (error) {
    // Anything else was thrown by the plugin's own code (a throwing getter, say): still the plugin's fault.
    const code = error instanceof PluginError ? error.code : 'PLUGIN_SHAPE';
    const reason = error instanceof PluginError ? error.message : describe(error);
    return { file: entry.file, code, message: `${entry.file}: ${reason}`, cause: error };
  }
}

function isLoaded(outcome: LoadedPlugin | PluginLoadFailure): outcome is LoadedPlugin {
  return 'plugin' in outcome;
}

/**
 * A loader that remembers what it imported, so repeated loads (the watcher's rescans) only import what changed.
 * Use one per watched directory.
 */
export function createPluginLoader(): PluginLoader {
  const outcomes = new Map<string, { version: string; outcome: LoadedPlugin | PluginLoadFailure }>();
  return {
    async load(dir) {
      const entries = await discoverPlugins(dir);
      const result: PluginLoadResult = { loaded: [], failed: [] };
      const present = new Set<string>();
      for (const entry of entries) {
        present.add(entry.file);
        const cached = outcomes.get(entry.file);
        const outcome = cached?.version === entry.version ? cached.outcome : await loadEntry(entry);
        outcomes.set(entry.file, { version: entry.version, outcome });
        if (isLoaded(outcome)) result.loaded.push(outcome);
        else result.failed.push(outcome);
      }
      for (const file of outcomes.keys()) {
        if (!present.has(file)) outcomes.delete(file);
      }
      return result;
    },
  };
}

/** One-shot load of `dir` (start-up without a watcher, tests). */
export async function loadPlugins(dir: string): Promise<PluginLoadResult> {
  return createPluginLoader().load(dir);
}
