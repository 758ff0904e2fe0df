/**
 * The Invocable contract: what a plugin module in `PLUGINS_DIR` default-exports.
 *
 * This file is the public, versioned API for plugin authors (re-exported from the package root as
 * `invocables`). Changing it in a way that breaks existing plugins means a new major `CONTRACT_VERSION`.
 * Plugins only need `import type` from here: nothing of the host is imported at run time.
 */
import type { FieldValue, InvocationMode, RecordFields, StoredRecord } from '../domain/types.js';

export type { FieldValue, InvocationMode, RecordFields, StoredRecord };

/** The version of this contract. A plugin's `contract` range must include it. */
export const CONTRACT_VERSION = '1.3.0';

/** A JSON Schema (draft 2020-12 or 07, as ajv reads it) for an invocation's params object. */
export type ParamsSchema = Record<string, unknown>;

/** The invocation context as the plugin receives it, already checked against the definition. */
export interface InvocationInput<Params = Record<string, unknown>> {
  mode: InvocationMode;
  /** The document type of the context records; absent in `nocontext` mode. */
  docType?: string;
  /** `single`: the one csid; `list`: the listed csids in order; `group`: the group's members; `nocontext`: empty. */
  csids: string[];
  /** `group` mode: the Group record's csid. */
  groupCsid?: string;
  /** Params validated (and coerced) against `paramsSchema`; without a schema, each key maps to its value(s). */
  params: Params;
  /** The params exactly as sent: keys may repeat. */
  rawParams: Array<{ key: string; value: string }>;
  /** The definition being invoked. */
  definition: { csid: string; name: string; forDocTypes: string[] };
}

/** What an invocation answers (CollectionSpace `invocationResults`). */
export interface InvocationResult {
  /** Records affected. @defaultValue 0 */
  numAffected?: number;
  /** A short summary shown to the user. */
  userNote?: string;
  /** Identifier (csid) of the main record the job created, if any. */
  primaryURICreated?: string;
}

/** Records and relations of the invoking tenant, as plugins see them. */
export interface RecordsService {
  create(docType: string, fields: RecordFields): Promise<StoredRecord>;
  get(csid: string, docType?: string): Promise<StoredRecord | undefined>;
  update(csid: string, fields: RecordFields): Promise<StoredRecord>;
  delete(csid: string): Promise<boolean>;
  /** Records of a type whose top-level fields equal the given values; all pages when `limit` is absent. */
  find(docType: string, fieldEquals?: Record<string, string>, options?: { limit?: number }): Promise<StoredRecord[]>;
  /** Creates `subject --relationshipType--> object`; returns the relation's csid. */
  relate(
    subject: { csid: string; docType: string },
    relationshipType: string,
    object: { csid: string; docType: string },
  ): Promise<string>;
  /** Records related to `csid` in either direction, optionally only through `relationshipType` and of `docType`. */
  findRelated(csid: string, options?: { relationshipType?: string; docType?: string }): Promise<StoredRecord[]>;
  /** The records a Group record is related to. */
  groupMembers(groupCsid: string): Promise<StoredRecord[]>;
  /**
   * The file a record brought when it was uploaded as a document item (`POST /runs/{id}/documents`), its bytes
   * included; `undefined` when the record has none (or is gone). @since 1.3.0
   */
  file(csid: string): Promise<RecordFileContent | undefined>;
}

/** An uploaded file as a plugin reads it: what its record's `file` field says, and the bytes. @since 1.3.0 */
export interface RecordFileContent {
  name: string;
  mediaType: string;
  size: number;
  /** Hex SHA-256 of `content`. */
  sha256: string;
  content: Uint8Array;
}

