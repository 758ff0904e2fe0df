/**
 * Storage of runs and their items (see `src/domain/runs.ts` for the model and its state machines). Engines
 * implement it in `sqlite/SqliteRunStore.ts` and `mongo/MongoRunStore.ts` and pass `test/store/runStoreConformance.ts`.
 *
 * Exactly-once completion is built here, not in Agenda: an item is claimed with a lease (owner + expiry), and a
 * final status is only written while the writer still holds the item (same owner, still `Processing`). A worker
 * whose lease expired and was taken over by another finds its write refused and must drop the outcome.
 *
 * Exactly-once store effects ride on the same write: what a plugin wrote through `ctx.records` for an item is
 * staged in memory (`ItemWrites`) and applied by `complete` with the item's outcome, under the same lease check,
 * in the same transaction, or not at all.
 */
import type { Page, Paging } from '../domain/paging.js';
import type { RunLogEntry, RunLogLine, RunLogQuery, RunLogSummary } from '../domain/runLog.js';
import type { ItemRecord, RecordRun } from '../domain/recordItems.js';
import type { AfterFailure, ItemStatus, Run, RunCounts, RunId, RunInvocation, RunItem, RunResults, RunStatus } from '../domain/runs.js';
import type { RecordFields, Relation, TenantId } from '../domain/types.js';

export interface NewRun {
  definitionCsid: string;
  definitionName: string;
  invocation: RunInvocation;
  createdBy: string;
  /** Accepts more items until closed. @defaultValue false */
  open?: boolean;
  /**
   * The keys given to `create` are only the first: a worker queues the rest with `fill`, and `endFill` says when
   * it is done. `posted` starts at `expectedItems` meanwhile. @defaultValue false
   */
  filling?: boolean;
  /** A filling run's expected item count, shown as `posted` until filling ends. @defaultValue the keys' count */
  expectedItems?: number;
  /** @defaultValue true */
  rerunnable?: boolean;
  /**
   * Runs it must follow, by id: each must be stored in the run's tenant (else `create` throws NOT_FOUND naming
   * those that are not). @defaultValue none
   */
  after?: readonly string[];
  /**
   * Doc types that come before the run's own (`invocation.docType`) in its tenant's order, in any case: the run also
   * follows every run of these doc types that is active in the tenant when it is stored. @defaultValue none
   */
  afterDocTypes?: readonly string[];
  /** @defaultValue 'fail' */
  afterFailure?: AfterFailure;
}

export interface RunQuery {
  status?: RunStatus;
  /** Only `Queued` and `InProgress` runs (combined with `status`, if given). */
  activeOnly?: boolean;
  /** Runs started by this user. */
  createdBy?: string;
  definitionCsid?: string;
  /** Created at or after. */
  createdFrom?: Date;
  /** Created strictly before. */
  createdTo?: Date;
  /** Newest first. */
  paging: Paging;
}

export interface ItemQuery {
  status?: ItemStatus;
  /** In posting order. */
  paging: Paging;
}

export interface ClaimOptions {
  /** Who claims: written on each item, checked on its final write. */
  owner: string;
  /** At most this many items. */
  limit: number;
  /** The lease ends at `now + leaseMs`. */
  leaseMs: number;
  now: Date;
  /**
   * Items whose lease expired this many times without an outcome (their worker stopped while holding them: a crash,
   * or a stall past the lease) are recorded Failed (`WORKER_STOPPED`) instead of being claimed again, so no item
   * can crash workers forever. `ITEM_MAX_CRASHES` @defaultValue no limit
   */
  maxCrashes?: number;
  /**
   * Whether to look for expired leases (crash suspects) before `New` items. The look reads every `Processing` item of
   * the run, which costs more than a no-op item when hundreds are in flight, so a worker looks about once a second
   * and whenever no `New` item is left, not at every claim. @defaultValue true
   */
  takeOver?: boolean;
}

/**
 * The store writes a plugin made while working on one item, kept out of the store until the item's outcome is
 * written (see `src/services/stagedRecords.ts`). All of them are applied, or none.
 */
export interface ItemWrites {
  /** Who creates and updates: the user who started the run. */
  actor: string;
  /** New records, their csids chosen when staged. A csid the store has already is skipped: a replayed item. */
  creates: Array<{ csid: string; docType: string; fields: RecordFields }>;
  /** Records whose fields become `fields`; a conflict unless the record is still at `expectedRevision`. */
  updates: Array<{ csid: string; fields: RecordFields; expectedRevision: number }>;
  /** New relations (a csid the store has already is skipped); a conflict unless both records exist. */
  relations: Array<{ csid: string; relation: Relation }>;
  /** Records deleted with their relations; a conflict unless the record is still at `expectedRevision`. */
  deletes: Array<{ csid: string; expectedRevision: number }>;
}

