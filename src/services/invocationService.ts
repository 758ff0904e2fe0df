/**
 * Invoking a definition, in the pieces runs are made of: `prepare` takes a grant of the invoke rule
 * (invokeAuthorization.ts), makes the invocation's checks (see invocationChecks.ts) and resolves the context when a
 * run is created (RunService) and again when a worker takes it up (RunWorker);
 * `itemExecutor` runs a per-record plugin on one item, `execute` a whole-invocation plugin, and `summarize` words a
 * per-record run's results. Every invoke is a run: iterating the items is the run worker's (src/runs/runWorker.ts).
 */
import type { Logger } from 'pino';
import type { InvocationContextPayload } from '../codec/index.js';
import { validationFailed, toErrorDetail } from '../codec/schemaValidator.js';
import { DomainError } from '../domain/errors.js';
import { GROUP_DOCTYPE, type InvocationMode, type StoredDefinition, type StoredRecord, type TenantId } from '../domain/types.js';
import type {
  InvocationContext,
  InvocationInput,
  InvocationResult,
  ItemInfo,
  ItemResult,
  ItemsOutcome,
  PluginLogger,
} from '../plugins/contract.js';
import type { LoadedPlugin } from '../plugins/loader.js';
import type { CallHandle, PluginCallRequest, PluginCalls } from '../plugins/pluginCalls.js';
import type { InvocationCaller, InvokeGrant } from './invokeAuthorization.js';
import {
  checkDocType,
  checkMode,
  checkPluginMode,
  contextCsids,
  missingRecords,
  nonBlank,
  paramsObject,
} from './invocationChecks.js';
import type { RecordService } from './recordService.js';
import { StagedRecords } from './stagedRecords.js';

export interface InvocationLimits {
  /** Time limit of a whole invocation, or of one item, unless the definition or the plugin sets its own. */
  timeoutMs: number;
}

export const INVOCATION_DEFAULTS = { timeoutMs: 60_000 } as const satisfies InvocationLimits;

/** An invocation that passed every check and can run. */
export interface PreparedInvocation {
  /** The invoke rule's grant the invocation was prepared under: a run stored for it may be started on it at once. */
  grant: InvokeGrant;
  caller: InvocationCaller;
  definition: StoredDefinition;
  loaded: LoadedPlugin;
  input: InvocationInput;
  /** How many records a per-record plugin acts on (in `nocontext` mode: a count of the store's). */
  countItems(): Promise<number>;
  /** The csids a per-record plugin acts on, in context order, without reading the records. */
  itemCsids(): AsyncIterable<string>;
}

export interface InvocationServiceDeps {
  records: RecordService;
  plugins: { lookup(className: string): LoadedPlugin | undefined };
  /** Runs plugin code (in plugin threads, see src/plugins/threads). */
  calls: PluginCalls;
  logger: Logger;
  limits?: Partial<InvocationLimits>;
}

/**
 * What a plugin call works with beyond the invocation: the records it sees, the run item it works on, and where its
 * `ctx.log` lines go (the service's log when absent; the run worker keeps them with the item).
 */
export type PluginScope = Pick<InvocationContext, 'records' | 'item'> & { log?: PluginLogger };

/** What differs from one plugin call of an invocation to the next. */
type CallParts = Pick<PluginCallRequest, 'method' | 'what' | 'subject' | 'item' | 'records' | 'handle'> & { log?: PluginLogger };

export type { CallHandle };

function pluginLogger(logger: Logger): PluginLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

export class InvocationService {
  readonly #deps: InvocationServiceDeps;
  readonly #limits: InvocationLimits;

  constructor(deps: InvocationServiceDeps) {
    this.#deps = deps;
    this.#limits = { ...INVOCATION_DEFAULTS, ...deps.limits };
  }

