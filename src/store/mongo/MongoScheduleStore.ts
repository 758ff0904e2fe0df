import type { Collection, Filter } from 'mongodb';
import type { Page } from '../../domain/paging.js';
import type { ScheduledInvocation, StoredSchedule } from '../../domain/schedules.js';
import type { TenantId } from '../../domain/types.js';
import { newCsid, requireString } from '../queryRules.js';
import type { NewSchedule, ScheduleQuery, ScheduleStore } from '../scheduleTypes.js';
import { findPage } from './operations.js';

/** `_id` is the schedule id; optional facts are left out rather than stored as `null`. */
export interface ScheduleDocument {
  _id: string;
  tenantId: string;
  definitionCsid: string;
  definitionName: string;
  at?: Date;
  every?: string;
  timezone?: string;
  context: ScheduledInvocation;
  createdBy: string;
  createdAt: Date;
  jobId?: string;
  lastRunId?: string;
  failReason?: string;
  failedAt?: Date;
}

function toSchedule(document: ScheduleDocument): StoredSchedule {
  const { _id, tenantId, ...facts } = document;
  return { id: _id, tenant: tenantId as TenantId, ...facts };
}

export class MongoScheduleStore implements ScheduleStore {
  readonly #schedules: Collection<ScheduleDocument>;

  constructor(schedules: Collection<ScheduleDocument>) {
    this.#schedules = schedules;
  }

  #byId(tenant: TenantId, id: string): Filter<ScheduleDocument> {
    return { _id: requireString(id, 'id'), tenantId: requireString(tenant, 'tenant') };
  }

  async create(tenant: TenantId, schedule: NewSchedule, now: Date): Promise<StoredSchedule> {
    const document: ScheduleDocument = {
      _id: newCsid(),
      tenantId: tenant,
      definitionCsid: schedule.definitionCsid,
      definitionName: schedule.definitionName,
      ...(schedule.at !== undefined && { at: schedule.at }),
      ...(schedule.every !== undefined && { every: schedule.every }),
      ...(schedule.timezone !== undefined && { timezone: schedule.timezone }),
      // A copy without `undefined` members, as the SQLite engine's JSON keeps it.
      context: JSON.parse(JSON.stringify(schedule.context)) as ScheduledInvocation,
      createdBy: schedule.createdBy,
      createdAt: now,
    };
    await this.#schedules.insertOne(document);
    return toSchedule(document);
  }

  async get(tenant: TenantId, id: string): Promise<StoredSchedule | undefined> {
    const document = await this.#schedules.findOne(this.#byId(tenant, id));
    return document === null ? undefined : toSchedule(document);
  }

  async list(tenant: TenantId, query: ScheduleQuery): Promise<Page<StoredSchedule>> {
    const filter: Filter<ScheduleDocument> = { tenantId: requireString(tenant, 'tenant') };
    if (query.definitionCsid !== undefined) filter.definitionCsid = requireString(query.definitionCsid, 'definitionCsid');
    return findPage(this.#schedules, filter, { createdAt: -1, _id: -1 }, query.paging, toSchedule);
  }

  async bindJob(tenant: TenantId, id: string, jobId: string): Promise<boolean> {
    requireString(jobId, 'jobId');
    // Set only when unset, in one update, so two binders cannot both win.
    await this.#schedules.updateOne({ ...this.#byId(tenant, id), jobId: { $exists: false } }, { $set: { jobId } });
    const bound = await this.#schedules.findOne(this.#byId(tenant, id), { projection: { jobId: 1 } });
    return bound?.jobId === jobId;
  }

  async recordRun(tenant: TenantId, id: string, runId: string): Promise<boolean> {
    const result = await this.#schedules.updateOne(this.#byId(tenant, id), {
      $set: { lastRunId: requireString(runId, 'runId') },
      $unset: { failReason: '', failedAt: '' },
    });
    return result.matchedCount > 0;
  }

  async recordFailure(tenant: TenantId, id: string, reason: string, at: Date): Promise<boolean> {
    const result = await this.#schedules.updateOne(this.#byId(tenant, id), { $set: { failReason: reason, failedAt: at } });
    return result.matchedCount > 0;
  }

  async delete(tenant: TenantId, id: string): Promise<boolean> {
    const { deletedCount } = await this.#schedules.deleteOne(this.#byId(tenant, id));
    return deletedCount > 0;
  }
}
