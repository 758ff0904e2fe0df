/**
 * The plugin subsystem: the Invocable contract plugin authors write against, and the loader, registry and
 * watcher the service runs.
 */
export * from './contract.js';
export { PLUGIN_ERROR_CODES, PluginError, validatePlugin } from './validatePlugin.js';
export type { PluginErrorCode, ValidatedPlugin } from './validatePlugin.js';
export { createPluginLoader, discoverPlugins, loadPlugins, unwrapDefaultExport } from './loader.js';
export type { LoadedPlugin, PluginEntry, PluginLoader, PluginLoadFailure, PluginLoadResult } from './loader.js';
export { PluginRegistry } from './registry.js';
export type { PluginFailureReport, PluginRegistryEvents, RegistryChanges, UnloadReason } from './registry.js';
export { PLUGIN_WATCHER_DEFAULTS, PluginWatcher, createPluginWatcher } from './watcher.js';
export type { PluginHostLogger, PluginWatcherOptions } from './watcher.js';
