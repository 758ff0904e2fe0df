/**
 * Processes one run: claims its items in batches under a lease, runs a per-record plugin on each (a whole-invocation
 * plugin once) with bounded concurrency, a time limit and retries, and writes final statuses in batches; a filling
 * run's remaining items are queued meanwhile by `RunFiller`. Knows nothing of Agenda: the
 * executor hands it a signal, a heartbeat (`touch`) and a `stopping` flag.
 *
 * Exactly-once: outcomes are written with `runs.complete(owner)`, which refuses items whose lease another
 * worker took over or the run's cancel ended. Items interrupted by shutdown get no outcome and are released back to
 * `New`; on a cancel the store already ended them `Cancelled`. A cancel made in another process is seen here at the
 * next claim, or at the next look at the run's status (`STATUS_LOOK_MS`, between items, or on a timer while no item
 * settles, as during a slow flush), whichever comes first: no further item of the run starts here, and the items in
 * flight are aborted.
 *
 * An item whose lease a renewal finds lost is stopped (or never started) and gets no outcome either. What a plugin
 * writes through `ctx.records` is staged per attempt (src/services/stagedRecords.ts) and goes with a completed
 * item's outcome into the same `complete` transaction; items whose writes conflicted come back `New` and are
 * claimed again.
 *
 * While the store is unavailable (`StoreHealth`) a session pauses: it claims nothing, keeps the outcomes of the
 * items it finishes, and writes them (and renews its leases) once the store is back.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError, ForbiddenError, isStoreUnavailable, StoreUnavailableError } from '../domain/errors.js';
import {
  finalStatusFor,
  isActiveRunStatus,
  isCrashSuspect,
  finishedAt,
  isFinalRunStatus,
  retryDelayMs,
  RUN_STATUS,
  WHOLE_INVOCATION_KEY,
  type Run,
  type RunItem,
} from '../domain/runs.js';
import type { StoredRecord, TenantId } from '../domain/types.js';
import { DEFAULT_RUN_LOG_LINES, ITEM_LOG_LINES } from '../domain/runLog.js';
import type { ItemInfo, ItemResult, PluginLogger } from '../plugins/contract.js';
import { PLUGIN_THREAD_DEFAULTS } from '../plugins/threads/pluginThreads.js';
import type { CallHandle, InvocationService, PluginScope, PreparedInvocation } from '../services/invocationService.js';
import type { InvocationCaller, InvokeAuthorizer, InvokeGrant } from '../services/invokeAuthorization.js';
import type { RecordService } from '../services/recordService.js';
import type { StoreHealth } from '../store/health.js';
import type { Clock } from '../store/queryRules.js';
import type { ClaimOptions, CompleteAndFinishResult, CreatedClaim, FinishWith, ItemOutcome, RunStore } from '../store/runTypes.js';
import { forEachBounded } from './forEachBounded.js';
import { ItemLog } from './itemLog.js';
import { abortable, yieldToIo } from './pauses.js';
import { RunFiller } from './runFiller.js';
import { SoloGate } from './soloGate.js';
import { WorkBudget } from './workBudget.js';

export interface RunWorkerOptions {
  /** Items claimed per store round trip. @defaultValue 256 */
  batchSize: number;
  /** Items of a run its per-record plugin processes at once (in a plugin thread). @defaultValue 8 */
  concurrency: number;
  /** How long a claim holds an item without renewal. @defaultValue 30000 */
  leaseMs: number;
  /** How often leases are renewed and the Agenda job touched. @defaultValue 5000 */
  heartbeatMs: number;
  /** Outcomes written per store transaction (they are also written on every heartbeat). @defaultValue 256 */
  flushSize: number;
  /** Retry delay when the plugin sets retries but no delay. @defaultValue 1000 */
  retryDelayMs: number;
  /** Items a filling run gets per store transaction (see `Run.filling`). @defaultValue 2000 */
  fillChunk: number;
  /** Times an item's worker may stop while holding it before the item is failed (`ClaimOptions.maxCrashes`). @defaultValue 3 */
  maxCrashes: number;
  /**
   * Log lines a run keeps (`RUN_LOG_LINES`, the store's limit): a whole invocation's item keeps up to this many,
   * a per-record item up to `ITEM_LOG_LINES`. @defaultValue 10000
   */
  logLines: number;
  /**
   * Items in flight in this process across all its runs (handed to the plugin threads, or waiting there): what bounds
   * the work a process takes on, rather than how many runs it has (see workBudget.ts).
   * @defaultValue plugin threads × `ITEMS_IN_FLIGHT_PER_THREAD`
   */
  maxItemsInFlight: number;
}

/** Items in flight per plugin thread by default: a claim's worth running in it, and the next claim's ready. */
export const ITEMS_IN_FLIGHT_PER_THREAD = 512;

