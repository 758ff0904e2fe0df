/**
 * Runs, framework-neutral: what the invoke and runs routes call; every invocation, synchronous or not, is a run.
 * Every request here that makes plugin code run (start, open, add items, close, rerun) first passes the invoke
 * rule for the user making it (`InvokeAuthorizer`); the run then acts as its creator. Starting one also checks the
 * invocation (`InvocationService.prepare`) and the run refusals (a csid listed twice, an empty context, more items
 * than `maxItems`), stores the run with its items, and wakes a worker. Progress is published per run as typed events (`watch`), fed by the worker in this process and by
 * polling for other processes.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { InvocationContextPayload } from '../codec/index.js';
import { DomainError, NotFoundError, ValidationError, isErrorCode, quoted, someOf } from '../domain/errors.js';
import { repeatedValues } from '../domain/lists.js';
import type { Page, Paging } from '../domain/paging.js';
import {
  documentDocType,
  documentItemCsid,
  itemRecordsOf,
  type CreatedDocumentItem,
  type DocumentItem,
  type ItemRecord,
} from '../domain/recordItems.js';
import type { RunLogLine, RunLogQuery, RunLogSummary } from '../domain/runLog.js';
import { earlierDocTypes, NO_RUN_ORDER, type RunOrder } from '../domain/runOrder.js';
import {
  AFTER_FAILURE_RULES,
  isAfterFailure,
  isFinalRunStatus,
  MAX_FOLLOWED_RUNS,
  RUN_STATUS,
  WHOLE_INVOCATION_KEY,
  type AfterFailure,
  type ItemStatus,
  type Run,
  type RunItem,
  type RunResults,
  type RunStatus,
} from '../domain/runs.js';
import { seesEveryRun, shownRunIds, statusTextShown, visibleRuns, type FollowsShown, type RunViewer } from '../domain/runVisibility.js';
import type { TenantId } from '../domain/types.js';
import { newCsid, type Clock } from '../store/queryRules.js';
import type { ClaimOptions, CreatedClaim, NewRun, RunStore } from '../store/runTypes.js';
import type { InvocationService, PreparedInvocation } from './invocationService.js';
import type { InvocationCaller, InvokeAuthorizer, InvokeGrant, InvokeOccasion } from './invokeAuthorization.js';

export interface RunServiceOptions {
  /** Most items one run may have. `MAX_RUN_ITEMS` @defaultValue 100000 */
  maxItems: number;
  /** Failed items listed in a run's `itemErrors`. @defaultValue 100 */
  itemErrorsShown: number;
  /**
   * The server's limit on how long a synchronous invoke waits for its run before answering 202 instead; 0: none, it
   * waits as long as the run takes, as CollectionSpace does. `INVOKE_WAIT_MS` @defaultValue 0
   */
  syncWaitMs: number;
  /** How often a waiting invoke reads the run, for runs another process works on. @defaultValue 250 */
  syncPollMs: number;
  /**
   * Items stored with a new `nocontext` run; the worker queues the rest of the records while the first ones run. Few:
   * listing and storing them is what a big run's first item waits for (a thousand took 4 – 10 ms of the store's
   * write alone, 64 under one). @defaultValue 64
   */
  firstItems: number;
  /** Per tenant, the doc types whose runs start in that order when posted together. `RUN_ORDER` @defaultValue none */
  runOrder: RunOrder;
  /** A new run's rule for a followed run that fails, when its request gives none. `RUN_AFTER_FAILURE` @defaultValue 'fail' */
  afterFailure: AfterFailure;
}

export const RUN_SERVICE_DEFAULTS = {
  maxItems: 100_000,
  itemErrorsShown: 100,
  syncWaitMs: 0,
  syncPollMs: 250,
  firstItems: 64,
  runOrder: NO_RUN_ORDER,
  afterFailure: 'fail',
} as const satisfies RunServiceOptions;

