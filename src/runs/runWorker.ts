/**
 * Processes one run: claims its items in batches under a lease, runs a per-record plugin on each (a whole-invocation
 * plugin once) with bounded concurrency, a time limit and retries, and writes final statuses in batches; a filling
 * run's remaining items are queued meanwhile by `RunFiller`. Knows nothing of Agenda: the
 * executor hands it a signal, a heartbeat (`touch`) and a `stopping` flag.
 *
 * Exactly-once: outcomes are written with `runs.complete(owner)`, which refuses items whose lease another
 * worker took over. Items interrupted by cancel or shutdown get no outcome and are released back to `New`; an item
 * whose lease a renewal finds lost is stopped (or never started) and gets none either. What a plugin writes through
 * `ctx.records` is staged per attempt (src/services/stagedRecords.ts) and goes with a completed item's outcome into
 * the same `complete` transaction; items whose writes conflicted come back `New` and are claimed again.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors.js';
import { finalStatusFor, isFinalRunStatus, retryDelayMs, WHOLE_INVOCATION_KEY, type Run, type RunItem } from '../domain/runs.js';
import type { StoredRecord, TenantId } from '../domain/types.js';
import type { ItemInfo, ItemResult } from '../plugins/contract.js';
import type { InvocationService, PluginScope, PreparedInvocation } from '../services/invocationService.js';
import type { RecordService } from '../services/recordService.js';
import type { Clock } from '../store/queryRules.js';
import type { ItemOutcome, RunStore } from '../store/runTypes.js';
import { forEachBounded } from './pluginExecution.js';
import { abortable, yieldToIo } from './pauses.js';
import { RunFiller } from './runFiller.js';

export interface RunWorkerOptions {
  /** Items claimed per store round trip. @defaultValue 256 */
  batchSize: number;
  /** Items in flight at once per run. @defaultValue 8 */
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
}

export const RUN_WORKER_DEFAULTS = {
  batchSize: 256,
  concurrency: 8,
  leaseMs: 30_000,
  heartbeatMs: 5_000,
  flushSize: 256,
  retryDelayMs: 1_000,
  fillChunk: 2_000,
} as const satisfies RunWorkerOptions;

export interface RunWorkerDeps {
  runs: RunStore;
  invocations: InvocationService;
  records: RecordService;
  logger: Logger;
  now: Clock;
  /** Called after outcomes were written and when the run changed state. */
  onProgress: (tenant: TenantId, runId: string) => void;
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

export class RunWorker {
  readonly #deps: RunWorkerDeps;
  readonly #options: RunWorkerOptions;
  readonly #owner = `${hostname()}:${process.pid}`;

  constructor(deps: RunWorkerDeps) {
    this.#deps = deps;
    this.#options = { ...RUN_WORKER_DEFAULTS, ...deps.options };
  }

  get options(): Readonly<RunWorkerOptions> {
    return this.#options;
  }

  /** Works on the run until it has nothing claimable, is no longer active, or `control` says stop. */
  async process(tenant: TenantId, runId: string, control: RunControl): Promise<void> {
    const { runs, now, logger: parent } = this.#deps;
    const logger = parent.child({ run: runId });
    const initial = await runs.get(tenant, runId);
    if (initial === undefined || isFinalRunStatus(initial.status)) return;
    const run = (await runs.start(tenant, runId, now())) ?? initial;
    this.#deps.onProgress(tenant, runId);
    const prepared = await this.#prepare(run).catch(async (err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      logger.warn({ err }, 'run cannot proceed');
      await runs.fail(tenant, runId, `Failed: ${reason}`, now());
      this.#deps.onProgress(tenant, runId);
      return undefined;
    });
    if (prepared === undefined) return;

    const owner = `${this.#owner}:${randomUUID()}`;
    const session = new RunSession(this.#deps, this.#options, prepared, run, owner, control, logger);
    try {
      await session.work();
    } finally {
      await session.end();
    }
  }

  async #prepare(run: Run): Promise<PreparedInvocation> {
    const caller = { tenant: run.tenant, user: run.createdBy };
    // Who may run this definition was checked when the run was created.
    const perRecord = await this.#deps.invocations.prepare(caller, run.definitionCsid, payloadOf(run), {
      csids: contextCsids(run),
      accessChecked: true,
    });
    if (perRecord.loaded.plugin.processItem !== undefined) return perRecord;
    // A whole-invocation plugin gets its context resolved as on a synchronous invoke.
    return this.#deps.invocations.prepare(caller, run.definitionCsid, payloadOf(run), { accessChecked: true });
  }
}

/** How long a worker with nothing to claim waits for a filling run's next items before looking again. */
const FILL_WAIT_MS = 100;

/** Why an item still running here is stopped when its lease turns out lost. */
const takenOver = () => new Error('Another worker took this item over (its lease here expired): this attempt is dropped');