export const RUN_WORKER_DEFAULTS = {
  batchSize: 256,
  concurrency: 8,
  leaseMs: 30_000,
  heartbeatMs: 5_000,
  flushSize: 256,
  retryDelayMs: 1_000,
  fillChunk: 2_000,
  maxCrashes: 3,
  logLines: DEFAULT_RUN_LOG_LINES,
  maxItemsInFlight: PLUGIN_THREAD_DEFAULTS.maxThreads * ITEMS_IN_FLIGHT_PER_THREAD,
} as const satisfies RunWorkerOptions;

export interface RunWorkerDeps {
  runs: RunStore;
  /** The store's health: sessions pause while it cannot take writes. */
  storeHealth: StoreHealth;
  invocations: InvocationService;
  /** Checks, each time a session takes a run up (unless on its request's grant, see `RunControl.grant`), that its creator may still run its job. */
  authorizer: InvokeAuthorizer;
  /** A user as they are now in a tenant, or `undefined` once disabled, deleted, or no longer a member (`AuthService.callerIn`). */
  callerIn(username: string, tenant: string): Promise<InvocationCaller | undefined>;
  records: RecordService;
  logger: Logger;
  now: Clock;
  /**
   * Called after outcomes were written and when the run changed state; with the run as stored when the store
   * answered it (started, finished), so that nothing reads it again to tell whoever follows it.
   */
  onProgress: (tenant: TenantId, runId: string, run?: Run) => void;
  options?: Partial<RunWorkerOptions>;
}

export interface RunControl {
  /** Aborted on cancel, or when shutdown gives up waiting. */
  signal: AbortSignal;
  /** Shutdown has begun: claim nothing more. */
  stopping: () => boolean;
  /**
   * Heartbeat towards the scheduler (Agenda's `job.touch`, with the run's percentage done), which also aborts
   * `signal` when the run is over elsewhere.
   */
  touch: () => Promise<void>;
  /**
   * The grant the request that stored the run was just checked with, for a session started at once in that process:
   * the run acts on it instead of checking its creator again. Absent whenever the run is taken up later.
   */
  grant?: InvokeGrant;
  /**
   * The run as this process just stored it, taken up with its first claim in the same store call (`firstClaim`,
   * `RunStore.createAndClaim`): the first pass works on it instead of reading the run and claiming. Absent whenever
   * the run is taken up later.
   */
  taken?: TakenRun;
}

/** A run stored started, with the claim it was stored with and the items that claim took. */
export interface TakenRun extends CreatedClaim {
  claim: ClaimOptions;
}

/** The invocation context as `InvocationService.prepare` reads it. */
function payloadOf(run: Run) {
  return { ...run.invocation, listCSIDs: [...run.invocation.listCSIDs], params: [...run.invocation.params] };
}

function contextCsids(run: Run): string[] {
  const { invocation } = run;
  if (invocation.singleCSID !== undefined && invocation.singleCSID !== '') return [invocation.singleCSID];
  return [...invocation.listCSIDs];
}

/** Longest item note kept: an item list stays light, and a run's full results have their own link. */
const ITEM_NOTE_LIMIT = 1_000;

function itemNote(note: string): string {
  return note.length <= ITEM_NOTE_LIMIT ? note : `${note.slice(0, ITEM_NOTE_LIMIT - 1)}…`;
}

/** `counts` once `outcomes` are written as given (as `RunStore.complete` counts them). */
function counted(counts: FinishWith['counts'], outcomes: readonly ItemOutcome[]): FinishWith['counts'] {
  let { processed, failed, affected } = counts;
  for (const outcome of outcomes) {
    processed += 1;
    if (outcome.status === 'Failed') failed += 1;
    else if (outcome.affected !== false) affected += 1;
  }
  return { posted: counts.posted, processed, failed, affected };
}

/** A session's first claim takes only as many items as run at once: they start without waiting for a batch's records. */
function firstClaimSize(options: Pick<RunWorkerOptions, 'concurrency' | 'batchSize'>): number {
  return Math.min(options.concurrency, options.batchSize);
}

/** The outcome with the lines its item logged, when it logged any (the store's plain path is kept otherwise). */
function withLog(outcome: ItemOutcome, log: ItemLog): ItemOutcome {
  if (log.entries === undefined) return outcome;
  outcome.log = log.entries;
  if (log.dropped > 0) outcome.logDropped = log.dropped;
  return outcome;
}

export class RunWorker {
  readonly #deps: RunWorkerDeps;
  readonly #options: RunWorkerOptions;
  readonly #owner = `${hostname()}:${process.pid}`;
  /** Shared by every session of this process: crash suspects run alone in it. */
  readonly #gate = new SoloGate();
  /** Shared by every session of this process: the items in flight across its runs. */
  readonly #budget: WorkBudget;

  constructor(deps: RunWorkerDeps) {
    this.#deps = deps;
    this.#options = { ...RUN_WORKER_DEFAULTS, ...deps.options };
    this.#budget = new WorkBudget(this.#options.maxItemsInFlight);
  }

  get options(): Readonly<RunWorkerOptions> {
    return this.#options;
  }

