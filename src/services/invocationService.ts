/**
 * Invoking a definition, in the pieces runs are made of: `prepare` makes the checks (see invocationChecks.ts) and
 * resolves the context when a run is created (RunService) and again when a worker takes it up (RunWorker);
 * `itemExecutor` runs a per-record plugin on one item, `execute` a whole-invocation plugin, and `summarize` words a
 * per-record run's results. Every invoke is a run: iterating the items is the run worker's (src/runs/runWorker.ts).
 */
import type { Logger } from 'pino';
import type { InvocationContextPayload } from '../codec/index.js';
import { validationFailed, toErrorDetail } from '../codec/schemaValidator.js';
import { canInvokeDefinition, type Caller } from '../domain/access.js';
import { DomainError, ForbiddenError, NotFoundError } from '../domain/errors.js';
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
import { pluginFailure, PluginRejection, withTimeLimit } from '../runs/pluginExecution.js';
import type { DefinitionStore } from '../store/types.js';
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

/**
 * Who invokes: the tenant to act in and the user; with `roles` and `permissions` for the record-level check
 * (`forRoles` / `resourceActionGroupList`) when the request comes from a client. A background run's worker has
 * neither: the check was made when the run was created.
 */
export type InvocationCaller = Pick<Caller, 'tenant' | 'user'> & Partial<Pick<Caller, 'roles' | 'permissions'>>;

export interface InvocationLimits {
  /** Time limit of a whole invocation, or of one item, unless the definition or the plugin sets its own. */
  timeoutMs: number;
}

export const INVOCATION_DEFAULTS = { timeoutMs: 60_000 } as const satisfies InvocationLimits;

/** An invocation that passed every check and can run. */
export interface PreparedInvocation {
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
  definitions: DefinitionStore;
  records: RecordService;
  plugins: { lookup(className: string): LoadedPlugin | undefined };
  logger: Logger;
  limits?: Partial<InvocationLimits>;
}

/** What a plugin call works with beyond the invocation: the records it sees and the run item it works on. */
export type PluginScope = Pick<InvocationContext, 'records' | 'item'>;

/**
 * Plugin code run under the invocation's time limit and abort signal, `what` naming it in a timeout's message;
 * `controller`, when given, is the one the call's signal comes from, so its caller can stop this call alone.
 */
