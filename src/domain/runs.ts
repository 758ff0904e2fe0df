/**
 * Runs: one background invocation of a definition, with one item per record it acts on.
 *
 * Glossary
 * - **run**: a definition invoked in the background (CollectionSpace "batch job" run asynchronously). It holds
 *   the invocation context as sent, who started it, timestamps, a status, counts and the invocation results.
 * - **item**: one unit of work of a run: one record for a per-record plugin, or the whole invocation (key
 *   `WHOLE_INVOCATION_KEY`) for a plugin that handles the context at once. Items succeed or fail on their own.
 * - **lease**: a worker's claim on an item (owner + expiry). A lease that expires before the item reaches a
 *   final status makes the item claimable again; a final write only applies while the writer holds the lease.
 * - **open run**: a run that still accepts items (`POST /runs/{id}/items`); it cannot complete until closed.
 * - **filling run**: a big run whose first items were stored with it while a worker queues the rest from its
 *   context, chunk by chunk, so its first item starts at once; it cannot complete until filling ends.
 * - **followed run**: a run another one must follow (`Run.after`): named by the request (`after`), or an active run
 *   of an earlier doc type in the tenant's order (`RUN_ORDER`) when the run was posted. Only runs that exist when a
 *   run is stored (or rerun) can be followed, so following never makes a cycle: it always points back in time.
 *
 * Run status machine
 * ```
 *   Waiting ──every followed run ended (or ended failing, rule `start`)──▶ Queued
 *     │  └──────a followed run ended Failed or Cancelled (rule `fail`)────▶ Failed
 *     └──────────────────────────cancel─────────────────────────────────▶ Cancelled
 *   Queued ──start──▶ InProgress ──last item final──▶ Completed | CompletedWithErrors
 *     │                  │ └──────run-level error─────▶ Failed
 *     └────cancel────────┴──────────cancel───────────▶ Cancelled
 *   Completed | CompletedWithErrors | Failed | Cancelled ──rerun──▶ Queued | Waiting | Failed (as when created)
 *   (created) ──▶ Waiting while a followed run is active, else Queued, or Failed by the rule `fail`
 * ```
 * - `Waiting`: it follows runs of which one at least is still active (`Queued`, `Waiting` or `InProgress`). Nothing
 *   is claimed; items may be added while it is open; it can be cancelled. When the last one ends, a worker is woken
 *   for it (`waitDecision` says what it becomes). `CompletedWithErrors` counts as ended well: its items were processed.
 * - `Queued`: created, no worker has started it. Items may be added while the run is open.
 * - `InProgress`: a worker claims and processes items. An open run stays here while idle.
 * - `Completed`: closed, every item processed, none failed. `CompletedWithErrors`: at least one failed.
 * - `Failed`: the run as a whole could not proceed (its definition or plugin is gone); items keep their state.
 * - `Cancelled`: in the same store step, every item not final (`New`, and `Processing` under any worker) became
 *   `Cancelled`: nothing is claimed any more, and an outcome a worker reports later for such an item is dropped.
 * - Final statuses forbid claims, added items and cancel; only rerun (whole, or failed items only) leaves them.
 *
 * Item status machine
 * ```
 *   New ──claim──▶ Processing ──final write by lease owner──▶ Completed | Failed
 *    │               │  ├──lease expired, claimed again alone (attempts + 1): a crash suspect
 *    │               │  └──lease expired for the ITEM_MAX_CRASHES-th time──▶ Failed (WORKER_STOPPED)
 *    │               ├──released (graceful shutdown)──▶ New
 *    └─run cancelled─┴──────────────────────────────────▶ Cancelled
 *   Completed | Failed | Cancelled ──rerun──▶ New      (failed-only rerun: Failed and Cancelled items only)
 *   Processing ──its writes conflict (see ITEM_MAX_CONFLICTS)──▶ New, or Failed (CONFLICT) the last time
 * ```
 * `Cancelled` is final like `Completed` and `Failed` (never claimed, no outcome written over it) but the item never
 * finished: a failed-only rerun queues it again.
 * Pure: no I/O here. Time-dependent rules take the clock reading as a parameter.
 */
import type { Brand, TenantId } from './types.js';

export type RunId = Brand<string, 'RunId'>;

