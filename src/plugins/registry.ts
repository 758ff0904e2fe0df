/**
 * The plugins currently available, by className and alias. `apply` replaces the whole state with a load
 * result (it mirrors the plugins directory), then emits what changed, after the swap, so listeners see the new
 * state. A file is the unit: a file's plugin is `loaded`, `changed` (re-imported), or `unloaded`.
 *
 * Name checks run in the loader's sorted entry order: when two files claim the same className or alias, the
 * later one fails with `PLUGIN_DUPLICATE_NAME` and the earlier one keeps working. Sorted order rather than
 * "first come" so that a restart builds the same registry as any sequence of hot reloads did.
 */
import { EventEmitter } from 'node:events';
import type { PluginDescriptor } from './descriptor.js';
import { byCodeUnits, type LoadedPlugin, type PluginLoadFailure, type PluginLoadResult } from './loader.js';
import type { PluginErrorCode } from './validatePlugin.js';

export type UnloadReason = 'removed' | 'failed';

export interface PluginRegistryEvents {
  /** A file's plugin became available (new file, or a file that failed before). */
  loaded: [loaded: LoadedPlugin];
  /** A file was re-imported: `loaded` (a new module object) replaces `previous`. */
  changed: [loaded: LoadedPlugin, previous: LoadedPlugin];
  /** A file's plugin is gone: the file was removed, or its current version fails (see the `failed` event). */
  unloaded: [previous: LoadedPlugin, reason: UnloadReason];
  /** A file fails to load; emitted once per distinct failure, not on every rescan. */
  failed: [failure: PluginLoadFailure];
}

/** What one `apply` changed. */
export interface RegistryChanges {
  loaded: LoadedPlugin[];
  changed: LoadedPlugin[];
  unloaded: LoadedPlugin[];
  failed: PluginLoadFailure[];
}

/** A failure as `/health` reports it: JSON-safe, without `cause`. */
export interface PluginFailureReport {
  file: string;
  code: PluginErrorCode;
  message: string;
}

function namesOf(plugin: PluginDescriptor): string[] {
  return [plugin.className, ...(plugin.aliases ?? [])];
}

function sameFailure(a: PluginLoadFailure | undefined, b: PluginLoadFailure): boolean {
  return a !== undefined && a.code === b.code && a.message === b.message;
}

export class PluginRegistry extends EventEmitter<PluginRegistryEvents> {
  /** Loaded plugins by file, in entry order. */
  #byFile = new Map<string, LoadedPlugin>();
  #byName = new Map<string, LoadedPlugin>();
  #failures = new Map<string, PluginLoadFailure>();

  /** Number of loaded plugins (files), not of names. */
  get size(): number {
    return this.#byFile.size;
  }

  /** The plugin a definition's className (or alias) names; surrounding whitespace is ignored, case is not. */
  resolve(classNameOrAlias: string): PluginDescriptor | undefined {
    return this.lookup(classNameOrAlias)?.plugin;
  }

  /** Like `resolve`, with the file, version and compiled params validator. */
  lookup(classNameOrAlias: string): LoadedPlugin | undefined {
    return this.#byName.get(classNameOrAlias.trim());
  }

  /** Loaded plugins in entry (sorted file name) order. */
  list(): LoadedPlugin[] {
    return [...this.#byFile.values()];
  }

  /** Canonical class names of the loaded plugins, sorted (aliases excluded). */
  classNames(): string[] {
    return this.list()
      .map((loaded) => loaded.plugin.className)
      .sort();
  }

  failures(): PluginFailureReport[] {
    return [...this.#failures.values()]
      .map(({ file, code, message }) => ({ file, code, message }))
      .sort((a, b) => byCodeUnits(a.file, b.file));
  }

  /** Makes the registry mirror `result` (a whole directory's load) and emits the differences. */
  apply(result: PluginLoadResult): RegistryChanges {
    const byFile = new Map<string, LoadedPlugin>();
    const byName = new Map<string, LoadedPlugin>();
    const failures = new Map<string, PluginLoadFailure>(result.failed.map((failure) => [failure.file, failure]));

    for (const candidate of [...result.loaded].sort((a, b) => byCodeUnits(a.name, b.name))) {
      const clash = namesOf(candidate.plugin).find((name) => byName.has(name));
      if (clash !== undefined) {
        const holder = byName.get(clash) as LoadedPlugin;
        failures.set(candidate.file, {
          file: candidate.file,
          code: 'PLUGIN_DUPLICATE_NAME',
          message: `${candidate.file}: name '${clash}' is already used by ${holder.file}`,
        });
        continue;
      }
      byFile.set(candidate.file, candidate);
      for (const name of namesOf(candidate.plugin)) byName.set(name, candidate);
    }

    const changes: RegistryChanges = { loaded: [], changed: [], unloaded: [], failed: [] };
    const unloadReasons = new Map<LoadedPlugin, UnloadReason>();
    for (const [file, previous] of this.#byFile) {
      const current = byFile.get(file);
      if (current === undefined) {
        changes.unloaded.push(previous);
        unloadReasons.set(previous, failures.has(file) ? 'failed' : 'removed');
      } else if (current.plugin !== previous.plugin || current.version !== previous.version) {
        changes.changed.push(current);
      }
    }
    for (const [file, current] of byFile) {
      if (!this.#byFile.has(file)) changes.loaded.push(current);
    }
    for (const [file, failure] of failures) {
      if (!sameFailure(this.#failures.get(file), failure)) changes.failed.push(failure);
    }
    const previousByFile = this.#byFile;

    this.#byFile = byFile;
    this.#byName = byName;
    this.#failures = failures;

    for (const previous of changes.unloaded) this.emit('unloaded', previous, unloadReasons.get(previous) ?? 'removed');
    for (const failure of changes.failed) this.emit('failed', failure);
    for (const current of changes.changed) this.emit('changed', current, previousByFile.get(current.file) as LoadedPlugin);
    for (const current of changes.loaded) this.emit('loaded', current);
    return changes;
  }
}
