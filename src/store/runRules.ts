/**
 * Engine-neutral rules of the run store: the checks both engines make before writing, and their errors, so
 * SQLite and MongoDB refuse the same things with the same codes and words.
 */
import { DomainError, quoted, ValidationError } from '../domain/errors.js';
import { isFinalRunStatus, ITEM_MAX_CONFLICTS, MAX_FOLLOWED_RUNS, type Run, type RunCounts, type RunId, type RunResults } from '../domain/runs.js';
import type { RunLogEntry } from '../domain/runLog.js';
import type { FinishWith, ItemOutcome, ItemWrites, NewRun } from './runTypes.js';

/** Keys must be non-blank and distinct; answers them unchanged. */
export function checkItemKeys(keys: readonly string[]): readonly string[] {
  const seen = new Set<string>();
  for (const key of keys) {
    if (typeof key !== 'string' || key.trim() === '') throw new ValidationError('An item key must be a non-empty string');
    if (seen.has(key)) throw duplicateItem(key);
    seen.add(key);
  }
  return keys;
}

/** A new run's `posted`: its keys, or for a filling run the count it expects once filled, if more. */
export function initialPosted(run: Pick<NewRun, 'filling' | 'expectedItems'>, keyCount: number): number {
  return run.filling === true ? Math.max(keyCount, run.expectedItems ?? 0) : keyCount;
}

/** How a doc type is compared (as `forDocTypes` are: in any case); `null` for a run without one. */
export function docTypeKey(docType: string | undefined): string | null {
  const key = docType?.trim().toLowerCase();
  return key === undefined || key === '' ? null : key;
}

/** The explicit `after` runs of a new run the store did not find in its tenant: an error naming them. */
export function unknownFollowed(missing: readonly string[]): DomainError {
  const names = missing.map(quoted).join(', ');
  return new DomainError('NOT_FOUND', `A run to follow was not found in this tenant: ${names}`, [
    { path: 'invocationContext/after/runId', message: `no run ${names} in this tenant` },
  ]);
}

/** What a new run follows: `after` as given, then the runs its tenant's order adds, each once, at most `MAX_FOLLOWED_RUNS`. */
export function followedRuns(after: readonly string[], ordered: readonly string[]): RunId[] {
  const all = [...new Set([...after, ...ordered])] as RunId[];
  if (all.length > MAX_FOLLOWED_RUNS) {
    // Mostly the tenant's order's doing (many active runs of earlier doc types): a conflict with the state, not bad input.
    throw new DomainError('CONFLICT', `A run may follow at most ${MAX_FOLLOWED_RUNS} runs; this one would follow ${all.length}`, [
      { path: 'invocationContext/after', message: `more than ${MAX_FOLLOWED_RUNS} runs (those named, and active runs of earlier doc types)` },
    ]);
  }
  return all;
}

export function duplicateItem(key: string): DomainError {
  return new DomainError('CONFLICT', `The run already lists ${quoted(key)}; each record may appear once`, [
    { path: 'items', message: `${quoted(key)} is repeated` },
  ]);
}

export function assertAcceptsItems(run: Pick<Run, 'id' | 'open' | 'status'>): void {
  if (!run.open) throw new DomainError('CONFLICT', `Run '${run.id}' is closed: it accepts no more items`);
  if (isFinalRunStatus(run.status)) throw new DomainError('CONFLICT', `Run '${run.id}' has finished (${run.status})`);
}

export function assertCancellable(run: Pick<Run, 'id' | 'status'>): void {
  if (isFinalRunStatus(run.status)) {
    throw new DomainError('CONFLICT', `Run '${run.id}' has already finished (${run.status}) and cannot be cancelled`);
  }
}

export function assertRerunnable(run: Pick<Run, 'id' | 'status' | 'rerunnable'>): void {
  if (!run.rerunnable) {
    throw new DomainError('CONFLICT', `Run '${run.id}' cannot be rerun: its plugin does not allow reruns`);
  }
  if (!isFinalRunStatus(run.status)) {
    throw new DomainError('CONFLICT', `Run '${run.id}' is still ${run.status}; only a finished run can be rerun`);
  }
}

/** 16 KiB: a plugin's ordinary results stay inline, a long report or a big extra field does not. */
/** Whether the run's counters are those `completeAndFinish` was told to finish it at. */
export function countsAre(counts: RunCounts, expected: FinishWith['counts']): boolean {
  return (
    counts.posted === expected.posted && counts.processed === expected.processed && counts.failed === expected.failed && counts.affected === expected.affected
  );
}

export const DEFAULT_RESULTS_INLINE_LIMIT = 16_384;

/** Results as both engines store them: their JSON, its size in UTF-8 bytes, and whether that is past `inlineLimit`. */
export function resultsToStore(results: RunResults, inlineLimit: number): { json: string; size: number; apart: boolean } {
  const json = JSON.stringify(results);
  const size = Buffer.byteLength(json, 'utf8');
  return { json, size, apart: size > inlineLimit };
}

/** The writes `complete` applies with `outcome`: a `Completed` item's, if it made any (a failed item leaves no trace). */
export function writesToApply(outcome: ItemOutcome): ItemWrites | undefined {
  const { writes } = outcome;
  if (outcome.status !== 'Completed' || writes === undefined) return undefined;
  const count = writes.creates.length + writes.updates.length + writes.relations.length + writes.deletes.length;
  return count > 0 ? writes : undefined;
}

/** Thrown by an engine applying an item's writes when one conflicts; the item's writes are then rolled back. */
export class WriteConflict extends Error {
  override readonly name = 'WriteConflict';
}

export function changedRecord(csid: string): WriteConflict {
  return new WriteConflict(`Record '${csid}' was changed or deleted by someone else while the item ran`);
}

export function goneRecord(csid: string): WriteConflict {
  return new WriteConflict(`Record '${csid}' was deleted by someone else while the item ran`);
}

/** What a conflict makes of an item that had conflicted `before` times: `New` again, or `Failed` at the limit. */
export function afterConflict(before: number, conflict: WriteConflict): { conflicts: number; status: 'New' | 'Failed'; error: string | null; errorCode: string | null } {
  const conflicts = before + 1;
  if (conflicts < ITEM_MAX_CONFLICTS) return { conflicts, status: 'New', error: null, errorCode: null };
  return { conflicts, status: 'Failed', error: `${conflict.message} (${conflicts} conflicting attempts)`, errorCode: 'CONFLICT' };
}

/** The log lines of the outcomes of one `complete` that were written (or requeued), kept in outcome order. */
export class LogBatch {
  readonly entries: RunLogEntry[] = [];
  dropped = 0;

  add(outcome: ItemOutcome): void {
    if (outcome.log !== undefined) this.entries.push(...outcome.log);
    this.dropped += outcome.logDropped ?? 0;
  }
}