  /**
   * The first claim of a session taking a run up as it is stored (`RunStore.createAndClaim`), at `now`: a new owner,
   * and as many items as the session's first claim takes (see `RunSession.#claim`).
   */
  firstClaim(now: Date): ClaimOptions {
    const { leaseMs, maxCrashes } = this.#options;
    return { owner: this.#newOwner(), limit: firstClaimSize(this.#options), leaseMs, now, maxCrashes };
  }

  #newOwner(): string {
    return `${this.#owner}:${randomUUID()}`;
  }

  /**
   * Works on the run until it has nothing claimable, is no longer active, or `control` says stop. Answers the run as
   * this pass finished it, when it did, so that whoever called need not read it again to know it is over.
   */
  async process(tenant: TenantId, runId: string, control: RunControl): Promise<Run | undefined> {
    const { runs, now, logger: parent } = this.#deps;
    const logger = parent.child({ run: runId });
    const { taken } = control;
    let initial = taken?.run ?? (await runs.get(tenant, runId));
    if (initial?.status === RUN_STATUS.Waiting) {
      // Woken because a run it follows ended (or for a look after it was stored): it starts, fails by its rule, or waits on.
      initial = await runs.resolveWait(tenant, runId, now());
      if (initial?.status !== RUN_STATUS.Waiting) this.#deps.onProgress(tenant, runId);
      if (initial?.status === RUN_STATUS.Failed) logger.info({ statusText: initial.statusText }, 'run failed: a run it follows failed');
    }
    if (initial === undefined || isFinalRunStatus(initial.status) || initial.status === RUN_STATUS.Waiting) return undefined;
    // Prepared before it is taken up: the session's first claim starts the run (see `RunSession.#claim`).
    const prepared = await this.#prepare(initial, control.grant).catch(async (err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ err }, 'run cannot proceed');
      // Items claimed as the run was stored go back to New, as those of a run never taken up are.
      if (taken !== undefined) await runs.release(tenant, runId, taken.claim.owner);
      await runs.fail(tenant, runId, `Failed: ${reason}`, now());
      this.#deps.onProgress(tenant, runId);
      return undefined;
    });
    if (prepared === undefined) return undefined;

    const owner = taken?.claim.owner ?? this.#newOwner();
    const session = new RunSession(this.#deps, this.#options, prepared, initial, owner, control, logger, this.#gate, this.#budget);
    let finished: Run | undefined;
    try {
      await session.work();
    } finally {
      finished = await session.end();
    }
    return finished;
  }

  async #prepare(run: Run, requestGrant: InvokeGrant | undefined): Promise<PreparedInvocation> {
    const grant = requestGrant ?? (await this.#creatorGrant(run));
    const perRecord = await this.#deps.invocations.prepare(grant, payloadOf(run), { csids: contextCsids(run) });
    if (perRecord.loaded.plugin.entrypoint === 'processItem') return perRecord;
    // A whole-invocation plugin gets its context resolved as on a synchronous invoke.
    return this.#deps.invocations.prepare(grant, payloadOf(run));
  }

  /**
   * The work acts as the run's creator, so the creator must pass the invoke rule as they are now, whoever made
   * the request that woke the run (add items, close, rerun) and however long ago the run was created: roles
   * taken away, a disabled user or tenant, or a lost membership stop the run here. The active-run limit was
   * applied when the work was started.
   */
  async #creatorGrant(run: Run): Promise<InvokeGrant> {
    const creator = await this.#deps.callerIn(run.createdBy, run.tenant);
    const why = 'the run acts as its creator, who may no longer run it';
    if (creator === undefined) {
      throw new ForbiddenError(`${why}: user '${run.createdBy}' may no longer act in tenant '${run.tenant}'`);
    }
    try {
      return await this.#deps.authorizer.authorize(creator, run.definitionCsid, { startsWork: false });
    } catch (err) {
      if (err instanceof ForbiddenError) throw new ForbiddenError(`${why}: ${err.message}`);
      throw err;
    }
  }
}

/** How long a worker with nothing to claim waits for a filling run's next items before looking again. */
const FILL_WAIT_MS = 100;
/**
 * How often, at most, a session reads its run's status between the items of a claimed batch: a batch can take a
 * long while, and a cancel made in another process must stop its items from starting here long before that.
 */
const STATUS_LOOK_MS = 100;
/** How often, at most, a session's claims look for crash suspects while `New` items are left (`ClaimOptions.takeOver`). */
const TAKE_OVER_LOOK_MS = 1_000;

/** Why an item still running here is stopped when its lease turns out lost. */
const takenOver = () => new Error('Another worker took this item over (its lease here expired): this attempt is dropped');

/** One worker's pass over one run. */
class RunSession {
  readonly #pending: ItemOutcome[] = [];
  readonly #filler: RunFiller;

