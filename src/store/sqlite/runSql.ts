/**
 * SQL of the SQLite run store: fixed statements, and the list builders returning `{ text, values }` (the page
 * query ends with `LIMIT ? OFFSET ?`, bound by `StatementCache.page`).
 */
import { ACTIVE_RUN_STATUSES, FINAL_RUN_STATUSES, ITEM_STATUS, WORKING_RUN_STATUSES } from '../../domain/runs.js';
import type { ItemQuery, RunQuery } from '../runTypes.js';
import type { TenantId } from '../../domain/types.js';
import { ITEM_BY_KEY, ITEM_KEY_CHUNK, listSql, type ListSql } from './sql.js';

const RUN_COLUMNS = `id, tenant_id, definition_csid, definition_name, invocation, created_by, created_at, started_at,
  completed_at, status, status_text, open, filling, rerunnable, posted, processed, failed, affected, cancelled, results, results_size, reruns,
  follows, after_failure`;
const ITEM_COLUMNS = 'run_id, seq, item_key, status, attempts, error, error_code, note, affected, updated_at';

/** A status list as SQL, from the domain's: `('Queued', 'InProgress')`. */
export const sqlList = (statuses: readonly string[]) => `(${statuses.map((status) => `'${status}'`).join(', ')})`;
const ACTIVE = sqlList(ACTIVE_RUN_STATUSES);
const WORKING = sqlList(WORKING_RUN_STATUSES);
/**
 * For statements on Processing, Failed or Cancelled items, the only ones run_items_held (migration 20) holds. SQLite
 * uses a partial index only for a query that states the index's condition, hence `HELD` in each of them; without
 * the hint the planner walks the run's whole primary key (it holds every column, so needs no lookups).
 */
const BY_HELD = 'INDEXED BY run_items_held';
const HELD = "status NOT IN ('New', 'Completed')";
/**
 * Where a run's New items start: none is below its new_from, which every statement making an item New lowers
 * (release, a conflict, a rerun) and a claim raises past what it took; items are only ever added after the last.
 */
const NEW_FROM = (runId: string) => `(SELECT new_from FROM runs WHERE id = ${runId})`;
const FINAL = sqlList(FINAL_RUN_STATUSES);