export const RUN_STATUS = {
  Waiting: 'Waiting',
  Queued: 'Queued',
  InProgress: 'InProgress',
  Completed: 'Completed',
  CompletedWithErrors: 'CompletedWithErrors',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
} as const;
export type RunStatus = (typeof RUN_STATUS)[keyof typeof RUN_STATUS];
export const RUN_STATUSES: readonly RunStatus[] = Object.values(RUN_STATUS);

export const ITEM_STATUS = {
  New: 'New',
  Processing: 'Processing',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
} as const;
export type ItemStatus = (typeof ITEM_STATUS)[keyof typeof ITEM_STATUS];
export const ITEM_STATUSES: readonly ItemStatus[] = Object.values(ITEM_STATUS);

/**
 * How many times an item's store writes may conflict before it fails. A conflict: a record the item updated or
 * deleted changed (or went) since the item first read it, or a record it related went. The conflicting item's
 * writes are not applied; it goes back to `New` to run again with fresh reads, and its third conflict in one pass of
 * the run fails it with errorCode `CONFLICT`.
 */
export const ITEM_MAX_CONFLICTS = 3;

/** The one item of a run whose plugin handles the whole invocation at once. */
export const WHOLE_INVOCATION_KEY = '*';

export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  RUN_STATUS.Completed,
  RUN_STATUS.CompletedWithErrors,
  RUN_STATUS.Failed,
  RUN_STATUS.Cancelled,
];
/** Not final: the run still has something to do (it counts towards `MAX_ACTIVE_RUNS_PER_USER`). */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = [RUN_STATUS.Waiting, RUN_STATUS.Queued, RUN_STATUS.InProgress];
/** Active and not waiting: workers may claim its items. */
export const WORKING_RUN_STATUSES: readonly RunStatus[] = [RUN_STATUS.Queued, RUN_STATUS.InProgress];

export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

export function isItemStatus(value: unknown): value is ItemStatus {
  return typeof value === 'string' && (ITEM_STATUSES as readonly string[]).includes(value);
}

export function isFinalRunStatus(status: RunStatus): boolean {
  return FINAL_RUN_STATUSES.includes(status);
}

/**
 * Whether `run`, as a finish call stamped `at` answered it, was ended by that call: two sessions may reach a run's
 * end together, and only the finish whose time it bears ended it.
 */
export function finishedAt(run: Run | undefined, at: Date): run is Run {
  return run !== undefined && isFinalRunStatus(run.status) && run.completedAt?.getTime() === at.getTime();
}

export function isActiveRunStatus(status: RunStatus): boolean {
  return ACTIVE_RUN_STATUSES.includes(status);
}

/** Whether workers may claim the run's items: `Queued` or `InProgress` (not `Waiting`, not final). */
export function isWorkingRunStatus(status: RunStatus): boolean {
  return WORKING_RUN_STATUSES.includes(status);
}

export function isFinalItemStatus(status: ItemStatus): boolean {
  return status === ITEM_STATUS.Completed || status === ITEM_STATUS.Failed || status === ITEM_STATUS.Cancelled;
}

/** Every allowed run transition (see the header). */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  Waiting: [RUN_STATUS.Queued, RUN_STATUS.Failed, RUN_STATUS.Cancelled],
  Queued: [RUN_STATUS.InProgress, RUN_STATUS.Cancelled, RUN_STATUS.Failed],
  InProgress: [RUN_STATUS.Completed, RUN_STATUS.CompletedWithErrors, RUN_STATUS.Failed, RUN_STATUS.Cancelled],
  Completed: [RUN_STATUS.Queued, RUN_STATUS.Waiting, RUN_STATUS.Failed],
  CompletedWithErrors: [RUN_STATUS.Queued, RUN_STATUS.Waiting, RUN_STATUS.Failed],
  Failed: [RUN_STATUS.Queued, RUN_STATUS.Waiting, RUN_STATUS.Failed],
  Cancelled: [RUN_STATUS.Queued, RUN_STATUS.Waiting, RUN_STATUS.Failed],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/**
 * Counts of a run's items. `processed` = items that ended `Completed` or `Failed`; `failed` ⊆ `processed`;
 * `cancelled` = items the run's cancel ended (`Cancelled`), apart from `processed`.
 */
export interface RunCounts {
  /** Items posted so far (for an open run, it grows); while a run fills, the items its context is expected to give. */
  posted: number;
  processed: number;
  failed: number;
  /** Processed items whose plugin reported a change. */
  affected: number;
  cancelled: number;
}