  #writing: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined;
  /** Looks at the run's status when no item has done so for `STATUS_LOOK_MS` (see `#watchStatus`). */
  #statusWatch: NodeJS.Timeout | undefined;
  #statusLooking = false;
  #executeItem: ((record: StoredRecord, scope: PluginScope, handle?: CallHandle) => Promise<ItemResult>) | undefined;
  /**
   * The items claimed here that have no outcome yet, with the handle of the plugin call at work on each (none
   * between attempts): `#renew` stops it when it finds the item's lease lost.
   */
  readonly #held = new Map<number, CallHandle | undefined>();
  /** Items of `#held` whose lease another worker took: they get no outcome here, and no further attempt. */
  readonly #lost = new Set<number>();
  /** Items taken over by other workers over the session. */
  #lostTotal = 0;
  /** Until when (epoch ms) every lease in `#held` is known to hold: past it, no item starts before a renewal. */
  #leasesHoldUntil = 0;
  #renewing: Promise<void> | undefined;
  /** Items whose writes conflicted and went back to `New`, over the session: they are to be claimed again. */
  #requeued = 0;
  /** A per-record plugin (one item per record), rather than one that handles the whole invocation. */
  readonly #perRecord: boolean;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  /** Where plugin log lines go besides their item (the service's log), and how many one item keeps. */
  readonly #hostLog: PluginLogger;
  readonly #itemLogLines: number;
  /** Aborted when this session finds its run over (cancelled or gone); the session's items see it in `#signal`. */
  readonly #over = new AbortController();
  /** Aborted with `control.signal` or `#over`, whichever comes first. */
  readonly #signal: AbortSignal;
  readonly #unlink: () => void;
  #lastStatusLook = performance.now();
  /** When this session last looked for crash suspects; the first claim looks. */
  #lastTakeOverLook = -Infinity;
  /**
   * The last look took every claimable item (fewer than a batch, no crash suspect): no item was left then, nor held
   * by a dead worker. Until the next look is due, a claim that finds nothing need not look again.
   */
  #lookTookAll = false;
  /** Whether this session took the run up: its first claim does (`startAndClaim`). */
  #taken = false;
  /**
   * The first claim took every item the run had left (a closed run, not filling): once its items are done, there is
   * nothing to claim, and their outcomes are the run's last. Only the session's first pass relies on it.
   */
  #tookTheRest = false;
  /**
   * The counters the run will have once every outcome handed to the store here is written as given: known from the
   * run as the first claim found it, `undefined` once a write did not go as given (dropped, requeued, conflicted).
   */
  #expected: FinishWith['counts'] | undefined;
  /** The run as this session's last write finished it (`completeAndFinish`). */
  #finished: Run | undefined;