export const RUN_SQL = {
  insertRun: `INSERT INTO runs (id, tenant_id, definition_csid, definition_name, invocation, created_by, created_at,
      started_at, completed_at, status, status_text, open, filling, rerunnable, posted, processed, failed, affected, doc_type_key,
      follows, after_failure)
    VALUES (@id, @tenantId, @definitionCsid, @definitionName, @invocation, @createdBy, @createdAt,
      @startedAt, @completedAt, @status, @statusText, @open, @filling, @rerunnable, @posted, 0, 0, 0, @docTypeKey, @follows,
      @afterFailure)`,
  endWait: `UPDATE runs SET status = @status, status_text = @statusText, completed_at = @completedAt
    WHERE id = @id AND status = 'Waiting'`,
  insertItem: `INSERT INTO run_items (run_id, seq, item_key, status, updated_at) VALUES (?, ?, ?, 'New', ?)`,
  // An item of a run stored with its first claim (`createAndClaim`): leased as `claimNew` leases it.
  insertClaimedItem: `INSERT INTO run_items (run_id, seq, item_key, status, owner, lease_expires_at, attempts, updated_at)
    VALUES (?, ?, ?, 'Processing', ?, ?, 1, ?)`,
  // One statement per chunk: numbered from @next in the keys' order (the filler passes only keys the run lacks).
  fillItems: `INSERT INTO run_items (run_id, seq, item_key, status, updated_at)
    SELECT @runId, @next + row_number() OVER (ORDER BY keys.key) - 1, keys.value, 'New', @now FROM json_each(@keys) AS keys`,
  // The first of @keys the run already has: one probe per chunk, up to the chunk of its last item (@lastSeq).
  firstKnownKey: `WITH RECURSIVE chunks(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM chunks WHERE n < ${ITEM_KEY_CHUNK('@lastSeq')})
    SELECT keys.value FROM json_each(@keys) AS keys WHERE EXISTS (SELECT 1 FROM run_items ${ITEM_BY_KEY}
      WHERE run_id = @runId AND ${ITEM_KEY_CHUNK('seq')} IN (SELECT n FROM chunks) AND item_key = keys.value)
    ORDER BY keys.key LIMIT 1`,
  claimFill: `UPDATE runs SET fill_owner = @owner, fill_lease_expires_at = @until
    WHERE id = @id AND tenant_id = @tenantId AND filling = 1 AND status IN ${ACTIVE}
      AND (fill_owner IS NULL OR fill_owner = @owner OR fill_lease_expires_at <= @nowMs)`,
  fillHeld: `SELECT 1 FROM runs WHERE id = @id AND tenant_id = @tenantId AND filling = 1 AND status IN ${ACTIVE}
    AND fill_owner = @owner`,
  filled: 'UPDATE runs SET posted = max(posted, ?), fill_lease_expires_at = ? WHERE id = ?',
  endFill: `UPDATE runs SET filling = 0, fill_owner = NULL, fill_lease_expires_at = NULL,
      posted = (SELECT count(*) FROM run_items WHERE run_id = @id)
    WHERE id = @id AND tenant_id = @tenantId AND filling = 1 AND fill_owner = @owner`,
  get: `SELECT ${RUN_COLUMNS} FROM runs WHERE id = ? AND tenant_id = ?`,
  // What the checks before a write read, leaving out the large columns (the invocation's csids, the results).
  state: 'SELECT status, open, rerunnable FROM runs WHERE id = ? AND tenant_id = ?',
  addPosted: 'UPDATE runs SET posted = posted + ? WHERE id = ?',
  close: 'UPDATE runs SET open = 0 WHERE id = ? AND tenant_id = ?',
  start: `UPDATE runs SET status = 'InProgress', started_at = coalesce(started_at, ?) WHERE id = ? AND tenant_id = ?
    AND status = 'Queued'`,
  // Items whose workers kept stopping while holding them: each expired claim was a crash (releases give attempts back).
  failCrashed: `UPDATE run_items ${BY_HELD}
    SET status = 'Failed', error = @error, error_code = @errorCode, owner = NULL, lease_expires_at = NULL, updated_at = @now
    WHERE run_id = @runId AND ${HELD} AND status = 'Processing' AND lease_expires_at <= @nowMs AND attempts >= @maxCrashes`,
  // One suspect at a time: taken over alone, so that a crash it causes is charged to it alone.
  claimExpired: `UPDATE run_items
    SET status = 'Processing', owner = @owner, lease_expires_at = @until, attempts = attempts + 1, updated_at = @now
    WHERE run_id = @runId AND seq = (
      SELECT seq FROM run_items ${BY_HELD} WHERE run_id = @runId AND ${HELD} AND status = 'Processing' AND lease_expires_at <= @nowMs
      ORDER BY seq LIMIT 1)
    RETURNING ${ITEM_COLUMNS}`,
  // The first New items from new_from on, along the primary key (the caller then raises new_from past them); only
  // the columns the claim did not set (see claimedItem).
  claimNew: `UPDATE run_items
    SET status = 'Processing', owner = @owner, lease_expires_at = @until, attempts = attempts + 1, updated_at = @now
    WHERE run_id = @runId AND seq IN (
      SELECT seq FROM run_items WHERE run_id = @runId AND seq >= ${NEW_FROM('@runId')} AND status = 'New' ORDER BY seq LIMIT @limit)
    RETURNING seq, item_key, attempts`,
  raiseNewFrom: 'UPDATE runs SET new_from = max(new_from, ?) WHERE id = ?',
  lowerNewFrom: 'UPDATE runs SET new_from = min(new_from, ?) WHERE id = ?',
  renew: `UPDATE run_items ${BY_HELD} SET lease_expires_at = ? WHERE run_id = ? AND ${HELD} AND status = 'Processing' AND owner = ?
    RETURNING seq`,
  completeItem: `UPDATE run_items
    SET status = @status, error = @error, error_code = @errorCode, note = @note, affected = @affected, owner = NULL,
      lease_expires_at = NULL,
      updated_at = @now
    WHERE run_id = @runId AND seq = @seq AND status = 'Processing' AND owner = @owner`,
  // Items given the same outcome, in one statement (the seqs a JSON array): answers the seqs written (those `owner`
  // still held). The array is the outer loop: each seq is one probe of the primary key.
  completeItems: `UPDATE run_items
    SET status = @status, error = @error, error_code = @errorCode, note = @note, affected = @affected, owner = NULL,
      lease_expires_at = NULL, updated_at = @now
    WHERE run_id = @runId AND seq IN (SELECT value FROM json_each(@seqs)) AND status = 'Processing' AND owner = @owner
    RETURNING seq`,
  // Whether `owner` still holds the item, and how often its writes conflicted: read before applying its writes.
  heldItem: `SELECT conflicts FROM run_items WHERE run_id = ? AND seq = ? AND status = 'Processing' AND owner = ?`,
  conflictItem: `UPDATE run_items
    SET status = @status, conflicts = @conflicts, error = @error, error_code = @errorCode, note = NULL, affected = NULL,
      owner = NULL, lease_expires_at = NULL, updated_at = @now
    WHERE run_id = @runId AND seq = @seq AND status = 'Processing' AND owner = @owner`,
  addCounts: 'UPDATE runs SET processed = processed + ?, failed = failed + ?, affected = affected + ? WHERE id = ?',
  release: `UPDATE run_items ${BY_HELD} SET status = 'New', owner = NULL, lease_expires_at = NULL, attempts = max(attempts - 1, 0)
    WHERE run_id = ? AND ${HELD} AND status = 'Processing' AND owner = ?
    RETURNING seq`,
  nextLeaseExpiry: `SELECT min(lease_expires_at) FROM run_items ${BY_HELD} WHERE run_id = ? AND ${HELD} AND status = 'Processing' AND owner IS NOT ?`,
  finish: `UPDATE runs SET status = @status, status_text = '', completed_at = @now, started_at = coalesce(started_at, @now)
    WHERE id = @id AND status IN ${WORKING}`,
  storeResults: 'UPDATE runs SET results = @results, results_size = @resultsSize WHERE id = @id',
  insertResults: 'INSERT OR REPLACE INTO run_results (run_id, body) VALUES (?, ?)',
  // Results live in one place: inline in `runs.results`, or as a `run_results` body when too large.
  results: `SELECT coalesce(runs.results, run_results.body) FROM runs LEFT JOIN run_results ON run_results.run_id = runs.id
    WHERE runs.id = ? AND runs.tenant_id = ?`,
  deleteResults: 'DELETE FROM run_results WHERE run_id = ?',
  fail: `UPDATE runs SET status = 'Failed', status_text = @statusText, completed_at = @now WHERE id = @id AND tenant_id = @tenantId
    AND status IN ${ACTIVE}`,
  // Every item not final, whoever holds it: from here no claim hands it out and no outcome is written over it.
  cancelHeldItems: `UPDATE run_items ${BY_HELD} SET status = 'Cancelled', owner = NULL, lease_expires_at = NULL, updated_at = ?
    WHERE run_id = ? AND ${HELD} AND status = 'Processing'`,
  cancelNewItems: `UPDATE run_items SET status = 'Cancelled', updated_at = ?
    WHERE run_id = ? AND seq >= ${NEW_FROM('?')} AND status = 'New'`,
  cancel: `UPDATE runs SET status = 'Cancelled', status_text = '', completed_at = ?, cancelled = cancelled + ?, fill_owner = NULL,
      fill_lease_expires_at = NULL
    WHERE id = ? AND status IN ${ACTIVE}`,
  resetAllItems: `UPDATE run_items SET status = 'New', attempts = 0, conflicts = 0, error = NULL, error_code = NULL, note = NULL, affected = NULL, owner = NULL,
      lease_expires_at = NULL, updated_at = ?
    WHERE run_id = ?`,
  // Before resetFailedItems: new_from down to the first item it makes New.
  lowerNewFromToFailed: `UPDATE runs SET new_from = min(new_from, coalesce((SELECT min(seq) FROM run_items ${BY_HELD}
      WHERE run_id = @id AND ${HELD} AND status IN ('Failed', 'Cancelled')), new_from))
    WHERE id = @id`,
  resetFailedItems: `UPDATE run_items ${BY_HELD} SET status = 'New', attempts = 0, conflicts = 0, error = NULL, error_code = NULL, note = NULL, affected = NULL, owner = NULL,
      lease_expires_at = NULL, updated_at = ?
    WHERE run_id = ? AND ${HELD} AND status IN ('Failed', 'Cancelled')`,
  // To `Queued`, or what its followed runs make it (`waitDecision`).
  requeueAll: `UPDATE runs SET status = @status, status_text = @statusText, started_at = NULL, completed_at = @completedAt, results = NULL,
      results_size = NULL, processed = 0, failed = 0, affected = 0, cancelled = 0, reruns = reruns + 1, new_from = 0
    WHERE id = @id`,
  requeueFailed: `UPDATE runs SET status = @status, status_text = @statusText, started_at = NULL, completed_at = @completedAt, results = NULL,
      results_size = NULL, processed = processed - failed, failed = 0, cancelled = 0, reruns = reruns + 1
    WHERE id = @id`,
  itemErrors: `SELECT item_key, error FROM run_items ${BY_HELD} WHERE run_id = ? AND ${HELD} AND status = 'Failed' ORDER BY seq LIMIT ?`,
  listActive: `SELECT tenant_id, id FROM runs WHERE status IN ${ACTIVE}`,
  purge: `DELETE FROM runs WHERE status IN ${FINAL} AND completed_at < ?`,
  maxSeq: 'SELECT coalesce(max(seq), -1) FROM run_items WHERE run_id = ?',
} as const;