type PluginCall = <T>(what: string, scope: PluginScope, work: (ctx: InvocationContext) => Promise<T>, controller?: AbortController) => Promise<T>;

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
   * Runs every check and resolves the context. With `options.csids` (a background run resuming, or an open run
   * whose items come later) the context records are not resolved again: the run's items are the records, and a
   * missing one fails as an item. `options.accessChecked` says the record-level check was already made (a run
   * being worked on); otherwise the caller's roles and permissions must allow this definition.
   */
  async prepare(
    caller: InvocationCaller,
    csid: string,
    payload: InvocationContextPayload,
    options: { csids?: string[]; accessChecked?: boolean } = {},
  ): Promise<PreparedInvocation> {
    const { tenant } = caller;
    const definition = await this.#deps.definitions.get(tenant, csid);
    if (definition === undefined) throw new NotFoundError('Batch job', csid);
    if (options.accessChecked !== true && !canInvokeDefinition({ roles: caller.roles ?? [], permissions: caller.permissions ?? [] }, definition.definition)) {
      throw new ForbiddenError(`You are not allowed to run the batch job '${definition.definition.name}'`);
    }
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
      caller,
      definition,
      loaded,
      input,
      countItems: () => this.#countItems(tenant, input, definition, loaded, members),
      itemCsids: () => this.#itemCsids(tenant, input, definition, loaded, members),
    };
  }

  /**
   * Calls plugin code with the invocation's context, its time limit and `signal`; failures become coded errors.
   * The records a call sees and the item it works on are the caller's (`PluginScope`): the run worker decides them.
   */
  #caller(prepared: PreparedInvocation, signal: AbortSignal | undefined): { run: PluginCall; logger: Logger } {
    const { loaded, input, caller, definition } = prepared;
    const { plugin } = loaded;
    const logger = this.#deps.logger.child({ plugin: plugin.className, definition: definition.csid, mode: input.mode });
    const timeoutMs = definition.definition.itemPolicy?.timeoutMs ?? plugin.timeoutMs ?? this.#limits.timeoutMs;
    // Built once: a per-record plugin's context differs from item to item only by its scope and signal.
    const shared = {
      tenantId: caller.tenant,
      user: caller.user,
      log: pluginLogger(logger),
      reject: (message: string) => new PluginRejection(message),
    };
    const run = <T>(what: string, scope: PluginScope, work: (ctx: InvocationContext) => Promise<T>, controller?: AbortController) =>
      withTimeLimit((pluginSignal) => work({ ...shared, ...scope, signal: pluginSignal }), {
        timeoutMs,
        what,
        ...(signal !== undefined && { parent: signal }),
        ...(controller !== undefined && { controller }),
      }).catch((err: unknown) => {
        throw pluginFailure(err, plugin.className);
      });
    return { run, logger };
  }

  /**
   * The records service of one attempt at `item`, in the invoking tenant and as its user: its writes are staged
   * for the item's outcome (see stagedRecords.ts). `given` is the record a per-record item works on.
   */
  stagedRecords(prepared: PreparedInvocation, item: ItemInfo, given?: StoredRecord): StagedRecords {
    const { tenant, user } = prepared.caller;
    return new StagedRecords({ records: this.#deps.records, tenant, user, item, ...(given !== undefined && { given }) });
  }

  /**
   * Runs one record through a per-record plugin; the logger and context are set up once, for a worker that runs
   * many items of one invocation. A call's `controller` (see `withTimeLimit`) lets the worker stop that item alone.
   */
  itemExecutor(
    prepared: PreparedInvocation,
    signal?: AbortSignal,
  ): (record: StoredRecord, scope: PluginScope, controller?: AbortController) => Promise<ItemResult> {
    const { plugin } = prepared.loaded;
    if (plugin.processItem === undefined) throw new TypeError(`Plugin '${plugin.className}' handles whole invocations`);
    const processItem = plugin.processItem.bind(plugin);
    const { run } = this.#caller(prepared, signal);
    return async (record, scope, controller) =>
      (await run(`Plugin '${plugin.className}' on record ${record.csid}`, scope, (ctx) => processItem(record, prepared.input, ctx), controller)) ?? {};
  }

  /** The results of a per-record invocation from its counts, worded by the plugin's `summarize` when it has one. */
  summarize(prepared: PreparedInvocation, outcome: ItemsOutcome, failures: Array<{ csid: string; message: string }>): InvocationResult {
    const { plugin } = prepared.loaded;
    const summary = plugin.processItem === undefined ? undefined : plugin.summarize?.(outcome, prepared.input);
    const note = outcome.failed === 0 && summary?.userNote !== undefined ? summary.userNote : itemsNote(outcome, failures, summary?.userNote);
    return { ...summary, numAffected: outcome.affected, userNote: note };
  }

  /** Runs a whole-invocation plugin on the prepared context; `controller` as for `itemExecutor`. */
  async execute(prepared: PreparedInvocation, scope: PluginScope, signal?: AbortSignal, controller?: AbortController): Promise<InvocationResult> {
    const { plugin } = prepared.loaded;
    if (plugin.invoke === undefined) throw new TypeError(`Plugin '${plugin.className}' handles one record at a time`);
    const invoke = plugin.invoke.bind(plugin);
    const { run, logger } = this.#caller(prepared, signal);
    const result = await run(`Plugin '${plugin.className}'`, scope, (ctx) => invoke(prepared.input, ctx), controller);
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