/** Whole percent of posted items processed, rounded down so 100 means all; an empty run is 0 until it completes. */
export function percentCompleted(counts: Pick<RunCounts, 'posted' | 'processed'>, status?: RunStatus): number {
  if (counts.posted <= 0) return status === RUN_STATUS.Completed ? 100 : 0;
  return Math.min(100, Math.floor((counts.processed * 100) / counts.posted));
}

/**
 * The status a run reaches once it has no more work, or `undefined` while it has some: an open run, or one
 * with unprocessed items, is not finished.
 */
export function finalStatusFor(counts: RunCounts, open: boolean): RunStatus | undefined {
  if (open || counts.processed < counts.posted) return undefined;
  return counts.failed > 0 ? RUN_STATUS.CompletedWithErrors : RUN_STATUS.Completed;
}

/** The human status line of a run, from its status and counts. */
export function statusTextFor(status: RunStatus, counts: RunCounts, open = false, filling = false): string {
  const tally = `${counts.processed} of ${counts.posted} item(s) processed, ${counts.failed} failed`;
  switch (status) {
    case RUN_STATUS.Waiting:
      return `Waiting for the runs it follows to end (${counts.posted} item(s))`;
    case RUN_STATUS.Queued:
      if (open) return `Queued; accepting items (${counts.posted} posted)`;
      return filling ? `Queued; queuing ${counts.posted} item(s)` : `Queued (${counts.posted} item(s))`;
    case RUN_STATUS.InProgress:
      if (open) return `In progress, accepting items: ${tally}`;
      return filling ? `In progress, still queuing items: ${tally}` : `In progress: ${tally}`;
    case RUN_STATUS.Completed:
      return `Completed: ${tally}`;
    case RUN_STATUS.CompletedWithErrors:
      return `Completed with errors: ${tally}`;
    case RUN_STATUS.Failed:
      return `Failed: ${tally}`;
    case RUN_STATUS.Cancelled:
      return `Cancelled: ${tally}, ${counts.cancelled} cancelled`;
  }
}

/** When a finished run is purged, or `undefined` while it is not finished or retention is off (`retentionMs` ≤ 0). */
export function purgeAtFor(completedAt: Date | undefined, retentionMs: number): Date | undefined {
  if (completedAt === undefined || retentionMs <= 0) return undefined;
  return new Date(completedAt.getTime() + retentionMs);
}

/** Whether a lease still holds at `now`. */
export function leaseHeld(leaseExpiresAt: Date | undefined, now: Date): boolean {
  return leaseExpiresAt !== undefined && leaseExpiresAt.getTime() > now.getTime();
}

/**
 * Delay before retry number `attempt` (1-based) of an item: `baseMs` doubled per attempt, capped at `maxMs`.
 */