  constructor(
    readonly deps: RunWorkerDeps,
    readonly options: RunWorkerOptions,
    readonly prepared: PreparedInvocation,
    readonly run: Run,
    readonly owner: string,
    readonly control: RunControl,
    readonly logger: Logger,
    readonly gate: SoloGate,
    readonly budget: WorkBudget,
  ) {
    const { plugin } = prepared.loaded;
    const policy = prepared.definition.definition.itemPolicy;
    this.#perRecord = plugin.entrypoint === 'processItem';
    this.#retries = policy?.retries ?? plugin.retries ?? 0;
    this.#retryDelayMs = policy?.retryDelayMs ?? plugin.retryDelayMs ?? options.retryDelayMs;
    this.#hostLog = deps.invocations.hostLog(prepared);
    this.#itemLogLines = this.#perRecord ? Math.min(ITEM_LOG_LINES, options.logLines) : options.logLines;
    // Not `AbortSignal.any`: on Node 20 it costs a small run's session a tenth of a millisecond and keeps the
    // signals it joins in a finalization registry. One controller that both abort does the same here.
    // The listener on `control.signal`, which outlives this pass, goes in `end`.
    const either = new AbortController();
    const stop = () => either.abort(control.signal.reason);
    if (control.signal.aborted) stop();
    else control.signal.addEventListener('abort', stop, { once: true });
    this.#unlink = () => control.signal.removeEventListener('abort', stop);
    this.#over.signal.addEventListener('abort', () => either.abort(this.#over.signal.reason), { once: true });
    this.#signal = either.signal;
    this.#filler = new RunFiller(
      { runs: deps.runs, now: deps.now, logger, onFilled: () => deps.onProgress(run.tenant, run.id) },
      {
        tenant: run.tenant,
        runId: run.id,
        owner,
        leaseEnd: () => this.#leaseEnd(),
        chunkSize: options.fillChunk,
        // The worker prepared the run with its listed csids; in nocontext mode they come from the store.
        keys: () => prepared.itemCsids(),
        signal: this.#signal,
        stopping: control.stopping,
      },
    );
  }

  get #tenant(): TenantId {
    return this.run.tenant;
  }

  async work(): Promise<void> {
    this.#heartbeat = setInterval(() => void this.#beat(), this.options.heartbeatMs);
    this.#statusWatch = setInterval(() => void this.#watchStatus(), STATUS_LOOK_MS);
    // Two claims' worth of items are handed to the plugin threads at once, so that they travel in few batches and
    // the next batch is ready while one runs; the threads run at most `concurrency` of them at a time.
    const inFlight = this.#perRecord ? Math.max(this.options.concurrency, 2 * this.options.batchSize) : 1;
    for (;;) {
      const lost = this.#lostTotal;
      await forEachBounded(this.#claimed(), inFlight, async ({ item, record, settled }) => {
        try {
          // A crash suspect runs alone in the process, and its outcome is committed before anything else starts: if
          // it takes the process down, only it is charged; if it does not, it is cleared.
          if (isCrashSuspect(item)) {
            await this.gate.solo(async () => {
              await this.#record(await this.#processItem(item, record));
              await this.#flush();
            });
            return;
          }
          // Runs of this process take turns at the places in flight; a cancelled run stops waiting (its item gets
          // no outcome: the cancel ended it, and a shutdown releases it).
          const place = this.budget.take(this, this.#signal);
          if (place !== true && !(await place)) return;
          try {
            await this.gate.enter();
            try {
              await this.#record(await this.#processItem(item, record));
            } finally {
              this.gate.leave();
            }
          } finally {
            this.budget.give();
          }
        } finally {
          settled?.();
        }
      });
      // Outcomes of the last items: when some of them conflicted, their items are New again, to be claimed here.
      // Items another worker took over meanwhile are waited for as any other worker's (see `#claimed`): once they
      // end there, this session finishes the run.
      const requeued = this.#requeued;
      await this.#flush(true);
      const again = this.#requeued > requeued || this.#lostTotal > lost;
      if (!again || this.control.stopping() || this.#signal.aborted) return;
      // Items are left after all (requeued, or with another worker): the passes after this claim until none is.
      this.#tookTheRest = false;
    }
  }

  async #record(outcome: ItemOutcome | undefined): Promise<void> {
    if (outcome === undefined) return;
    this.#pending.push(outcome);
    if (this.#pending.length >= this.options.flushSize) await this.#flush();
  }

  /**
   * Flushes outcomes, releases what was left unprocessed, and finishes the run when nothing is left; answers the run
   * as this session finished it, when it did.
   */
  async end(): Promise<Run | undefined> {
    clearInterval(this.#heartbeat);
    clearInterval(this.#statusWatch);
    this.#unlink();
    const interrupted = this.control.stopping() || this.#signal.aborted;
    await this.#filler.stop(interrupted);
    await this.#flush();
    const { runs, now } = this.deps;
    if (this.#finished !== undefined) return this.#reportFinished(this.#finished);
    // Uninterrupted, with every item claimed here settled and its outcome written, nothing is held here to release.
    if (interrupted || this.#held.size > 0 || this.#pending.length > 0) {
      const released = await runs.release(this.#tenant, this.run.id, this.owner);
      if (released > 0) this.logger.info({ released }, 'released unfinished items');
    }
    if (interrupted) return undefined;
    let run = await runs.get(this.#tenant, this.run.id);
    if (run === undefined || isFinalRunStatus(run.status) || run.filling || run.open) return undefined;
    // Counters that say work is left may trail the items (see `RunStore.recount`): nothing else would recount them.
    if (finalStatusFor(run.counts, run.open) === undefined) run = await runs.recount(this.#tenant, this.run.id);
    if (run === undefined || finalStatusFor(run.counts, run.open) === undefined) return undefined;
    // A whole invocation's own results were stored with its item; finish keeps them over this summary.
    const results = await this.#summary(run);
    const at = now();
    const finished = await runs.finish(this.#tenant, this.run.id, results ?? {}, at);
    // Two sessions may reach the end together; the one whose finish ended the run (its time stamped) reports it.
    return finishedAt(finished, at) ? this.#reportFinished(finished) : undefined;
  }

  #reportFinished(finished: Run): Run {
    this.logger.info({ status: finished.status, counts: finished.counts }, 'run finished');
    this.deps.onProgress(this.#tenant, this.run.id, finished);
    return finished;
  }

  async #summary(run: Run): Promise<Run['results']> {
    const errors = run.counts.failed === 0 ? {} : await this.deps.runs.itemErrors(this.#tenant, run.id, 5);
    const failures = Object.entries(errors).map(([csid, message]) => ({ csid, message }));
    const { processed, affected, failed } = run.counts;
    return this.deps.invocations.summarize(this.prepared, { processed, affected, failed }, failures);
  }

  async #beat(): Promise<void> {
    try {
      // Paused (see `#pauseForStore`): only the scheduler's heartbeat, whose file is not the run store's.
      if (!this.deps.storeHealth.healthy) return await this.control.touch();
      await this.#flush();
      await this.#renew();
      await this.#filler.renew();
      await this.control.touch();
    } catch (err) {
      this.logger.warn({ err }, 'run heartbeat failed');
    }
  }

  #leaseEnd(): Date {
    return new Date(this.deps.now().getTime() + this.options.leaseMs);
  }

  /**
   * Renews the leases held here. An item without an outcome whose lease is no longer held here (another worker
   * took it over after a stall past the lease, or the item ended elsewhere) is stopped, never started, and its
   * outcome dropped with its writes.
   */
  #renew(): Promise<void> {
    const renew = async () => {
      const until = this.#leaseEnd();
      const watched = [...this.#held.keys()];
      const held = new Set(await this.deps.runs.renewLeases(this.#tenant, this.run.id, this.owner, until));
      this.#leasesHoldUntil = until.getTime();
      const lost = watched.filter((seq) => !held.has(seq) && this.#held.has(seq));
      this.#lostTotal += lost.length;
      for (const seq of lost) {
        this.#lost.add(seq);
        this.#held.get(seq)?.abort?.(takenOver());
      }
      if (lost.length > 0) this.logger.warn({ lost: lost.length }, 'items whose lease was lost were stopped; their outcomes are dropped');
    };
    this.#renewing ??= renew().finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  /**
   * Writes buffered outcomes; writes are chained so they never overlap. `last`: the work is done, so when these are
   * the run's last outcomes (see `#finishWith`) the same store call finishes the run.
   */
  #flush(last = false): Promise<void> {
    const write = async () => {
      if (this.#pending.length === 0) return;
      // Worded before the batch leaves `#pending`: the plugin's `summarize` may take a while, and may fail.
      const finishWith = last ? await this.#finishWith(this.#pending) : undefined;
      const batch = this.#pending.splice(0, this.#pending.length);
      let result: CompleteAndFinishResult;
      try {
        const { runs, now } = this.deps;
        result =
          finishWith === undefined
            ? await runs.complete(this.#tenant, this.run.id, this.owner, batch, now())
            : await runs.completeAndFinish(this.#tenant, this.run.id, this.owner, batch, finishWith, now());
      } catch (err) {
        // Kept for when the store is back, never written into a file that is gone.
        if (err instanceof StoreUnavailableError) this.#pending.unshift(...batch);
        else throw err;
        return;
      }
      const { written, requeued } = result;
      this.#expected = written === batch.length && this.#expected !== undefined ? counted(this.#expected, batch) : undefined;
      this.#requeued += requeued;
      if (requeued > 0) this.logger.info({ requeued }, 'items whose store writes conflicted go back to run again');
      const dropped = batch.length - written - requeued;
      if (dropped > 0) this.logger.warn({ dropped }, 'outcomes (and store writes) of items no longer held here, taken over or cancelled, were dropped');
      if (result.finished !== undefined) this.#finished = result.finished;
      else this.deps.onProgress(this.#tenant, this.run.id);
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }

  /**
   * How to finish the run with `batch`, when it is the run's last outcomes as far as this session knows: its first
   * claim took every item left, nothing was lost, requeued or written otherwise than given since, and no item
   * failed (the results name failures, which only the store has then). Otherwise `undefined`: `end` finishes the run.
   */
  async #finishWith(batch: readonly ItemOutcome[]): Promise<FinishWith | undefined> {
    const counts = this.#expected === undefined ? undefined : counted(this.#expected, batch);
    if (counts === undefined || !this.#tookTheRest || this.#lostTotal > 0 || this.control.stopping() || this.#signal.aborted) return undefined;
    if (counts.processed < counts.posted || counts.failed > 0) return undefined;
    const { processed, affected, failed } = counts;
    return { counts, results: await this.deps.invocations.summarize(this.prepared, { processed, affected, failed }, []) };
  }

  /**
   * Claimed items with their records, batch by batch, until nothing is left to claim here. Nothing is claimed while
   * a crash suspect is being tried in this process (an item claimed then would be charged if it takes the process
   * down), and a suspect claimed here is settled before the next claim: `settled` says when.
   */
  async *#claimed(): AsyncGenerator<{ item: RunItem; record: StoredRecord | undefined; settled?: () => void }> {
    const { runs, now } = this.deps;
    const { stopping } = this.control;
    const signal = this.#signal;
    let first = true;
    while (!signal.aborted && !stopping()) {
      if (!this.deps.storeHealth.healthy) {
        await this.#pauseForStore();
        continue;
      }
      await this.gate.quiet();
      // The claim the run was stored with leased its items from when it was made.
      const at = this.#taken ? now() : (this.control.taken?.claim.now ?? now());
      let claimed: RunItem[];
      try {
        const look = performance.now() - this.#lastTakeOverLook >= TAKE_OVER_LOOK_MS;
        claimed = await this.#claim(at, look);
        // Before saying nothing is left, look for items a dead worker holds, unless the last look just found none.
        if (claimed.length === 0 && !look && !this.#lookTookAll) claimed = await this.#claim(at, true);
      } catch (err) {
        if (err instanceof StoreUnavailableError) continue;
        throw err;
      }
      if (claimed.length === 0) {
        // Items another (dead) worker still holds come back when their lease expires: wait for that.
        const requeued = this.#requeued;
        await this.#flush();
        if (this.#requeued > requeued) continue;
        const run = await runs.get(this.#tenant, this.run.id);
        if (run === undefined || isFinalRunStatus(run.status)) return this.#stopOver(run?.status);
        if (run.open) return;
        if (run.filling) {
          await this.#filler.take();
          await this.#filler.nextItems(FILL_WAIT_MS);
          continue;
        }
        // Our own items still in flight finish on their own; only other workers' leases are waited for.
        const expiry = await runs.nextLeaseExpiry(this.#tenant, this.run.id, this.owner);
        if (expiry === undefined) return;
        // No longer than a heartbeat: a live worker completes its items long before its lease ends.
        await abortable(Math.min(this.options.heartbeatMs, Math.max(10, expiry.getTime() - now().getTime() + 5)), signal);
        continue;
      }
      const until = at.getTime() + this.options.leaseMs;
      this.#leasesHoldUntil = this.#held.size === 0 ? until : Math.min(this.#leasesHoldUntil, until);
      for (const item of claimed) this.#held.set(item.seq, undefined);
      const keys = claimed.map((item) => item.key).filter((key) => key !== WHOLE_INVOCATION_KEY);
      const found = this.#perRecord && keys.length > 0 ? (await this.deps.records.getMany(this.#tenant, keys)).found : new Map<string, StoredRecord>();
      for (const item of claimed) {
        if (signal.aborted || (this.#statusLookDue() && (await this.#runIsOver()))) return;
        if (isCrashSuspect(item)) {
          let settled = () => {};
          const tried = new Promise<void>((resolve) => (settled = resolve));
          yield { item, record: found.get(item.key), settled };
          await tried;
        } else yield { item, record: found.get(item.key) };
      }
      // The claim took every item the run had left: there is nothing more to claim while they run.
      if (this.#tookTheRest) return;
      await yieldToIo();
      // Queuing a filling run's next items starts once its first items are in the plugin threads, not before.
      if (first && this.run.filling) await this.#filler.take();
      first = false;
    }
  }

  /** The item a plugin call works on; `retry` counts the attempts made in this claim before it. */
  #itemInfo(item: RunItem, retry: number): ItemInfo {
    // `attempts` was counted by the claim (crashed attempts included); retries within the claim add to it.
    return {
      runId: this.run.id,
      key: item.key,
      attempt: Math.max(1, item.attempts) + retry,
      idempotencyKey: `${this.run.id}:${this.run.reruns}:${item.key}`,
    };
  }

  /**
   * A claim of up to a batch; `takeOver` also looks for crash suspects first (see `ClaimOptions.takeOver`). The
   * session's first claim takes the run up in the same store call (or was made as the run was stored, when this
   * process took it up at once: `RunControl.taken`, whose new run has no crash suspect), and learns from the run's
   * counters whether it took every item left; it takes only as many items as run at once, so they start without
   * waiting for a whole batch to be claimed and its records read.
   */
  async #claim(now: Date, takeOver: boolean): Promise<RunItem[]> {
    if (takeOver) this.#lastTakeOverLook = performance.now();
    const limit = this.#taken ? this.options.batchSize : firstClaimSize(this.options);
    const options = { owner: this.owner, limit, leaseMs: this.options.leaseMs, now, maxCrashes: this.options.maxCrashes, takeOver };
    let claimed: RunItem[];
    if (this.#taken) claimed = await this.deps.runs.claim(this.#tenant, this.run.id, options);
    else {
      const started = this.control.taken ?? (await this.deps.runs.startAndClaim(this.#tenant, this.run.id, now, options));
      this.#taken = true;
      this.deps.onProgress(this.#tenant, this.run.id, started.run);
      claimed = started.items;
      if (started.run !== undefined) {
        const { open, filling, counts } = started.run;
        this.#expected = counted(counts, []);
        this.#tookTheRest = !open && !filling && claimed.length === counts.posted - counts.processed;
      }
    }
    if (takeOver) this.#lookTookAll = claimed.length < limit && !claimed.some(isCrashSuspect);
    return claimed;
  }

  /** Synchronous, so the items between two looks cost no extra turn of the event loop. */
  #statusLookDue(): boolean {
    return performance.now() - this.#lastStatusLook >= STATUS_LOOK_MS;
  }

  /**
   * Items settling look at the run's status between them; but while none settles (an outcome flush on a slow store,
   * items held in a plugin thread's queue), the thread would go on starting items of a run cancelled elsewhere. So a
   * timer looks too, whenever no look has been made for `STATUS_LOOK_MS`. A failed look is left to the next one.
   */
  async #watchStatus(): Promise<void> {
    if (this.#statusLooking || this.#over.signal.aborted || !this.#statusLookDue()) return;
    this.#statusLooking = true;
    try {
      await this.#runIsOver();
    } catch {
      // The store's fault is the heartbeat's and the next claim's to report.
    } finally {
      this.#statusLooking = false;
    }
  }

  /** Whether the run is over, by a look at its status (stopping this session's items if so). */
  async #runIsOver(): Promise<boolean> {
    this.#lastStatusLook = performance.now();
    const status = await this.deps.runs.status(this.#tenant, this.run.id);
    if (status !== undefined && isActiveRunStatus(status)) return false;
    this.#stopOver(status);
    return true;
  }

  /**
   * The run is over: cancelled, failed or purged elsewhere (items in flight here are aborted; their outcomes would be
   * dropped), or completed by another session (then nothing is in flight here).
   */
  #stopOver(status: Run['status'] | undefined): void {
    if (status === RUN_STATUS.Cancelled && !this.#over.signal.aborted) this.logger.info('run cancelled elsewhere: its items stop here');
    this.#over.abort(new Error(`run ${this.run.id} is over (${status ?? 'gone'})`));
  }

  /**
   * Claims nothing until the store takes writes again (the fault was logged once, by `StoreHealth`), then writes
   * the outcomes kept meanwhile and renews the leases before anything is claimed, so items finished here are not
   * taken for expired ones.
   */
  async #pauseForStore(): Promise<void> {
    const { signal } = this.control;
    this.logger.info('run paused while the store is unavailable');
    await this.deps.storeHealth.untilHealthy(signal);
    if (signal.aborted) return;
    this.logger.info('run resumes: the store is available again');
    await this.#flush();
    try {
      await this.#renew();
    } catch (err) {
      // Gone again: the claim loop pauses once more.
      if (!(err instanceof StoreUnavailableError)) throw err;
    }
  }

  /** The item's outcome, or `undefined` when it was interrupted (released, ended by a cancel) or taken over. */
  async #processItem(item: RunItem, record: StoredRecord | undefined): Promise<ItemOutcome | undefined> {
    try {
      return await this.#attempts(item, record);
    } finally {
      this.#held.delete(item.seq);
      this.#lost.delete(item.seq);
    }
  }

  /** Cancel or shutdown, or the item's lease lost: the item ends here without an outcome. */
  #stopped(item: RunItem): boolean {
    return this.#signal.aborted || this.#lost.has(item.seq);
  }

  /**
   * Tries the item until it succeeds or its retries are spent. Each attempt's store writes are staged apart and
   * sealed when it settles: a completed attempt's go with the outcome, a failed one's are discarded.
   */
  async #attempts(item: RunItem, record: StoredRecord | undefined): Promise<ItemOutcome | undefined> {
    const signal = this.#signal;
    if (this.#perRecord && record === undefined) {
      return { seq: item.seq, status: 'Failed', error: `Record '${item.key}' was not found`, errorCode: 'NOT_FOUND' };
    }
    const log = new ItemLog(item.key, this.#itemLogLines, this.#hostLog, this.deps.now);
    for (let attempt = 0; ; attempt += 1) {
      // After a stall past the lease, another worker may have the item: never start it without knowing.
      if (this.deps.now().getTime() >= this.#leasesHoldUntil) await this.#renew();
      if (this.#stopped(item)) return undefined;
      const info = this.#itemInfo(item, attempt);
      log.attempt = info.attempt;
      const records = this.deps.invocations.stagedRecords(this.prepared, info, record);
      const scope: PluginScope = { records, item: info, log };
      const handle: CallHandle = {};
      this.#held.set(item.seq, handle);
      try {
        const outcome = record !== undefined ? await this.#runItem(item, record, scope, handle) : await this.#runWhole(item, scope, handle);
        const writes = records.seal();
        if (writes !== undefined) outcome.writes = writes;
        return withLog(outcome, log);
      } catch (err) {
        records.seal();
        if (this.#stopped(item)) return undefined;
        if (isStoreUnavailable(err)) {
          // A store read of the plugin's was refused: not the item's fault, and no attempt of it. It runs again
          // once the store is back.
          await this.deps.storeHealth.untilHealthy(signal);
          if (signal.aborted) return undefined;
          attempt -= 1;
          continue;
        }
        // A rejection is the request's fault; a crash was tried again alone already (see src/plugins/threads).
        const final = err instanceof DomainError && (err.code === 'PLUGIN_REJECTED' || err.code === 'PLUGIN_CRASHED');
        if (final || attempt >= this.#retries) {
          const failed: ItemOutcome = {
            seq: item.seq,
            status: 'Failed',
            error: err instanceof Error ? err.message : String(err),
            errorCode: err instanceof DomainError ? err.code : 'PLUGIN_FAILED',
          };
          return withLog(failed, log);
        }
        this.logger.debug({ key: item.key, attempt: attempt + 1, err }, 'item failed, retrying');
        this.#held.set(item.seq, undefined);
        await abortable(retryDelayMs(attempt + 1, this.#retryDelayMs), signal);
      }
    }
  }

  async #runItem(item: RunItem, record: StoredRecord, scope: PluginScope, handle: CallHandle): Promise<ItemOutcome> {
    this.#executeItem ??= this.deps.invocations.itemExecutor(this.prepared, this.#signal, this.options.concurrency);
    const result = await this.#executeItem(record, scope, handle);
    // No spread: this runs once per item (see invocationService.ts); the stores read an undefined note as none.
    return { seq: item.seq, status: 'Completed', affected: result.affected !== false, note: result.note === undefined ? undefined : itemNote(result.note) };
  }

  async #runWhole(item: RunItem, scope: PluginScope, handle: CallHandle): Promise<ItemOutcome> {
    const result = await this.deps.invocations.execute(this.prepared, scope, this.#signal, handle);
    return {
      seq: item.seq,
      status: 'Completed',
      affected: (result.numAffected ?? 0) > 0,
      ...(result.userNote !== undefined && { note: itemNote(result.userNote) }),
      results: result,
    };
  }
}
