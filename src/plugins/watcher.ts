/**
 * Keeps a `PluginRegistry` in step with a plugins directory. Every file event (debounced) triggers a rescan of
 * the whole directory, and the registry is made to mirror it; the loader only re-imports what changed.
 *
 * A file that now fails to load takes its previous good version out of the registry instead of leaving the old
 * code running. What runs then always matches what is on disk, so a restart cannot change behaviour, and
 * invocations of the broken plugin fail visibly (plugin unavailable) rather than silently running stale code.
 *
 * Scans run one at a time; events arriving during a scan queue one more. A scan that fails (directory
 * unreadable) is logged and leaves the registry as it was; a plugin that fails is logged and skipped. Neither
 * ever stops the service.
 */
import { once } from 'node:events';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { createPluginLoader, type PluginLoader, type PluginLoadResult } from './loader.js';
import type { PluginRegistry, RegistryChanges } from './registry.js';

/** The subset of a pino logger the watcher uses. */
export interface PluginHostLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface PluginWatcherOptions {
  /** The plugins directory (`PLUGINS_DIR`). */
  dir: string;
  registry: PluginRegistry;
  logger: PluginHostLogger;
  /** Whether to keep watching after the initial load (`WATCH_PLUGINS`). @defaultValue true */
  watch?: boolean;
  /** Quiet period after the last file event before a rescan. @defaultValue 150 */
  debounceMs?: number;
  /** How long a file's size must stay unchanged before its event is reported, so half-written files are not imported. @defaultValue 100 */
  writeStabilityMs?: number;
  /** @defaultValue a new `createPluginLoader()` */
  loader?: PluginLoader;
}

export const PLUGIN_WATCHER_DEFAULTS = {
  watch: true,
  debounceMs: 150,
  writeStabilityMs: 100,
} as const satisfies Partial<PluginWatcherOptions>;

/** Dotfiles, dot-folders and `node_modules` anywhere below the plugins directory never trigger a rescan. */
function ignoredBelow(root: string): (file: string) => boolean {
  return (file) =>
    path
      .relative(root, file)
      .split(path.sep)
      .some((segment) => segment.startsWith('.') || segment === 'node_modules');
}

export class PluginWatcher {
  readonly #dir: string;
  readonly #registry: PluginRegistry;
  readonly #logger: PluginHostLogger;
  readonly #loader: PluginLoader;
  readonly #watch: boolean;
  readonly #debounceMs: number;
  readonly #writeStabilityMs: number;

  #starting: Promise<RegistryChanges> | undefined;
  #fsWatcher: FSWatcher | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The tail of the scan queue; never rejects. */
  #lastScan: Promise<unknown> = Promise.resolve();
  /** A scan requested but not yet started; later requests join it. */
  #queuedScan: Promise<RegistryChanges | undefined> | undefined;
  #closed = false;
  /** Aborts a start() still waiting for the file watcher to be ready. */
  readonly #closing = new AbortController();

  constructor(options: PluginWatcherOptions) {
    this.#dir = path.resolve(options.dir);
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#loader = options.loader ?? createPluginLoader();
    this.#watch = options.watch ?? PLUGIN_WATCHER_DEFAULTS.watch;
    this.#debounceMs = options.debounceMs ?? PLUGIN_WATCHER_DEFAULTS.debounceMs;
    this.#writeStabilityMs = options.writeStabilityMs ?? PLUGIN_WATCHER_DEFAULTS.writeStabilityMs;
  }

  /**
   * Loads the directory into the registry, then (unless `watch: false`) follows its changes. Idempotent: every
   * call returns the same promise. Rejects only when the directory cannot be read; the watcher is then closed.
   */
  start(): Promise<RegistryChanges> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /** Stops watching and waits for a scan in progress; the registry keeps its last state. A pending start() rejects. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    clearTimeout(this.#timer);
    const fsWatcher = this.#fsWatcher;
    this.#fsWatcher = undefined;
    await fsWatcher?.close();
    await this.#lastScan;
  }

  async #start(): Promise<RegistryChanges> {
    if (this.#closed) throw new Error('the plugin watcher was closed before it started');
    try {
      // Watch before the first scan so nothing written while it runs is missed.
      if (this.#watch) await this.#startWatching();
      const changes = await this.#enqueueScan(true);
      this.#logger.info(
        { dir: this.#dir, loaded: this.#registry.size, failed: this.#registry.failures().length },
        'plugins loaded',
      );
      return changes ?? { loaded: [], changed: [], unloaded: [], failed: [] };
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async #startWatching(): Promise<void> {
    const fsWatcher = watch(this.#dir, {
      ignoreInitial: true,
      ignored: ignoredBelow(this.#dir),
      awaitWriteFinish: { stabilityThreshold: this.#writeStabilityMs, pollInterval: 25 },
    });
    this.#fsWatcher = fsWatcher;
    fsWatcher.on('all', (event, file) => {
      this.#logger.debug({ event, file }, 'plugins directory changed');
      this.#scheduleScan();
    });
    fsWatcher.on('error', (error) => {
      this.#logger.error({ err: error, dir: this.#dir }, 'watching the plugins directory failed');
    });
    await once(fsWatcher, 'ready', { signal: this.#closing.signal });
  }

  #scheduleScan(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      // May join the initial scan, whose failure start() reports.
      this.#enqueueScan(false).catch(() => undefined);
    }, this.#debounceMs);
  }

  /** Initial scans rethrow so `start()` can fail; later ones log and resolve `undefined`. */
  #enqueueScan(initial: boolean): Promise<RegistryChanges | undefined> {
    if (this.#queuedScan !== undefined) return this.#queuedScan;
    const scan = this.#lastScan.then(async () => {
      this.#queuedScan = undefined;
      try {
        return await this.#scan();
      } catch (error) {
        if (initial) throw error;
        this.#logger.error({ err: error, dir: this.#dir }, 'rescanning the plugins directory failed; plugins unchanged');
        return undefined;
      }
    });
    this.#queuedScan = scan;
    this.#lastScan = scan.catch(() => undefined);
    return scan;
  }

  async #scan(): Promise<RegistryChanges | undefined> {
    if (this.#closed) return undefined;
    let result: PluginLoadResult;
    try {
      // close() stops the loads under way rather than wait for a module that blocks to reach its time limit.
      result = await this.#loader.load(this.#dir, this.#closing.signal);
    } catch (error) {
      if (this.#closed) return undefined;
      throw error;
    }
    // A scan that finishes after close() must not change the registry.
    if (this.#closed) return undefined;
    const changes = this.#registry.apply(result);
    this.#log(changes);
    return changes;
  }

  #log(changes: RegistryChanges): void {
    for (const { file, plugin, version } of changes.loaded) {
      this.#logger.info({ file, className: plugin.className, version: plugin.version, revision: version }, 'plugin loaded');
    }
    for (const { file, plugin, version } of changes.changed) {
      this.#logger.info({ file, className: plugin.className, version: plugin.version, revision: version }, 'plugin reloaded');
    }
    for (const { file, plugin } of changes.unloaded) {
      this.#logger.info({ file, className: plugin.className }, 'plugin unloaded');
    }
    for (const { file, code, message, cause } of changes.failed) {
      this.#logger.error(
        { file, code, reason: message, ...(cause !== undefined && { err: cause }) },
        'plugin failed to load; skipped',
      );
    }
  }
}

export function createPluginWatcher(options: PluginWatcherOptions): PluginWatcher {
  return new PluginWatcher(options);
}