export function runListSql(tenant: TenantId, query: RunQuery): ListSql {
  const clauses = ['tenant_id = ?'];
  const values: unknown[] = [tenant];
  if (query.status !== undefined) {
    clauses.push('status = ?');
    values.push(query.status);
  }
  if (query.activeOnly === true) clauses.push(`status IN ${ACTIVE}`);
  if (query.createdBy !== undefined) {
    clauses.push('created_by = ?');
    values.push(query.createdBy);
  }
  if (query.definitionCsid !== undefined) {
    clauses.push('definition_csid = ?');
    values.push(query.definitionCsid);
  }
  if (query.createdFrom !== undefined) {
    clauses.push('created_at >= ?');
    values.push(query.createdFrom.toISOString());
  }
  if (query.createdTo !== undefined) {
    clauses.push('created_at < ?');
    values.push(query.createdTo.toISOString());
  }
  return listSql(RUN_COLUMNS, 'runs', { text: clauses.join(' AND '), values }, 'created_at DESC, id DESC');
}

/** Items of one status: New from the run's new_from on, Completed over the whole run, the others by run_items_held. */
export function itemListSql(runId: string, query: ItemQuery): ListSql {
  const { status } = query;
  if (status === undefined) return listSql(ITEM_COLUMNS, 'run_items', { text: 'run_id = ?', values: [runId] }, 'seq');
  if (status === ITEM_STATUS.New) {
    return listSql(ITEM_COLUMNS, 'run_items', { text: `run_id = ? AND seq >= ${NEW_FROM('?')} AND status = ?`, values: [runId, runId, status] }, 'seq');
  }
  if (status === ITEM_STATUS.Completed) return listSql(ITEM_COLUMNS, 'run_items', { text: 'run_id = ? AND status = ?', values: [runId, status] }, 'seq');
  return listSql(ITEM_COLUMNS, `run_items ${BY_HELD}`, { text: `run_id = ? AND ${HELD} AND status = ?`, values: [runId, status] }, 'seq');
}