/** The final outcome of one claimed item. */
export interface ItemOutcome {
  seq: number;
  status: 'Completed' | 'Failed';
  error?: string;
  errorCode?: string;
  /**
   * A whole invocation's results, stored with its item's final write (so under the same lease check) and kept by
   * `finish`: whichever worker finishes the run, it ends with the plugin's results.
   */
  results?: RunResults;
  note?: string;
  affected?: boolean;
  /**
   * What the plugin wrote for this item: applied with a `Completed` outcome, atomically with it, never with a
   * `Failed` one (a failed item leaves no trace in the store). See `RunStore.complete` for conflicts.
   */
  writes?: ItemWrites;
  /**
   * What the plugin logged for this item (`ctx.log`), clipped (see `clipLogEntry`): kept with the outcome when it is
   * written or the item goes back to `New` after a conflict, up to the run's limit (`RunStoreOptions.logLines`).
   */
  log?: RunLogEntry[];
  /** Lines the item logged past `ITEM_LOG_LINES`, counted in the run's dropped lines. */
  logDropped?: number;
}

/** What `RunStore.complete` did with a batch of outcomes. */
export interface CompleteResult {
  /** Items whose final status was written (their writes applied), a third conflict's `Failed` included. */
  written: number;
  /** Items put back to `New` because their writes conflicted: they are to be claimed and run again. */
  requeued: number;
}

/** What `RunStore.startAndClaim` answers: the run as it stood when the claim was made, and the items claimed. */
export interface StartedClaim {
  /** `undefined` when there is no such run (then nothing was claimed). */
  run: Run | undefined;
  items: RunItem[];
}

/** What `RunStore.createAndClaim` answers: the run as it stood for the claim, and the items claimed. */
export interface CreatedClaim {
  run: Run;
  items: RunItem[];
}

/**
 * How a worker that writes what it expects to be a run's last outcomes would finish it (`RunStore.completeAndFinish`):
 * the counters the run should then have, and the results worded from them.
 */
export interface FinishWith {
  counts: Pick<RunCounts, 'posted' | 'processed' | 'failed' | 'affected'>;
  results: RunResults;
}

/** What `RunStore.completeAndFinish` did: the outcomes written, and the run when this call finished it. */
export interface CompleteAndFinishResult extends CompleteResult {
  finished?: Run;
}

export interface RunStoreOptions {
  /**
   * Results whose JSON passes this many bytes are stored apart from their run, which then only carries their
   * size, so reading and listing runs stays cheap. `RUN_RESULTS_INLINE_LIMIT` @defaultValue 16384 (`DEFAULT_RESULTS_INLINE_LIMIT`)
   */
  resultsInlineLimit?: number;
  /** Log lines one run keeps; later ones are only counted. `RUN_LOG_LINES` @defaultValue 10000 (`DEFAULT_RUN_LOG_LINES`) */
  logLines?: number;
}

