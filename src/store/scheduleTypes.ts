/**
 * Storage of schedules (see `src/domain/schedules.ts`). A schedule's facts live here, not in its Agenda job: the
 * job only says when, and names the schedule, so whoever can write Agenda jobs cannot make a schedule act as anyone
 * else. Engines implement it in `sqlite/SqliteScheduleStore.ts` and `mongo/MongoScheduleStore.ts` and pass
 * `test/store/scheduleStoreConformance.ts`.
 */
import type { Page, Paging } from '../domain/paging.js';
import type { StoredSchedule } from '../domain/schedules.js';
import type { TenantId } from '../domain/types.js';

/** A schedule's facts as its creator gives them; the store adds its id, tenant and times. */
export type NewSchedule = Pick<StoredSchedule, 'definitionCsid' | 'definitionName' | 'at' | 'every' | 'timezone' | 'context' | 'createdBy'>;

export interface ScheduleQuery {
  definitionCsid?: string;
  /** Newest first. */
  paging: Paging;
}

export interface ScheduleStore {
  /** Stores a new schedule under a fresh id, not yet bound to a job. */
  create(tenant: TenantId, schedule: NewSchedule, now: Date): Promise<StoredSchedule>;
  get(tenant: TenantId, id: string): Promise<StoredSchedule | undefined>;
  list(tenant: TenantId, query: ScheduleQuery): Promise<Page<StoredSchedule>>;
  /**
   * Binds the schedule to its Agenda job if it has none yet; answers whether `jobId` is now the schedule's job
   * (`false`: no such schedule in this tenant, or it is bound to another job).
   */
  bindJob(tenant: TenantId, id: string, jobId: string): Promise<boolean>;
  /** The schedule started `runId`: it becomes `lastRunId`, and the last failure is cleared. `false` when not found. */
  recordRun(tenant: TenantId, id: string, runId: string): Promise<boolean>;
  /** A firing started nothing, for `reason`. `false` when not found. */
  recordFailure(tenant: TenantId, id: string, reason: string, at: Date): Promise<boolean>;
  /** `false` when not found. */
  delete(tenant: TenantId, id: string): Promise<boolean>;
}