/** One worker's pass over one run. */
class RunSession {
  readonly #pending: ItemOutcome[] = [];
  readonly #filler: RunFiller;
  #writing: Promise<void> = Promise.resolve();
  #heartbeat: NodeJS.Timeout | undefined;
  #executeItem: ((record: StoredRecord, scope: PluginScope, controller?: AbortController) => Promise<ItemResult>) | undefined;
  /**
   * The items claimed here that have no outcome yet, with the controller of the plugin call at work on each (none
   * between attempts): `#renew` aborts it when it finds the item's lease lost.
   */
  readonly #held = new Map<number, AbortController | undefined>();
  /** Items of `#held` whose lease another worker took: they get no outcome here, and no further attempt. */
  readonly #lost = new Set<number>();
  /** Until when (epoch ms) every lease in `#held` is known to hold: past it, no item starts before a renewal. */
  #leasesHoldUntil = 0;
  #renewing: Promise<void> | undefined;
  /** Items whose writes conflicted and went back to `New`, over the session: they are to be claimed again. */
  #requeued = 0;
  /** A per-record plugin (one item per record), rather than one that handles the whole invocation. */
  readonly #perRecord: boolean;
  readonly #retries: number;
  readonly #retryDelayMs: number;

  constructor(
    readonly deps: RunWorkerDeps,
    readonly options: RunWorkerOptions,
    readonly prepared: PreparedInvocation,
    readonly run: Run,
    readonly owner: string,
    readonly control: RunControl,
    readonly logger: Logger,
  ) {
    const { plugin } = prepared.loaded;
    const policy = prepared.definition.definition.itemPolicy;
    this.#perRecord = plugin.processItem !== undefined;
    this.#retries = policy?.retries ?? plugin.retries ?? 0;
    this.#retryDelayMs = policy?.retryDelayMs ?? plugin.retryDelayMs ?? options.retryDelayMs;
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
        signal: control.signal,
        stopping: control.stopping,
      },
    );
  }

  get #tenant(): TenantId {
    return this.run.tenant;
  }

  get #interrupted(): boolean {
    return this.control.stopping() || this.control.signal.aborted;
  }

  async work(): Promise<void> {
    this.#heartbeat = setInterval(() => void this.#beat(), this.options.heartbeatMs);
    if (this.run.filling) await this.#filler.take();
    for (;;) {
      await forEachBounded(this.#claimed(), this.options.concurrency, async ({ item, record }) => {
        const outcome = await this.#processItem(item, record);
        if (outcome === undefined) return;
        this.#pending.push(outcome);
        if (this.#pending.length >= this.options.flushSize) await this.#flush();
      });
      // Outcomes of the last items: when some of them conflicted, their items are New again, to be claimed here.
      const requeued = this.#requeued;
      await this.#flush();
      if (this.#requeued === requeued || this.#interrupted) return;
    }
  }

  /** Flushes outcomes, releases what was left unprocessed, and finishes the run when nothing is left. */
  async end(): Promise<void> {
    clearInterval(this.#heartbeat);
    const interrupted = this.#interrupted;
    await this.#filler.stop(interrupted);
    await this.#flush();
    const { runs, now } = this.deps;
    const released = await runs.release(this.#tenant, this.run.id, this.owner);
    if (released > 0) this.logger.info({ released }, 'released unfinished items');
    if (interrupted) return;
    const run = await runs.get(this.#tenant, this.run.id);
    if (run === undefined || isFinalRunStatus(run.status) || run.filling || finalStatusFor(run.counts, run.open) === undefined) return;
    // A whole invocation's own results were stored with its item; finish keeps them over this summary.
    const results = await this.#summary(run);
    const at = now();
    const finished = await runs.finish(this.#tenant, this.run.id, results ?? {}, at);
    // Two sessions may reach the end together; the one whose finish ended the run (its time stamped) reports it.
    if (finished !== undefined && isFinalRunStatus(finished.status) && finished.completedAt?.getTime() === at.getTime()) {
      this.logger.info({ status: finished.status, counts: finished.counts }, 'run finished');
      this.deps.onProgress(this.#tenant, this.run.id);
    }
  }

  async #summary(run: Run): Promise<Run['results']> {
    const errors = await this.deps.runs.itemErrors(this.#tenant, run.id, 5);
    const failures = Object.entries(errors).map(([csid, message]) => ({ csid, message }));
    const { processed, affected, failed } = run.counts;
    return this.deps.invocations.summarize(this.prepared, { processed, affected, failed }, failures);
  }

  async #beat(): Promise<void> {
    try {
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
      for (const seq of lost) {
        this.#lost.add(seq);
        this.#held.get(seq)?.abort(takenOver());
      }
      if (lost.length > 0) this.logger.warn({ lost: lost.length }, 'items whose lease was lost were stopped; their outcomes are dropped');
    };
    this.#renewing ??= renew().finally(() => (this.#renewing = undefined));
    return this.#renewing;
  }

  /** Writes buffered outcomes (with their items' store writes); writes are chained so they never overlap. */
  #flush(): Promise<void> {
    const write = async () => {
      if (this.#pending.length === 0) return;
      const batch = this.#pending.splice(0, this.#pending.length);
      const { written, requeued } = await this.deps.runs.complete(this.#tenant, this.run.id, this.owner, batch, this.deps.now());
      this.#requeued += requeued;
      if (requeued > 0) this.logger.info({ requeued }, 'items whose store writes conflicted go back to run again');
      const dropped = batch.length - written - requeued;
      if (dropped > 0) this.logger.warn({ dropped }, 'outcomes (and store writes) of items no longer held here were dropped');
      this.deps.onProgress(this.#tenant, this.run.id);
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }

  /** Claimed items with their records, batch by batch, until nothing is left to claim here. */
  async *#claimed(): AsyncGenerator<{ item: RunItem; record: StoredRecord | undefined }> {
    const { runs, now } = this.deps;
    const { signal, stopping } = this.control;
    while (!signal.aborted && !stopping()) {
      const at = now();
      const claimed = await runs.claim(this.#tenant, this.run.id, {
        owner: this.owner,
        limit: this.options.batchSize,
        leaseMs: this.options.leaseMs,
        now: at,
      });
      if (claimed.length === 0) {
        // Items another (dead) worker still holds come back when their lease expires: wait for that.
        const requeued = this.#requeued;
        await this.#flush();
        if (this.#requeued > requeued) continue;
        const run = await runs.get(this.#tenant, this.run.id);
        if (run === undefined || isFinalRunStatus(run.status) || run.open) return;
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
      for (const item of claimed) yield { item, record: found.get(item.key) };
      await yieldToIo();
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

  /** The item's outcome, or `undefined` when it was interrupted (it is then released, not failed) or taken over. */
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
    return this.control.signal.aborted || this.#lost.has(item.seq);
  }

  /**
   * Tries the item until it succeeds or its retries are spent. Each attempt's store writes are staged apart and
   * sealed when it settles: a completed attempt's go with the outcome, a failed one's are discarded.
   */
  async #attempts(item: RunItem, record: StoredRecord | undefined): Promise<ItemOutcome | undefined> {
    if (this.#perRecord && record === undefined) {
      return { seq: item.seq, status: 'Failed', error: `Record '${item.key}' was not found`, errorCode: 'NOT_FOUND' };
    }
    for (let attempt = 0; ; attempt += 1) {
      // After a stall past the lease, another worker may have the item: never start it without knowing.
      if (this.deps.now().getTime() >= this.#leasesHoldUntil) await this.#renew();
      if (this.#stopped(item)) return undefined;
      const info = this.#itemInfo(item, attempt);
      const records = this.deps.invocations.stagedRecords(this.prepared, info, record);
      const scope: PluginScope = { records, item: info };
      const controller = new AbortController();
      this.#held.set(item.seq, controller);
      try {
        const outcome = record !== undefined ? await this.#runItem(item, record, scope, controller) : await this.#runWhole(item, scope, controller);
        const writes = records.seal();
        return writes === undefined ? outcome : { ...outcome, writes };
      } catch (err) {
        records.seal();
        if (this.#stopped(item)) return undefined;
        const rejected = err instanceof DomainError && err.code === 'PLUGIN_REJECTED';
        if (rejected || attempt >= this.#retries) {
          return {
            seq: item.seq,
            status: 'Failed',
            error: err instanceof Error ? err.message : String(err),
            errorCode: err instanceof DomainError ? err.code : 'PLUGIN_FAILED',
          };
        }
        this.logger.debug({ key: item.key, attempt: attempt + 1, err }, 'item failed, retrying');
        this.#held.set(item.seq, undefined);
        await abortable(retryDelayMs(attempt + 1, this.#retryDelayMs), this.control.signal);
      }
    }
  }

  async #runItem(item: RunItem, record: StoredRecord, scope: PluginScope, controller: AbortController): Promise<ItemOutcome> {
    this.#executeItem ??= this.deps.invocations.itemExecutor(this.prepared, this.control.signal);
    const result = await this.#executeItem(record, scope, controller);
    return { seq: item.seq, status: 'Completed', affected: result.affected !== false, ...(result.note !== undefined && { note: itemNote(result.note) }) };
  }

  async #runWhole(item: RunItem, scope: PluginScope, controller: AbortController): Promise<ItemOutcome> {
    const result = await this.deps.invocations.execute(this.prepared, scope, this.control.signal, controller);
    return {
      seq: item.seq,
      status: 'Completed',
      affected: (result.numAffected ?? 0) > 0,
      ...(result.userNote !== undefined && { note: itemNote(result.userNote) }),
      results: result,
    };
  }
}