  /**
   * Makes the invocation's checks and resolves the context, for the caller and definition of `grant` (who may run
   * it was decided there). With `options.csids` (a background run resuming, or an open run whose items come
   * later) the context records are not resolved again: the run's items are the records, and a missing one fails
   * as an item.
   */
  async prepare(grant: InvokeGrant, payload: InvocationContextPayload, options: { csids?: string[] } = {}): Promise<PreparedInvocation> {
    const { caller, definition } = grant;
    const { tenant } = caller;
    const mode = checkMode(payload, definition);
    const loaded = this.#deps.plugins.lookup(definition.definition.className);
    if (loaded === undefined) {
      throw new DomainError(
        'PLUGIN_UNAVAILABLE',
        `The plugin '${definition.definition.className}' of batch job '${definition.definition.name}' is not loaded; see /health`,
      );
    }
    checkPluginMode(loaded.plugin, mode);
    checkDocType(payload, definition, mode);
    const named = options.csids !== undefined && mode !== 'group' ? options.csids : contextCsids(payload, mode);
    if (options.csids === undefined && mode === 'group' && (await this.#deps.records.find(tenant, named[0] as string, GROUP_DOCTYPE)) === undefined) {
      throw new DomainError('MISSING_CONTEXT', `Mode 'group' needs an existing Group; '${named[0]}' is not one`, [
        { path: 'invocationContext/groupCSID', message: 'names no Group record' },
      ]);
    }
    const params = this.#params(loaded, payload);
    const docType = nonBlank(payload.docType);
    // A group's members are kept for the item listings below; listed records are only checked, not read, here.
    const context = options.csids === undefined ? await this.#checkContext(tenant, mode, named, docType) : undefined;
    const members = context?.members;
    const csids = options.csids ?? context?.csids ?? [];
    const input: InvocationInput = {
      mode,
      ...(docType !== undefined && { docType }),
      csids,
      ...(mode === 'group' && { groupCsid: named[0] as string }),
      params,
      rawParams: payload.params.map(({ key, value }) => ({ key, value })),
      definition: { csid: definition.csid, name: definition.definition.name, forDocTypes: [...definition.definition.forDocTypes] },
    };
    return {
      grant,
      caller,
      definition,
      loaded,
      input,
      countItems: () => this.#countItems(tenant, input, definition, loaded, members),
      itemCsids: () => this.#itemCsids(tenant, input, definition, loaded, members),
    };
  }

  /**
   * Calls plugin code with the invocation's time limit and `signal`; failures are coded errors. The records a call
   * sees and the item it works on are the caller's (`PluginScope`): the run worker decides them.
   */
  #caller(
    prepared: PreparedInvocation,
    signal: AbortSignal | undefined,
    concurrency = 1,
  ): { call: (parts: CallParts) => Promise<unknown>; logger: Logger; log: PluginLogger } {
    const { loaded, input, caller, definition } = prepared;
    const { plugin } = loaded;
    const logger = this.#deps.logger.child({ plugin: plugin.className, definition: definition.csid, mode: input.mode });
    const timeoutMs = definition.definition.itemPolicy?.timeoutMs ?? plugin.timeoutMs ?? this.#limits.timeoutMs;
    // Built once: a per-record plugin's calls differ from item to item only by their parts.
    const pluginRef = { kind: loaded.kind, file: loaded.file, version: loaded.version, className: plugin.className };
    const log = pluginLogger(logger);
    // Spelled out rather than spread: a per-record run makes one request per item, and spreading objects costs
    // several microseconds each time, as much as a no-op item itself.
    const call = (parts: CallParts) =>
      this.#deps.calls.call({
        plugin: pluginRef,
        input,
        tenantId: caller.tenant,
        user: caller.user,
        log: parts.log ?? log,
        timeoutMs,
        concurrency,
        signal,
        method: parts.method,
        what: parts.what,
        subject: parts.subject,
        item: parts.item,
        records: parts.records,
        handle: parts.handle,
      });
    return { call, logger, log };
  }

  /**
   * The records service of one attempt at `item`, in the invoking tenant and as its user: its writes are staged
   * for the item's outcome (see stagedRecords.ts). `given` is the record a per-record item works on.
   */
  stagedRecords(prepared: PreparedInvocation, item: ItemInfo, given?: StoredRecord): StagedRecords {
    const { tenant, user } = prepared.caller;
    return new StagedRecords({ records: this.#deps.records, tenant, user, item, given });
  }

  /**
   * Runs one record through a per-record plugin; the logger and context are set up once, for a worker that runs
   * many items of one invocation, at most `concurrency` at once. A call's `handle` lets the worker stop that item alone.
   */
  itemExecutor(
    prepared: PreparedInvocation,
    signal: AbortSignal | undefined,
    concurrency: number,
  ): (record: StoredRecord, scope: PluginScope, handle?: CallHandle) => Promise<ItemResult> {
    const { plugin } = prepared.loaded;
    if (plugin.entrypoint !== 'processItem') throw new TypeError(`Plugin '${plugin.className}' handles whole invocations`);
    const { call } = this.#caller(prepared, signal, concurrency);
    return async (record, scope, handle) =>
      ((await call({
        method: 'processItem',
        what: `Plugin '${plugin.className}' on record ${record.csid}`,
        subject: record,
        records: scope.records,
        item: scope.item,
        log: scope.log,
        handle,
      })) as ItemResult | undefined) ?? {};
  }

  /** The service's log, as plugins of this invocation log to it (with the plugin, definition and mode). */
  hostLog(prepared: PreparedInvocation): PluginLogger {
    return this.#caller(prepared, undefined).log;
  }

  /** The results of a per-record invocation from its counts, worded by the plugin's `summarize` when it has one. */
  async summarize(prepared: PreparedInvocation, outcome: ItemsOutcome, failures: Array<{ csid: string; message: string }>): Promise<InvocationResult> {
    const { plugin } = prepared.loaded;
    const summary = plugin.summarizes ? await this.#summary(prepared, outcome) : undefined;
    const note = outcome.failed === 0 && summary?.userNote !== undefined ? summary.userNote : itemsNote(outcome, failures, summary?.userNote);
    return { ...summary, numAffected: outcome.affected, userNote: note };
  }

  /** The plugin's own summary; a failing `summarize` leaves the runtime's words, with a warning. */
  async #summary(prepared: PreparedInvocation, outcome: ItemsOutcome): Promise<Pick<InvocationResult, 'userNote' | 'primaryURICreated'> | undefined> {
    const { call, logger } = this.#caller(prepared, undefined);
    try {
      return (await call({ method: 'summarize', what: `Plugin '${prepared.loaded.plugin.className}' summarize`, subject: outcome })) as
        | Pick<InvocationResult, 'userNote' | 'primaryURICreated'>
        | undefined;
    } catch (err) {
      logger.warn({ err }, 'summarize failed; the run is summed up without it');
      return undefined;
    }
  }

  /** Runs a whole-invocation plugin on the prepared context; `handle` as for `itemExecutor`. */
  async execute(prepared: PreparedInvocation, scope: PluginScope, signal?: AbortSignal, handle?: CallHandle): Promise<InvocationResult> {
    const { plugin } = prepared.loaded;
    if (plugin.entrypoint !== 'invoke') throw new TypeError(`Plugin '${plugin.className}' handles one record at a time`);
    const { call, logger } = this.#caller(prepared, signal);
    const result = (await call({ method: 'invoke', what: `Plugin '${plugin.className}'`, ...scope, ...(handle !== undefined && { handle }) })) as
      | InvocationResult
      | undefined;
    logger.info({ numAffected: result?.numAffected ?? 0 }, 'invocation completed');
    return result ?? {};
  }

  #params(loaded: LoadedPlugin, payload: InvocationContextPayload): Record<string, unknown> {
    const params = paramsObject(payload.params);
    if (loaded.validateParams !== undefined && !loaded.validateParams(params)) {
      throw validationFailed(
        'params',
        (loaded.validateParams.errors ?? []).map((error) => toErrorDetail(error, 'invocationContext/params')),
      );
    }
    return params;
  }

  /**
   * The csids the plugin acts on: a group's members (with the records), or the listed csids, every one of which must
   * exist (as the context's docType). A group named here was found by `prepare` already, so is not read again.
   */
  async #checkContext(
    tenant: TenantId,
    mode: InvocationMode,
    named: string[],
    docType: string | undefined,
  ): Promise<{ csids: string[]; members?: StoredRecord[] }> {
    if (mode === 'nocontext') return { csids: [] };
    if (mode === 'group') {
      const members = await this.#deps.records.findRelated(tenant, named[0] as string);
      return { csids: members.map((record) => record.csid), members };
    }
    const { found, missing } = await this.#deps.records.docTypesOf(tenant, named);
    const wrongType = docType === undefined ? [] : named.filter((csid) => found.get(csid)?.toLowerCase() !== docType.toLowerCase());
    const absent = [...new Set([...missing, ...wrongType])];
    if (absent.length > 0) throw missingRecords(absent, docType);
    return { csids: named };
  }

  /** What a `nocontext` invocation goes over: records of the definition's doc types, else of the plugin's, else all. */
  #scope(definition: StoredDefinition, loaded: LoadedPlugin): { docTypes?: string[] } {
    const docTypes = definition.definition.forDocTypes.length > 0 ? definition.definition.forDocTypes : [...(loaded.plugin.docTypes ?? [])];
    return docTypes.length > 0 ? { docTypes } : {};
  }

  /** Group members may be of any type; a per-record plugin only sees those of its doc types. */
  #actsOn(input: InvocationInput, scope: { docTypes?: string[] }): (record: StoredRecord) => boolean {
    const wanted = new Set((scope.docTypes ?? []).map((type) => type.toLowerCase()));
    return (record) => input.mode !== 'group' || wanted.size === 0 || wanted.has(record.docType.toLowerCase());
  }

  async #countItems(
    tenant: TenantId,
    input: InvocationInput,
    definition: StoredDefinition,
    loaded: LoadedPlugin,
    members: StoredRecord[] | undefined,
  ): Promise<number> {
    const scope = this.#scope(definition, loaded);
    if (input.mode === 'nocontext') return (await this.#deps.records.list(tenant, { ...scope, paging: { pageNum: 0, pageSize: 1 } })).totalItems;
    return members === undefined ? input.csids.length : members.filter(this.#actsOn(input, scope)).length;
  }

  async *#itemCsids(
    tenant: TenantId,
    input: InvocationInput,
    definition: StoredDefinition,
    loaded: LoadedPlugin,
    members: StoredRecord[] | undefined,
  ): AsyncGenerator<string> {
    const scope = this.#scope(definition, loaded);
    if (input.mode === 'nocontext') yield* this.#deps.records.scanCsids(tenant, scope);
    else if (members !== undefined) yield* members.filter(this.#actsOn(input, scope)).map((record) => record.csid);
    else yield* input.csids;
  }
}

/** `failures` may be the first few of `failed` (a run lists only some). */
function itemsNote(
  { processed, affected, failed }: ItemsOutcome,
  failures: Array<{ csid: string; message: string }>,
  pluginNote: string | undefined,
): string {
  const counts = `${processed} record(s) processed, ${affected} affected, ${failed} failed`;
  const summary = pluginNote === undefined ? counts : `${pluginNote} (${counts})`;
  if (failures.length === 0) return summary;
  const shown = failures.slice(0, 5).map(({ csid, message }) => `${csid}: ${message}`);
  return `${summary}. ${shown.join('; ')}${failed > 5 ? `; and ${failed - 5} more` : ''}`;
}