/**
 * A place this process holds for a run it is about to store, to work on it at once (`RunWaker.takeUp`): the run is
 * stored with `claim` (`RunStore.createAndClaim`), then handed over with `begin`, or the place freed with `drop`.
 */
export interface RunTakeUp {
  /** The first claim the store makes as it stores the run. */
  readonly claim: ClaimOptions;
  /**
   * The run is stored: one stored started is worked on here at once, acting on `grant` (what the request that stored
   * it was checked with) without a second check; any other (stored `Waiting`) is woken as usual.
   */
  begin(created: CreatedClaim, grant: InvokeGrant): Promise<void>;
  /** The run was not stored (refused): the place is freed. */
  drop(): void;
}

/** Where runs are executed (`RunExecutor`); absent in an API-only process, whose runs other processes pick up. */
export interface RunWaker {
  /**
   * A place for a run stored now (at `now`) to start here at once, or `undefined` when it would not (no room here,
   * or this process works on no runs): the run is then stored and woken.
   */
  takeUp(now: Date): RunTakeUp | undefined;
  wake(tenant: TenantId, runId: string): Promise<void>;
  abort(runId: string, reason: Error): void;
  /** The run ended: wakes the runs waiting for it (`RunStore.followers`). */
  ended(tenant: TenantId, runId: string): Promise<void>;
}

export interface RunServiceDeps {
  runs: RunStore;
  invocations: InvocationService;
  authorizer: InvokeAuthorizer;
  logger: Logger;
  now: Clock;
  waker?: RunWaker;
  options?: Partial<RunServiceOptions>;
}

export interface RunListFilter {
  status?: RunStatus;
  definitionCsid?: string;
  createdFrom?: Date;
  createdTo?: Date;
  paging: Paging;
}

/**
 * A run as the API shows it to one viewer: the stored run plus its item errors and, while it waits, the runs it
 * waits for, the ids of runs the viewer may not see left out and counted (src/domain/runVisibility.ts).
 */
export interface RunView extends Run, FollowsShown {
  itemErrors?: Record<string, string>;
}

/** Who reads a run, in which tenant. */
export type RunReader = RunViewer & { tenant: TenantId };

/** What a run starts with: the checked invocation, its first items, and how the run takes the rest. */
interface RunPlan extends Pick<NewRun, 'open' | 'filling' | 'expectedItems' | 'after' | 'afterFailure'> {
  prepared: PreparedInvocation;
  keys: readonly string[];
}

/** How long one synchronous invoke waits, beside the server's limit. */
export interface SyncWait {
  /** The client's own limit (`Prefer: wait=N`); absent, only the server's applies. */
  waitMs?: number;
  /** Aborted when nobody waits any more (the client went away): the wait ends, the run goes on. */
  signal?: AbortSignal;
}

/** The longest delay a timer takes; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A synchronous invoke's answer: the results when its run ended within the wait, else the run, still going. */
export type SyncInvocation = { finished: true; results: RunResults } | { finished: false; run: RunView };

type RunEvents = Record<string, [Run]>;

export class RunService {
  readonly #deps: RunServiceDeps;
  readonly #options: RunServiceOptions;
  readonly #events = new EventEmitter<RunEvents>();
  /** Aborted on shutdown: waiting invokes answer 202 at once (their runs continue after the restart), streams end. */
  readonly #closing = new AbortController();

  constructor(deps: RunServiceDeps) {
    this.#deps = deps;
    this.#options = { ...RUN_SERVICE_DEFAULTS, ...deps.options };
    this.#events.setMaxListeners(0);
    // Every waiting invoke listens for shutdown: many small runs at once are many listeners, not a leak.
    setMaxListeners(0, this.#closing.signal);
  }

  #refuseDuplicates(csids: readonly string[]): void {
    const repeated = repeatedValues(csids);
    if (repeated.length > 0) {
      throw new ValidationError(
        `The context lists ${repeated.length === 1 ? 'a csid' : `${repeated.length} csids`} more than once: ${someOf(repeated)}`,
        repeated.map((csid) => ({ path: 'invocationContext/listCSIDs', message: `${quoted(csid)} is listed twice` })),
      );
    }
  }

