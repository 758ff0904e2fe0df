import type { Page } from '../../domain/paging.js';
import type { ScheduledInvocation, StoredSchedule } from '../../domain/schedules.js';
import type { TenantId } from '../../domain/types.js';
import { newCsid, requireString } from '../queryRules.js';
import type { NewSchedule, ScheduleQuery, ScheduleStore } from '../scheduleTypes.js';
import { SCHEDULE_SQL, scheduleListSql } from './scheduleSql.js';
import type { StatementCache } from './statements.js';
import { returnedRow } from './statements.js';

interface ScheduleRow {
  id: string;
  tenant_id: string;
  definition_csid: string;
  definition_name: string;
  at: string | null;
  every: string | null;
  timezone: string | null;
  context: string;
  created_by: string;
  created_at: string;
  job_id: string | null;
  last_run_id: string | null;
  fail_reason: string | null;
  failed_at: string | null;
}

function toSchedule(row: ScheduleRow): StoredSchedule {
  return {
    id: row.id,
    tenant: row.tenant_id as TenantId,
    definitionCsid: row.definition_csid,
    definitionName: row.definition_name,
    ...(row.at !== null && { at: new Date(row.at) }),
    ...(row.every !== null && { every: row.every }),
    ...(row.timezone !== null && { timezone: row.timezone }),
    context: JSON.parse(row.context) as ScheduledInvocation,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    ...(row.job_id !== null && { jobId: row.job_id }),
    ...(row.last_run_id !== null && { lastRunId: row.last_run_id }),
    ...(row.fail_reason !== null && { failReason: row.fail_reason }),
    ...(row.failed_at !== null && { failedAt: new Date(row.failed_at) }),
  };
}

export class SqliteScheduleStore implements ScheduleStore {
  readonly #statements: StatementCache;
  readonly #insert;
  readonly #get;
  readonly #bindJob;
  readonly #recordRun;
  readonly #recordFailure;
  readonly #delete;

  constructor(statements: StatementCache) {
    this.#statements = statements;
    this.#insert = statements.prepare<ScheduleRow>(SCHEDULE_SQL.insert);
    this.#get = statements.prepare<ScheduleRow>(SCHEDULE_SQL.get);
    this.#bindJob = statements.prepare<{ job_id: string }>(SCHEDULE_SQL.bindJob);
    this.#recordRun = statements.prepare(SCHEDULE_SQL.recordRun);
    this.#recordFailure = statements.prepare(SCHEDULE_SQL.recordFailure);
    this.#delete = statements.prepare(SCHEDULE_SQL.delete);
  }

  async create(tenant: TenantId, schedule: NewSchedule, now: Date): Promise<StoredSchedule> {
    const row = this.#insert.get({
      id: newCsid(),
      tenantId: tenant,
      definitionCsid: schedule.definitionCsid,
      definitionName: schedule.definitionName,
      at: schedule.at?.toISOString() ?? null,
      every: schedule.every ?? null,
      timezone: schedule.timezone ?? null,
      // A copy without `undefined` members, as the MongoDB engine stores it.
      context: JSON.stringify(schedule.context),
      createdBy: schedule.createdBy,
      createdAt: now.toISOString(),
    });
    return toSchedule(returnedRow(row));
  }

  async get(tenant: TenantId, id: string): Promise<StoredSchedule | undefined> {
    const row = this.#get.get(requireString(id, 'id'), tenant);
    return row === undefined ? undefined : toSchedule(row);
  }

  async list(tenant: TenantId, query: ScheduleQuery): Promise<Page<StoredSchedule>> {
    const sql = scheduleListSql(tenant, query);
    return this.#statements.page(sql.count, sql.select, query.paging, toSchedule);
  }

  async bindJob(tenant: TenantId, id: string, jobId: string): Promise<boolean> {
    const row = this.#bindJob.get({ id: requireString(id, 'id'), tenantId: tenant, jobId: requireString(jobId, 'jobId') });
    return row?.job_id === jobId;
  }

  async recordRun(tenant: TenantId, id: string, runId: string): Promise<boolean> {
    return this.#recordRun.run(runId, requireString(id, 'id'), tenant).changes > 0;
  }

  async recordFailure(tenant: TenantId, id: string, reason: string, at: Date): Promise<boolean> {
    return this.#recordFailure.run(reason, at.toISOString(), requireString(id, 'id'), tenant).changes > 0;
  }

  async delete(tenant: TenantId, id: string): Promise<boolean> {
    return this.#delete.run(requireString(id, 'id'), tenant).changes > 0;
  }
}