export function retryDelayMs(attempt: number, baseMs: number, maxMs = 60_000): number {
  if (baseMs <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * What a run does when a run it follows ends `Failed` or `Cancelled`: `fail` (it ends `Failed`, naming that run, and
 * its items never run) or `start` (it starts anyway). `RUN_AFTER_FAILURE` gives the default; a request may say.
 */
export const AFTER_FAILURE_RULES = ['fail', 'start'] as const;
export type AfterFailure = (typeof AFTER_FAILURE_RULES)[number];

export function isAfterFailure(value: unknown): value is AfterFailure {
  return typeof value === 'string' && (AFTER_FAILURE_RULES as readonly string[]).includes(value);
}

/** Most runs one run may follow: those the request names, and those the tenant's order adds. */
export const MAX_FOLLOWED_RUNS = 100;

/** A run another follows, with its status now (`undefined`: purged, long ended). */
export interface FollowedRun {
  id: RunId;
  status: RunStatus | undefined;
}

/** Of the followed runs, those still active (`Waiting`, `Queued`, `InProgress`), in order: what a run waits for. */
export function stillActive(followed: readonly FollowedRun[]): RunId[] {
  return followed.filter((run) => run.status !== undefined && isActiveRunStatus(run.status)).map((run) => run.id);
}

/** How a status text names a followed run (src/domain/runVisibility.ts unnames it for those who may not see it). */
export function followedRunLabel(id: string): string {
  return `run '${id}'`;
}

/** What a run that follows others is, given their statuses now. */
export type WaitDecision =
  | { status: typeof RUN_STATUS.Waiting; waitingFor: RunId[] }
  | { status: typeof RUN_STATUS.Queued }
  | { status: typeof RUN_STATUS.Failed; statusText: string };

/**
 * `Waiting` while a followed run is active; once none is, `Failed` naming the first followed run that ended `Failed`
 * or `Cancelled` under the rule `fail`, else `Queued`. Pure: both stores decide with it, in their write.
 */
export function waitDecision(followed: readonly FollowedRun[], rule: AfterFailure): WaitDecision {
  const active = stillActive(followed);
  if (active.length > 0) return { status: RUN_STATUS.Waiting, waitingFor: active };
  const failed = followed.find((run) => run.status === RUN_STATUS.Failed || run.status === RUN_STATUS.Cancelled);
  if (rule === 'fail' && failed !== undefined) {
    return { status: RUN_STATUS.Failed, statusText: `Failed: ${followedRunLabel(failed.id)}, which this run follows, ended ${failed.status}; its items were not run` };
  }
  return { status: RUN_STATUS.Queued };
}

/** The invocation context of a run, as the client sent it (kept for display and rerun). */
export interface RunInvocation {
  mode?: string;
  docType?: string;
  singleCSID?: string;
  groupCSID?: string;
  listCSIDs: string[];
  params: Array<{ key: string; value: string }>;
}

/** What an invocation answered, as stored on a finished run. */
export interface RunResults {
  numAffected?: number;
  userNote?: string;
  primaryURICreated?: string;
}

export interface Run {
  id: RunId;
  tenant: TenantId;
  definitionCsid: string;
  definitionName: string;
  invocation: RunInvocation;
  createdBy: string;
  createdAt: Date;
  startedAt?: Date;
  completedAt?: Date;
  status: RunStatus;
  statusText: string;
  /** Whether the run still accepts items. */
  open: boolean;
  /** Whether a worker is still queuing items from the run's context (see the glossary). */
  filling: boolean;
  /** Whether `rerun` is allowed (the plugin may forbid it). */
  rerunnable: boolean;
  counts: RunCounts;
  /** The results, when small enough to be inlined in the run (see `resultsStoredApart`). */
  results?: RunResults;
  /** Bytes of the results' JSON, once the run finished with results. */
  resultsSize?: number;
  /** The results passed the store's inline limit: `results` is absent, and `RunStore.results` reads them. */
  resultsStoredApart?: boolean;
  /** Times a rerun queued this run again. */
  reruns: number;
  /** The runs it follows (see the glossary), in the order given: the request's first, then those of the tenant's order. */
  after: RunId[];
  /** What it does when a run it follows ends `Failed` or `Cancelled` (see `waitDecision`). */
  afterFailure: AfterFailure;
}

export interface RunItem {
  runId: RunId;
  /** Position in the run, from 0, in posting order. */
  seq: number;
  /** The record csid, or `WHOLE_INVOCATION_KEY`. */
  key: string;
  status: ItemStatus;
  attempts: number;
  error?: string;
  /** The error's code (`PLUGIN_FAILED`, `PLUGIN_REJECTED`, `PLUGIN_TIMEOUT`, `NOT_FOUND`, …) when the item failed. */
  errorCode?: string;
  /** The item's own result note. */
  note?: string;
  affected?: boolean;
  updatedAt: Date;
}

/**
 * Whether a claimed item was taken over from a worker that stopped while holding it. Releases give back their
 * attempt, so an item claimed more than once without an outcome is one whose earlier claims all ended in a crash
 * or a stall past the lease. Such an item is claimed alone and must be tried alone.
 */
export function isCrashSuspect(item: Pick<RunItem, 'attempts' | 'status'>): boolean {
  return item.status === ITEM_STATUS.Processing && item.attempts > 1;
}

/** The error of an item failed because its workers kept stopping while they held it (`maxCrashes` times). */
export function workerStoppedError(maxCrashes: number): string {
  return `The worker stopped while processing this item ${maxCrashes} times (a crash, or a stall longer than its lease); it is not tried again`;
}

export const WORKER_STOPPED = 'WORKER_STOPPED';

/** A run's failed items as `key → error` (CollectionSpace-style `jobItemErrors`), at most `limit` of them. */
export function itemErrorMap(items: readonly RunItem[], limit = 100): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const item of items) {
    if (Object.keys(errors).length >= limit) break;
    if (item.status === ITEM_STATUS.Failed) errors[item.key] = item.error ?? 'failed';
  }
  return errors;
}
