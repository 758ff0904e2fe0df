/**
 * What the service keeps of a loaded plugin on its own thread: the plugin's fields as plain data, and which of
 * its methods it has. The module itself is evaluated only in threads (threads/loadThread.ts, which describes its
 * default export, and threads/pluginThread.ts, which runs the methods): a description is what crosses, by structured
 * clone, so nothing of the plugin's code or objects (getters, proxies, functions) ever reaches the service's thread.
 */
import type { WholeInvocable } from './contract.js';

/** Every field of the contract but the methods. */
export type PluginFields = Omit<WholeInvocable, 'invoke' | 'processItem'>;

export interface PluginDescriptor extends PluginFields {
  /** `invoke`: the plugin handles whole invocations; `processItem`: one record at a time. */
  entrypoint: 'invoke' | 'processItem';
  /** Whether a per-record plugin has `summarize`. */
  summarizes: boolean;
}

/**
 * The fields a descriptor copies. Typed so that a field added to the contract must be added here (or the build
 * fails), and nothing else can be: a descriptor carries no field the host does not know.
 */
const DESCRIBED_FIELDS = {
  className: true,
  aliases: true,
  contract: true,
  version: true,
  description: true,
  modes: true,
  docTypes: true,
  paramsSchema: true,
  timeoutMs: true,
  retries: true,
  retryDelayMs: true,
  rerunnable: true,
  defaultDefinition: true,
} as const satisfies Record<keyof PluginFields, true>;

/** The described fields of `source` that are set, and no others. */
export function describedFields(source: Record<string, unknown>): Record<string, unknown> {
  // Entries rather than assignments: a setter a plugin put on Object.prototype in its thread is not called.
  return Object.fromEntries(Object.keys(DESCRIBED_FIELDS).flatMap((key) => (source[key] === undefined ? [] : [[key, source[key]]])));
}

/** The methods a plugin may have, whose presence the host needs to know. */
const PLUGIN_METHODS = ['invoke', 'processItem', 'summarize'] as const;
type PluginMethodName = (typeof PLUGIN_METHODS)[number];

/**
 * What a loading thread sends of a module's default export, unchecked: the host makes a `PluginDescriptor` of it
 * only if it passes every check (validatePlugin.ts).
 */
export interface PluginDescription {
  /** `object` for an object; else what the export is instead (`null`, `array`, `function`, `string`, …). */
  type: string;
  /** The described fields, as the export has them. */
  fields: Record<string, unknown>;
  /** `typeof` each method, e.g. `function` or `undefined`. */
  methods: Record<PluginMethodName, string>;
}

/** Reads a default export (in the thread that imported it: its getters run there). */
export function describeExport(value: unknown): PluginDescription {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  const source = type === 'object' ? (value as Record<string, unknown>) : {};
  const methods = Object.fromEntries(PLUGIN_METHODS.map((name) => [name, typeof source[name]])) as Record<PluginMethodName, string>;
  return { type, fields: describedFields(source), methods };
}