  #refuseTooMany(count: number, already = 0): void {
    if (count + already > this.#options.maxItems) {
      throw new ValidationError(`A run may have at most ${this.#options.maxItems} items; this request would make ${count + already}`, [
        { path: 'invocationContext', message: `more than ${this.#options.maxItems} items` },
      ]);
    }
  }

  /**
   * The checks `start` makes up front, for requests that start runs later (schedules): everything but the
   * active-run limit, which applies when work starts (each firing).
   */
  async check(caller: InvocationCaller, csid: string, payload: InvocationContextPayload): Promise<PreparedInvocation> {
    this.#refuseListed(payload.listCSIDs);
    if ((payload.after ?? []).length > 0) {
      throw new ValidationError('A run started later cannot follow runs named now: they will have ended', [
        { path: 'invocationContext/after', message: 'is not accepted here' },
      ]);
    }
    this.#ordering(payload);
    return this.#deps.invocations.prepare(await this.#deps.authorizer.authorize(caller, csid, { startsWork: false }), payload);
  }

  /** `check` with the caller's active-run limit: what every request that creates a run passes. */
  async #admit(
    caller: InvocationCaller,
    csid: string,
    payload: InvocationContextPayload,
    options?: { csids: string[] },
  ): Promise<PreparedInvocation> {
    this.#refuseListed(payload.listCSIDs);
    return this.#deps.invocations.prepare(await this.#deps.authorizer.authorize(caller, csid, { startsWork: true }), payload, options);
  }

  /**
   * What the request says about following runs, checked: `after` run ids (distinct, at most `MAX_FOLLOWED_RUNS`;
   * whether they exist the store says) and `afterFailure` (`fail` or `start`, else the configured default).
   */
  #ordering(payload: InvocationContextPayload): Pick<NewRun, 'after' | 'afterFailure'> {
    const after = payload.after ?? [];
    const path = 'invocationContext/after/runId';
    if (after.some((id) => id === '')) throw new ValidationError('A run id to follow is blank', [{ path, message: 'must not be blank' }]);
    const [repeated] = repeatedValues(after);
    if (repeated !== undefined) throw new ValidationError(`Run ${quoted(repeated)} is named twice in after`, [{ path, message: 'is repeated' }]);
    if (after.length > MAX_FOLLOWED_RUNS) {
      throw new ValidationError(`A run may follow at most ${MAX_FOLLOWED_RUNS} runs`, [{ path, message: `more than ${MAX_FOLLOWED_RUNS}` }]);
    }
    const rule = payload.afterFailure?.trim();
    if (rule !== undefined && !isAfterFailure(rule)) {
      throw new ValidationError(`Unknown afterFailure ${quoted(rule)}`, [
        { path: 'invocationContext/afterFailure', message: `must be ${AFTER_FAILURE_RULES.join(' or ')}` },
      ]);
    }
    return { after, afterFailure: rule ?? this.#options.afterFailure };
  }

  /** Refused before anything is read: a csid listed twice, or a list longer than a run may be. */
  #refuseListed(csids: readonly string[]): void {
    this.#refuseDuplicates(csids);
    this.#refuseTooMany(csids.length);
  }

  /**
   * Checks and stores a run of the invocation, and has it started; answers it as stored: `InProgress` when this
   * process took it up at once, else `Queued` (or `Waiting` for the runs it follows).
   */
  async start(caller: InvocationCaller, csid: string, payload: InvocationContextPayload): Promise<RunView> {
    const plan = await this.#plan(caller, csid, payload);
    if (plan.expectedItems === 0) {
      throw new DomainError('MISSING_CONTEXT', 'The context names no record for this batch job to act on; nothing would run', [
        { path: 'invocationContext', message: 'is empty' },
      ]);
    }
    return this.#create(caller, payload, plan);
  }

  /**
   * A synchronous invoke: the invocation runs as a run like any other (same worker, same tracking), and the caller
   * waits for it until it ends, or up to the shorter of its own wait and `syncWaitMs` when either is set. A
   * whole-invocation plugin's failure is thrown as it would be in-process.
   */
  async invoke(caller: InvocationCaller, csid: string, payload: InvocationContextPayload, wait: SyncWait = {}): Promise<SyncInvocation> {
    const plan = await this.#plan(caller, csid, payload);
    // Nothing to act on is a valid synchronous answer ("0 records processed"), not worth a run.
    if (plan.expectedItems === 0) {
      return { finished: true, results: await this.#deps.invocations.summarize(plan.prepared, { processed: 0, affected: 0, failed: 0 }, []) };
    }
    const run = await this.#create(caller, payload, plan);
    const limits = [wait.waitMs, this.#options.syncWaitMs || undefined].filter((ms): ms is number => ms !== undefined);
    const ended = await this.#waitForEnd(run, limits.length > 0 ? Math.min(...limits) : undefined, wait.signal);
    if (ended === undefined) return { finished: false, run: await this.view(caller, (await this.#deps.runs.get(run.tenant, run.id)) ?? run) };
    return { finished: true, results: await this.#syncResults(ended, caller) };
  }

  /**
   * Checks the request and chooses the run's first items. A `nocontext` run over more than `firstItems` records is
   * stored with its first items only and filled by the worker, so its first item starts at once however many
   * records the store holds; a list or a group is stored whole.
   */
  async #plan(caller: InvocationCaller, csid: string, payload: InvocationContextPayload): Promise<RunPlan & { expectedItems: number }> {
    const ordering = this.#ordering(payload);
    const prepared = await this.#admit(caller, csid, payload);
    const closed = { prepared, open: false, filling: false, ...ordering };
    if (prepared.loaded.plugin.entrypoint !== 'processItem') return { ...closed, keys: [WHOLE_INVOCATION_KEY], expectedItems: 1 };
    const expectedItems = await prepared.countItems();
    this.#refuseTooMany(expectedItems);
    // A list is stored whole with the run: its items are the list, which the run keeps nowhere else. Only records
    // found by a scan (`nocontext`) are queued by the worker; a group's members are few.
    const mayFill = prepared.input.mode === 'nocontext';
    const keys: string[] = [];
    for await (const csid of prepared.itemCsids()) {
      if (mayFill && keys.length === this.#options.firstItems) return { ...closed, keys, expectedItems, filling: true };
      keys.push(csid);
    }
    return { ...closed, keys, expectedItems: keys.length };
  }

  /**
   * The run once final, or `undefined` when `waitMs` passed (none: no limit), `signal` was aborted or the service
   * began shutting down first.
   */
  #waitForEnd(run: Run, waitMs: number | undefined, signal?: AbortSignal): Promise<Run | undefined> {
    const stops = [this.#closing.signal, ...(signal !== undefined ? [signal] : [])];
    if (stops.some((stop) => stop.aborted) || (waitMs !== undefined && waitMs <= 0)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const cleanups: Array<() => void> = [];
      const settle = (ended: Run | undefined) => {
        for (const cleanup of cleanups.splice(0)) cleanup();
        resolve(ended);
      };
      const onStop = () => settle(undefined);
      for (const stop of stops) {
        stop.addEventListener('abort', onStop, { once: true });
        cleanups.push(() => stop.removeEventListener('abort', onStop));
      }
      // A wait past the longest timer is as good as none: the run's end or a stop settles it first.
      if (waitMs !== undefined && waitMs <= MAX_TIMER_MS) {
        const timer = setTimeout(onStop, waitMs);
        cleanups.push(() => clearTimeout(timer));
      }
      cleanups.push(
        this.follow(run.tenant, run.id, this.#options.syncPollMs, (current) => {
          if (current === undefined || isFinalRunStatus(current.status)) settle(current);
        }),
      );
    });
  }

  /** What a synchronous invoke answers `viewer` for a run that ended. */
  async #syncResults(run: Run, viewer: RunViewer): Promise<RunResults> {
    if (run.status === 'Cancelled') throw new DomainError('CONFLICT', `Run '${run.id}' was cancelled before it finished`);
    if (run.status === 'Failed') throw new DomainError('RUN_FAILED', (await this.view(viewer, run)).statusText);
    if (run.counts.failed > 0) {
      const [first] = (await this.#deps.runs.listItems(run.tenant, run.id, { status: 'Failed', paging: { pageNum: 0, pageSize: 1 } })).items;
      if (first?.key === WHOLE_INVOCATION_KEY) {
        throw new DomainError(isErrorCode(first.errorCode) ? first.errorCode : 'PLUGIN_FAILED', first.error ?? `Run '${run.id}' failed`);
      }
    }
    return (await this.#resultsOf(run)) ?? {};
  }

  /** Inline results come with the run; only those stored apart cost a read. */
  async #resultsOf(run: Run): Promise<RunResults | undefined> {
    return run.results ?? (await this.#deps.runs.results(run.tenant, run.id));
  }

  /**
   * A finished run's results, whether inlined in the run or stored apart.
   * @throws DomainError NOT_FOUND when there is no such run, or it has no results (yet, or ever: cancelled, failed)
   */
  async results(tenant: TenantId, id: string): Promise<RunResults> {
    const run = await this.#found(tenant, id);
    const results = await this.#resultsOf(run);
    if (results !== undefined) return results;
    const why = isFinalRunStatus(run.status) ? `: it ended ${run.status}` : ` yet: it is ${run.status}`;
    throw new DomainError('NOT_FOUND', `Run '${id}' has no results${why}`);
  }

  /** The service is shutting down: waiting invokes answer at once (202), and whoever watches `shuttingDown` stops. */
  beginShutdown(): void {
    this.#closing.abort();
  }

  /** Aborted when the service begins shutting down, for requests that would otherwise hold it up (event streams). */
  get shuttingDown(): AbortSignal {
    return this.#closing.signal;
  }

  /** An open run: per-record plugins only; items may come with it and later, until it is closed. */
  async startOpen(caller: InvocationCaller, csid: string, payload: InvocationContextPayload): Promise<RunView> {
    const ordering = this.#ordering(payload);
    const prepared = await this.#admit(caller, csid, payload, { csids: payload.listCSIDs });
    const { plugin } = prepared.loaded;
    if (plugin.entrypoint !== 'processItem') {
      throw new DomainError('UNSUPPORTED_MODE', `Plugin '${plugin.className}' handles whole invocations; an open run needs a per-record plugin`);
    }
    if (prepared.input.mode !== 'list') {
      throw new DomainError('UNSUPPORTED_MODE', `An open run is invoked in mode 'list', not '${prepared.input.mode}'`, [
        { path: 'invocationContext/mode', message: "must be 'list'" },
      ]);
    }
    return this.#create(caller, payload, { prepared, keys: payload.listCSIDs, open: true, ...ordering });
  }

  async #create(caller: InvocationCaller, payload: InvocationContextPayload, plan: RunPlan): Promise<RunView> {
    const { prepared, keys, ...flags } = plan;
    const definitionCsid = prepared.definition.csid;
    const invocation = {
      ...(payload.mode !== undefined && { mode: payload.mode }),
      ...(payload.docType !== undefined && { docType: payload.docType }),
      ...(payload.singleCSID !== undefined && { singleCSID: payload.singleCSID }),
      ...(payload.groupCSID !== undefined && { groupCSID: payload.groupCSID }),
      // A per-record run's items are its list: stored with the run, the list would make every read of the run (each
      // heartbeat, progress, finish) carry it, and past ~400,000 csids MongoDB refuses the document. A whole
      // invocation's list is its plugin's input, kept as given (at most `maxItems`).
      listCSIDs: prepared.loaded.plugin.entrypoint !== 'processItem' ? [...payload.listCSIDs] : [],
      params: payload.params.map(({ key, value }) => ({ key, value })),
    };
    const newRun: NewRun = {
      definitionCsid,
      definitionName: prepared.definition.definition.name,
      invocation,
      createdBy: caller.user,
      ...flags,
      rerunnable: prepared.loaded.plugin.rerunnable ?? true,
      afterDocTypes: earlierDocTypes(this.#options.runOrder, caller.tenant, prepared.input.docType),
    };
    const { runs, now, waker } = this.#deps;
    const at = now();
    // This process takes the run up at once when it can: the run is stored started, with its first claim, in the same
    // store call, and the session works on the run as stored, on the grant the request was checked with.
    const takeUp = waker?.takeUp(at);
    let created: CreatedClaim;
    try {
      created =
        takeUp === undefined
          ? { run: await runs.create(caller.tenant, newRun, keys, at), items: [] }
          : await runs.createAndClaim(caller.tenant, newRun, keys, takeUp.claim);
    } catch (err) {
      takeUp?.drop();
      throw err;
    }
    const { run } = created;
    this.#deps.logger.info(
      { run: run.id, definition: definitionCsid, items: run.counts.posted, open: flags.open, filling: run.filling, status: run.status, after: run.after },
      'run queued',
    );
    await (takeUp === undefined ? this.#wake(run) : takeUp.begin(created, prepared.grant));
    return this.view(caller, run);
  }

  async #wake(run: Pick<Run, 'tenant' | 'id'>): Promise<void> {
    await this.#deps.waker?.wake(run.tenant, run.id);
  }

  async #found(tenant: TenantId, id: string): Promise<Run> {
    const run = await this.#deps.runs.get(tenant, id);
    if (run === undefined) throw new NotFoundError('Run', id);
    return run;
  }

  async get(reader: RunReader, id: string): Promise<RunView> {
    const { tenant } = reader;
    const run = await this.view(reader, await this.#found(tenant, id));
    const itemErrors = run.counts.failed > 0 ? await this.#deps.runs.itemErrors(tenant, id, this.#options.itemErrorsShown) : {};
    return { ...run, itemErrors };
  }

  /**
   * The run as `viewer` is shown it: while it is `Waiting`, with the runs it still waits for; and to a viewer who may
   * not list runs, with only the ids of the followed runs they created, the others counted and unnamed in its status
   * text (src/domain/runVisibility.ts).
   */
  async view(viewer: RunViewer, run: Run): Promise<RunView> {
    const waitingFor = run.status === RUN_STATUS.Waiting ? await this.#deps.runs.waitingFor(run.tenant, run.id) : undefined;
    if (run.after.length === 0 || seesEveryRun(viewer)) return waitingFor === undefined ? run : { ...run, waitingFor };
    const visible = visibleRuns(viewer, run.after, await this.#deps.runs.creators(run.tenant, run.after));
    const after = shownRunIds(run.after, visible);
    const waiting = waitingFor === undefined ? undefined : shownRunIds(waitingFor, visible);
    return {
      ...run,
      after: after.runIds,
      afterOthers: after.others,
      statusText: statusTextShown(run.statusText, run.after.filter((id) => !visible.has(id))),
      ...(waiting !== undefined && { waitingFor: waiting.runIds, waitingForOthers: waiting.others }),
    };
  }

  list(tenant: TenantId, filter: RunListFilter): Promise<Page<Run>> {
    return this.#deps.runs.list(tenant, filter);
  }

  async items(tenant: TenantId, id: string, query: { status?: ItemStatus; paging: Paging }): Promise<Page<RunItem>> {
    await this.#found(tenant, id);
    return this.#deps.runs.listItems(tenant, id, query);
  }

  /**
   * What plugins logged on the run, kept lines in order (see `RunStore.log`).
   * @throws DomainError NOT_FOUND when there is no such run
   */
  async log(tenant: TenantId, id: string, query: RunLogQuery, paging: Paging): Promise<Page<RunLogLine> & RunLogSummary> {
    const page = await this.#deps.runs.log(tenant, id, query, paging);
    if (page === undefined) throw new NotFoundError('Run', id);
    return page;
  }

  /**
   * `requester` must pass the invoke rule for the run's job: the request makes its plugin run (as the run's
   * creator, whose own rights the worker checks when it takes the run up). A job deleted since is a conflict of
   * the run, not an unknown URL.
   */
  async #authorizeOn(requester: InvocationCaller, run: Run, occasion: InvokeOccasion): Promise<InvokeGrant> {
    try {
      return await this.#deps.authorizer.authorize(requester, run.definitionCsid, occasion);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      throw new DomainError('CONFLICT', `Run '${run.id}' cannot go on: its batch job '${run.definitionCsid}' was deleted`);
    }
  }

  /** More items for an open run: their plugin runs on them, so the requester needs the invoke rule for the job. */
  async addItems(requester: InvocationCaller, id: string, csids: readonly string[]): Promise<RunView> {
    if (csids.length === 0) throw new ValidationError('No items to add', [{ path: 'invocationContext/listCSIDs', message: 'is empty' }]);
    this.#refuseDuplicates(csids);
    const run = await this.#append(requester, id, csids.length, () => this.#deps.runs.addItems(requester.tenant, id, csids, this.#deps.now()));
    return this.view(requester, run);
  }

  /**
   * Items that bring their own data (seed 000): each document becomes a record of the run's doc type, created by
   * the requester, and an item of the run, in one store step (`RunStore.addRecordItems`); each is eligible at
   * once. With the request's idempotency key (`requestKey`) the csids are derived from it, so a retry converges.
   */
  async addDocuments(
    requester: InvocationCaller,
    id: string,
    documents: readonly DocumentItem[],
    requestKey?: string,
  ): Promise<{ run: Run; items: CreatedDocumentItem[] }> {
    if (documents.length === 0) throw new ValidationError('No documents to add', [{ path: 'items/document', message: 'is required' }]);
    const { tenant, user } = requester;
    let records: ItemRecord[] = [];
    const run = await this.#append(requester, id, documents.length, (current) => {
      const csidOf = (ordinal: number) => (requestKey === undefined ? newCsid() : documentItemCsid({ tenant, user, key: requestKey }, id, ordinal));
      records = itemRecordsOf(documents, documentDocType(current, documents), csidOf);
      return this.#deps.runs.addRecordItems(tenant, id, records, user, this.#deps.now());
    });
    this.#deps.logger.info({ run: id, documents: records.length, by: user }, 'document items added');
    return { run, items: records.map(({ csid, docType, file }) => ({ csid, docType, ...(file !== undefined && { fileName: file.name }) })) };
  }

  /**
   * Appends `count` items to an open run with `write`, once the requester passes the invoke rule for its job (the
   * run is already active: no new work as far as the active-run limit goes) and the run has room; then wakes a
   * worker and tells whoever follows the run.
   */
  async #append(requester: InvocationCaller, id: string, count: number, write: (current: Run) => Promise<Run | undefined>): Promise<Run> {
    const current = await this.#found(requester.tenant, id);
    await this.#authorizeOn(requester, current, { startsWork: false });
    this.#refuseTooMany(count, current.counts.posted);
    const run = await write(current).catch(async (err: unknown) => {
      // A refused add may have been counted for a moment (MongoDB takes it back): a session that ended meanwhile
      // left the run to finish, so one is woken to look again.
      await this.#wake(current);
      throw err;
    });
    if (run === undefined) throw new NotFoundError('Run', id);
    await this.#wake(run);
    this.#publish(run);
    return run;
  }

  /** Closing lets the run finish, which runs its plugin's `summarize`: the requester needs the invoke rule too. */
  async close(requester: InvocationCaller, id: string): Promise<RunView> {
    const { tenant } = requester;
    await this.#authorizeOn(requester, await this.#found(tenant, id), { startsWork: false });
    const run = await this.#deps.runs.close(tenant, id, this.#deps.now());
    if (run === undefined) throw new NotFoundError('Run', id);
    await this.#wake(run);
    return this.view(requester, run);
  }

  async cancel(requester: RunReader, id: string): Promise<RunView> {
    const { tenant } = requester;
    const run = await this.#deps.runs.cancel(tenant, id, this.#deps.now());
    if (run === undefined) throw new NotFoundError('Run', id);
    this.#deps.waker?.abort(id, new DomainError('CONFLICT', `Run '${id}' was cancelled`));
    await this.#deps.waker?.ended(tenant, id);
    this.#deps.logger.info({ run: id, processed: run.counts.processed, cancelled: run.counts.cancelled }, 'run cancelled');
    this.#publish(run);
    return this.view(requester, run);
  }

  /**
   * Queues a finished run again. It restarts work, so the requester passes the whole invoke rule, active-run
   * limit included; the run counts against its creator, whose limit applies too when someone else reruns it.
   */
  async rerun(requester: InvocationCaller, id: string, options: { onlyFailed: boolean }): Promise<RunView> {
    const { tenant } = requester;
    const current = await this.#found(tenant, id);
    await this.#authorizeOn(requester, current, { startsWork: true });
    if (current.createdBy !== requester.user) await this.#deps.authorizer.refuseOverLimit(tenant, current.createdBy);
    const run = await this.#deps.runs.rerun(tenant, id, options, this.#deps.now());
    if (run === undefined) throw new NotFoundError('Run', id);
    // Who asked is kept in the log: the run itself goes on naming its creator, whose identity the work carries.
    this.#deps.logger.info({ run: id, requestedBy: requester.user, createdBy: run.createdBy, onlyFailed: options.onlyFailed }, 'run queued again');
    await this.#wake(run);
    this.#publish(run);
    return this.view(requester, run);
  }

  /** The worker's progress hook: publishes the run's current state (`run`, or as read) to whoever watches it. */
  progressed(tenant: TenantId, id: string, run?: Run): void {
    if (this.#events.listenerCount(id) === 0) return;
    if (run !== undefined) return this.#publish(run);
    this.#deps.runs
      .get(tenant, id)
      .then((run) => run !== undefined && this.#publish(run))
      .catch((err: unknown) => this.#deps.logger.warn({ err, run: id }, 'could not publish run progress'));
  }

  #publish(run: Run): void {
    this.#events.emit(run.id, run);
  }

  /**
   * Calls `listener` with the run as it is now, each time it changes in this process, and every `pollMs` from the
   * store (other processes may be working on it); with `undefined` once it is gone. Answers the function that
   * stops following.
   */
  follow(tenant: TenantId, id: string, pollMs: number, listener: (run: Run | undefined) => void): () => void {
    let following = true;
    const notify = (run: Run | undefined) => following && listener(run);
    const read = () => {
      this.#deps.runs.get(tenant, id).then(notify, (err: unknown) => this.#deps.logger.warn({ err, run: id }, 'could not read the run'));
    };
    const unwatch = this.watch(id, notify);
    const poll = setInterval(read, pollMs);
    read();
    return () => {
      following = false;
      unwatch();
      clearInterval(poll);
    };
  }

  /** Calls `listener` with the run each time it changes in this process; answers the unsubscribe function. */
  watch(id: string, listener: (run: Run) => void): () => void {
    this.#events.on(id, listener);
    return () => this.#events.off(id, listener);
  }
}