export interface RunStore {
  /**
   * A new run with one `New` item per key (keys distinct), in one transaction: `Queued`, or as `waitDecision` says
   * when it follows runs (`after`, `afterDocTypes`, decided on their statuses in the same transaction on SQLite).
   * @throws DomainError NOT_FOUND when a run of `after` is not stored in the tenant; CONFLICT past `MAX_FOLLOWED_RUNS`
   */
  create(tenant: TenantId, run: NewRun, keys: readonly string[], now: Date): Promise<Run>;
  /**
   * Takes (or renews) the lease on filling an active, filling run until `until`: granted when no one holds it,
   * its holder's lease expired, or `owner` already holds it.
   */
  claimFill(tenant: TenantId, id: string, owner: string, until: Date, now: Date): Promise<boolean>;
  /**
   * Appends `keys` after the run's items, in order, while `owner` holds the fill lease (renewed to `until`); answers
   * how many were added, or `undefined` when `owner` no longer fills an active run (stop filling). The caller passes
   * keys the run does not have (the filler resumes after the run's last items): the store need not look them up.
   */
  fill(tenant: TenantId, id: string, owner: string, keys: readonly string[], until: Date, now: Date): Promise<number | undefined>;
  /** Filling is over (when `owner` holds the fill): `posted` becomes the run's item count. Answers the run. */
  endFill(tenant: TenantId, id: string, owner: string): Promise<Run | undefined>;
  get(tenant: TenantId, id: string): Promise<Run | undefined>;
  /** The run's status alone (`undefined` when not found): a cheap read for a worker that looks often whether to go on. */
  status(tenant: TenantId, id: string): Promise<RunStatus | undefined>;
  list(tenant: TenantId, query: RunQuery): Promise<Page<Run>>;
  listItems(tenant: TenantId, id: string, query: ItemQuery): Promise<Page<RunItem>>;
  /**
   * Appends items to an open, unfinished run; `undefined` when there is no such run.
   * @throws DomainError CONFLICT when the run is closed or finished, or a key is already in the run or repeated
   */
  addItems(tenant: TenantId, id: string, keys: readonly string[], now: Date): Promise<Run | undefined>;
  /**
   * Creates `records` (with their files) by `actor` and appends one item per record (its csid the key) to an open,
   * unfinished run, as one step: on SQLite one transaction; on MongoDB without one, records first, then the items
   * as `addItems` adds them, so no item is ever without its record. A record whose csid is already stored is kept
   * as it is (a retry converging, see `documentItemCsid`); on MongoDB the records this call created are deleted
   * again when the items are refused. `undefined` when there is no such run.
   * @throws DomainError CONFLICT when the run is closed or finished, or a csid is already an item of the run
   */
  addRecordItems(tenant: TenantId, id: string, records: readonly ItemRecord[], actor: string, now: Date): Promise<Run | undefined>;
  /**
   * The runs of the tenant with an item for record `csid`, newest run first, with the item's status: found through
   * the tenant's runs, each probed in an index on its item keys.
   */
  recordRuns(tenant: TenantId, csid: string, paging: Paging): Promise<Page<RecordRun>>;
  /** Stops accepting items (idempotent); `undefined` when there is no such run. */
  close(tenant: TenantId, id: string, now: Date): Promise<Run | undefined>;
  /** `Queued` → `InProgress` (setting `startedAt` the first time); any other status is left alone. */
  start(tenant: TenantId, id: string, now: Date): Promise<Run | undefined>;
  /**
   * Atomically leases claimable items of an active run. A `Processing` item whose lease expired (its worker died
   * or stalled while holding it) is a crash suspect: it is taken over alone, as the only item of its claim, so the
   * worker can try it on its own and a crash is charged to it and nothing else (see `isCrashSuspect`); past
   * `maxCrashes` such items are failed instead. With no suspect, up to `limit` `New` items are leased. Each claim
   * adds one attempt. A final item is never claimed again. Nothing is claimed from a run that is not
   * `Queued`/`InProgress`, checked atomically with the claim: once `cancel` has answered, no claim in any process
   * hands out an item of the run.
   */
  claim(tenant: TenantId, id: string, options: ClaimOptions): Promise<RunItem[]>;
  /**
   * `start`, then `claim` with `options`, in one transaction on SQLite (on MongoDB one after the other), answering
   * the run as it stood when the claim was made: a worker taking a run up claims its first items in the same call,
   * and from the run's counters knows whether that claim took every item left.
   */
  startAndClaim(tenant: TenantId, id: string, now: Date, options: ClaimOptions): Promise<StartedClaim>;
  /**
   * `create`, then, when the run is stored `Queued`, `startAndClaim` at `claim.now` (crash suspects are never looked
   * for: a new run has none), in one transaction on SQLite (on MongoDB one after the other), answering the run as it
   * stood for the claim: a process that takes a run up the moment it stores it makes one store call instead of two.
   * A run stored otherwise (`Waiting`, or `Failed` by its rule) is answered as `create` answers it, with no item.
   * @throws as `create` does
   */
  createAndClaim(tenant: TenantId, run: NewRun, keys: readonly string[], claim: ClaimOptions): Promise<CreatedClaim>;
  /**
   * Extends the leases `owner` holds in the run to `until`; answers the seqs of the items it holds, so a worker
   * learns which items another worker took over (it must stop them and drop their outcomes).
   */
  renewLeases(tenant: TenantId, id: string, owner: string, until: Date): Promise<number[]>;
  /**
   * Writes final item statuses, the items' store writes and the run's counters in one transaction (on MongoDB
   * without transactions, see `MongoRunStore.complete`). Only items still `Processing` under `owner` change; the
   * others (taken over by another worker, or `Cancelled` by the run's cancel) are skipped, their writes dropped. A `Completed` outcome's writes are applied with it; when they
   * conflict (a record updated or deleted is no longer at the revision the item read, or a related record is
   * gone) none of them is, and the item goes back to `New` (attempt kept), or after `ITEM_MAX_CONFLICTS`
   * conflicts ends `Failed` with errorCode `CONFLICT`. Written records are stamped with `now`.
   */
  complete(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], now: Date): Promise<CompleteResult>;
  /**
   * `complete`, then `finish` with `finishWith.results` when the run's counters are then exactly `finishWith.counts`
   * (otherwise it is left as `complete` left it), in one transaction on SQLite; on MongoDB one after the other, the
   * counters taken from the items as `finish` takes them. For a worker that holds what it expects to be the run's
   * last items: one store call instead of a `complete` and a `finish`, with the same effects.
   */
  completeAndFinish(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], finishWith: FinishWith, now: Date): Promise<CompleteAndFinishResult>;
  /** Gives the `Processing` items `owner` holds back as `New` (attempt not counted), e.g. on shutdown. */
  release(tenant: TenantId, id: string, owner: string): Promise<number>;
  /** Earliest lease expiry among the run's `Processing` items (those of `exceptOwner` left out), if any. */
  nextLeaseExpiry(tenant: TenantId, id: string, exceptOwner?: string): Promise<Date | undefined>;
  /**
   * The run with its counters as its items give them, for deciding whether it is done (not stored: `finish` stores
   * them). MongoDB increments a run's counters after the item writes they count, so a crash or a failed write in
   * between leaves them behind for good; SQLite writes both in one transaction, so there this is `get`.
   */
  recount(tenant: TenantId, id: string): Promise<Run | undefined>;
  /**
   * Moves an `InProgress` (or `Queued`) run with no work left to `Completed`/`CompletedWithErrors` with its
   * results; answers the run (unchanged when it still has work, is open or filling, or is no longer active).
   */
  finish(tenant: TenantId, id: string, results: RunResults, now: Date): Promise<Run | undefined>;
  /**
   * The results a run finished with, whether inlined in the run or stored apart (see `RunStoreOptions`);
   * `undefined` when there is no such run or it has no results.
   */
  results(tenant: TenantId, id: string): Promise<RunResults | undefined>;
  /**
   * A `Waiting` run whose followed runs are all over becomes `Queued`, or `Failed` under its rule (`waitDecision`),
   * in one atomic step; any other run is answered as it is. `undefined` when not found.
   */
  resolveWait(tenant: TenantId, id: string, now: Date): Promise<Run | undefined>;
  /** The runs this one follows that are still active, in its `after` order (none when not found). */
  waitingFor(tenant: TenantId, id: string): Promise<RunId[]>;
  /** The `Waiting` runs that follow this one: to be woken once it ends. */
  followers(tenant: TenantId, id: string): Promise<RunId[]>;
  /** Who created each of these runs of the tenant (an unknown or purged one is absent): whose ids a viewer may see. */
  creators(tenant: TenantId, ids: readonly string[]): Promise<Map<RunId, string>>;
  /** An active run → `Failed` with `statusText`. */
  fail(tenant: TenantId, id: string, statusText: string, now: Date): Promise<Run | undefined>;
  /**
   * An active run → `Cancelled`, and in the same atomic step every item of it not final (`New`, and `Processing`
   * under any owner) → `Cancelled`, counted in `counts.cancelled` (a filler's lease is dropped: a rerun fills
   * again); `undefined` when not found.
   * @throws DomainError CONFLICT when the run already finished
   */
  cancel(tenant: TenantId, id: string, now: Date): Promise<Run | undefined>;
  /**
   * A finished run → `Queued` again (or, when it follows runs, what `waitDecision` says now): every item back to `New` with counters reset, or (`onlyFailed`) the items
   * that did not complete (`Failed` and `Cancelled`) only, the completed ones kept. Attempts restart. `undefined`
   * when not found.
   * @throws DomainError CONFLICT when the run is still active or not rerunnable
   */
  rerun(tenant: TenantId, id: string, options: { onlyFailed: boolean }, now: Date): Promise<Run | undefined>;
  /**
   * A page of what plugins logged on the run, in the order it was kept, with the run's kept and dropped counts;
   * `undefined` when not found. A rerun clears it; it goes with the run.
   */
  log(tenant: TenantId, id: string, query: RunLogQuery, paging: Paging): Promise<(Page<RunLogLine> & RunLogSummary) | undefined>;
  /** Up to `limit` failed items' errors, by key. */
  itemErrors(tenant: TenantId, id: string, limit: number): Promise<Record<string, string>>;
  /** Every `Queued`/`InProgress` run of every tenant, for workers to resume after a restart. */
  listActive(): Promise<Array<{ tenant: TenantId; id: RunId }>>;
  /** Deletes finished runs (and their items) completed before `before`; answers how many runs. */
  purge(before: Date): Promise<number>;
}