/** Structured logging scoped to one invocation. */
export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The run item a plugin call works on (every invocation is a run: a whole invocation is its run's one item).
 * @since 1.2.0
 */
export interface ItemInfo {
  runId: string;
  /** The record's csid, or `*` for a whole invocation. */
  key: string;
  /** 1 on the first try; counts retries and attempts cut short by a crash. */
  attempt: number;
  /**
   * The same on every attempt at this item in one pass of its run (retries, and again after a crash), different
   * after a rerun: send it with effects outside the store (an HTTP call's `Idempotency-Key`, a mail's id) so that
   * repeating an attempt does not repeat the effect.
   */
  idempotencyKey: string;
}

/** Everything the runtime lends a plugin for one invocation. */
export interface InvocationContext {
  tenantId: string;
  /** Who invoked the job. */
  user: string;
  records: RecordsService;
  /** The run item this call works on. @since 1.2.0 */
  item: ItemInfo;
  log: PluginLogger;
  /**
   * Aborted when the invocation times out, is cancelled or the service shuts down. Pass it on to anything
   * that accepts a signal, and await every promise you start: work left running after you return is not tracked.
   */
  signal: AbortSignal;
  /** An error to throw when the request itself is wrong (answered 400 with `message`); anything else thrown is a 500. */
  reject(message: string): Error;
}

/** What the runtime did over all records of a per-record invocation (for `summarize`). */
export interface ItemsOutcome {
  processed: number;
  affected: number;
  failed: number;
}

/** The result of one item when the runtime iterates the records for the plugin. */
export interface ItemResult {
  /** Whether the record was changed. @defaultValue true */
  affected?: boolean;
  note?: string;
}

interface InvocableBase<Params> {
  /** The id definitions refer to (CollectionSpace's fully-qualified class name, or any stable name). */
  className: string;
  /** Other names that resolve to this plugin, e.g. the CollectionSpace Java class name. */
  aliases?: readonly string[];
  /** Semver range of `CONTRACT_VERSION`s this plugin was written for, e.g. `'^1.0.0'`. */
  contract: string;
  /** The plugin's own version, for logs and `/health`. */
  version?: string;
  /** A human description. */
  description?: string;
  /** Modes this plugin can handle; a definition may enable only these. */
  modes: readonly InvocationMode[];
  /** Document types this plugin acts on; a definition's `forDocTypes` must be among them when given. */
  docTypes?: readonly string[];
  /** JSON Schema for the params object (keys → value or array of values). */
  paramsSchema?: ParamsSchema;
  /** Time limit of one invocation (or one item, when the runtime iterates) in milliseconds. */
  timeoutMs?: number;
  /**
   * Background runs only: how many times a failed item (or whole invocation) is tried again before it is
   * recorded Failed. A `ctx.reject(...)` is never retried. @defaultValue 0 @since 1.1.0
   */
  retries?: number;
  /** Background runs only: delay before the first retry, doubled for each further one. @defaultValue 1000 @since 1.1.0 */
  retryDelayMs?: number;
  /** Background runs only: whether a finished run may be rerun. @defaultValue true @since 1.1.0 */
  rerunnable?: boolean;
  /**
   * The definition created in each tenant that has none with this `className` or an alias (CollectionSpace's
   * auto-registration): at start-up, when the plugin is dropped in, and when a tenant is created. `className`
   * and unset mode flags come from the plugin.
   */
  defaultDefinition?: {
    name: string;
    notes?: string;
    forDocTypes?: readonly string[];
    createsNewFocus?: boolean;
    modes?: readonly InvocationMode[];
  };
}

/** A plugin that handles a whole invocation at once. */
export interface WholeInvocable<Params = Record<string, unknown>> extends InvocableBase<Params> {
  invoke(input: InvocationInput<Params>, ctx: InvocationContext): Promise<InvocationResult>;
  processItem?: never;
}

/**
 * A plugin that handles one record at a time: the runtime iterates the context's records (list, group members,
 * every record of the doc types in nocontext) with bounded concurrency; `numAffected` counts the items that
 * succeeded and were affected.
 */
export interface ItemInvocable<Params = Record<string, unknown>> extends InvocableBase<Params> {
  processItem(record: StoredRecord, input: InvocationInput<Params>, ctx: InvocationContext): Promise<ItemResult | void>;
  /**
   * The `userNote` (and `primaryURICreated`) of the whole invocation, from what happened to its records; without
   * it the runtime writes "N record(s) processed, M affected, K failed". @since 1.1.0
   */
  summarize?(outcome: ItemsOutcome, input: InvocationInput<Params>): Pick<InvocationResult, 'userNote' | 'primaryURICreated'>;
  invoke?: never;
}

export type Invocable<Params = Record<string, unknown>> = WholeInvocable<Params> | ItemInvocable<Params>;
