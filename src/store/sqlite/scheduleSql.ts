/**
 * SQL of the SQLite schedule store: fixed statements, and the list builder (its page query ends with
 * `LIMIT ? OFFSET ?`, bound by `StatementCache.page`).
 */
import type { TenantId } from '../../domain/types.js';
import type { ScheduleQuery } from '../scheduleTypes.js';
import { listSql, type ListSql } from './sql.js';

export const SCHEDULE_COLUMNS = `id, tenant_id, definition_csid, definition_name, at, every, timezone, context, created_by,
  created_at, job_id, last_run_id, fail_reason, failed_at`;

export const SCHEDULE_SQL = {
  insert: `INSERT INTO schedules (id, tenant_id, definition_csid, definition_name, at, every, timezone, context,
      created_by, created_at)
    VALUES (@id, @tenantId, @definitionCsid, @definitionName, @at, @every, @timezone, @context, @createdBy, @createdAt)
    RETURNING ${SCHEDULE_COLUMNS}`,
  get: `SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE id = ? AND tenant_id = ?`,
  bindJob: `UPDATE schedules SET job_id = coalesce(job_id, @jobId) WHERE id = @id AND tenant_id = @tenantId
    RETURNING job_id`,
  recordRun: `UPDATE schedules SET last_run_id = ?, fail_reason = NULL, failed_at = NULL WHERE id = ? AND tenant_id = ?`,
  recordFailure: 'UPDATE schedules SET fail_reason = ?, failed_at = ? WHERE id = ? AND tenant_id = ?',
  delete: 'DELETE FROM schedules WHERE id = ? AND tenant_id = ?',
} as const;

export function scheduleListSql(tenant: TenantId, query: ScheduleQuery): ListSql {
  const clauses = ['tenant_id = ?'];
  const values: unknown[] = [tenant];
  if (query.definitionCsid !== undefined) {
    clauses.push('definition_csid = ?');
    values.push(query.definitionCsid);
  }
  return listSql(SCHEDULE_COLUMNS, 'schedules', { text: clauses.join(' AND '), values }, 'created_at DESC, id DESC');
}
