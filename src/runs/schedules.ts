/**
 * Schedules: each stored schedule (src/store/scheduleTypes.ts) has one Agenda job that says when it fires, and whose
 * handler starts a background run exactly as `Prefer: respond-async` does, as the schedule's creator in its tenant.
 * The job's data only names the schedule (see jobAuthority.ts): tenant, creator, definition and context are read
 * from the store at each firing, and the schedule is bound to the first job that fires it or that created it, so
 * a job written through Agendash fires nothing. Agenda computes the times (`repeatEvery` with a time zone:
 * `repeatAt` ignores it in 6.2.6); lists and documents show its `nextRunAt`/`lastRunAt` beside the stored facts.
 */
import type { Agenda, Job, JobParameters } from 'agenda';
import type { Logger } from 'pino';
import type { ScheduleRequest } from '../codec/scheduleDocument.js';
import { DomainError, ForbiddenError, NotFoundError, RunLimitError, ValidationError } from '../domain/errors.js';
import type { Page, Paging } from '../domain/paging.js';
import { seesEveryRun, type RunViewer } from '../domain/runVisibility.js';
import { checkTimezone, checkWhen, parseAt, type Schedule, type StoredSchedule } from '../domain/schedules.js';
import { parseEvery } from '../domain/scheduleTiming.js';
import type { TenantId } from '../domain/types.js';
import type { InvocationCaller } from '../services/invokeAuthorization.js';
import type { RunService } from '../services/runService.js';
import type { ScheduleStore } from '../store/scheduleTypes.js';
import { exactData, refuseJob } from './jobAuthority.js';

export const SCHEDULE_JOB_NAME = 'invocables:schedule';

/** All a schedule's job holds: which schedule, in which tenant (the store's scope). */
interface ScheduleJobData {
  scheduleId: string;
  tenant: string;
}
const SCHEDULE_JOB_KEYS = ['scheduleId', 'tenant'] as const;

export interface ScheduleServiceDeps {
  schedules: ScheduleStore;
  runs: RunService;
  /**
   * The schedule's creator as they are now in its tenant (current roles), or `undefined` once they are disabled,
   * deleted or no longer a member: a schedule acts with its creator's rights at each firing, not at creation.
   */
  callerIn(username: string, tenant: string): Promise<InvocationCaller | undefined>;
  /** The csid of the definition `id` (a csid or an alias) names in `tenant`, or `undefined` when it names none. */
  definitionCsid(tenant: TenantId, id: string): Promise<string | undefined>;
  logger: Logger;
  now: () => Date;
}

function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The stored facts with Agenda's times (none when the job is gone). */
function view(stored: StoredSchedule, job: JobParameters | undefined): Schedule {
  const { jobId, ...schedule } = stored;
  const nextRunAt = toDate(job?.nextRunAt);
  const lastRunAt = toDate(job?.lastRunAt);
  return { ...schedule, ...(nextRunAt !== undefined && { nextRunAt }), ...(lastRunAt !== undefined && { lastRunAt }) };
}

/**
 * What a firing that started nothing records: a domain refusal as it is, anything else without internals. The
 * active-run limit leaves out the id of the creator's active run: whoever may read runs reads the schedule.
 */
function failReason(err: unknown): string {
  if (err instanceof RunLimitError) return err.withoutRun().message;
  return err instanceof DomainError ? err.message : 'The run could not be started (internal error; see the service log)';
}

export class ScheduleService {
  readonly #deps: ScheduleServiceDeps;
  #attached: Agenda | undefined;

  constructor(deps: ScheduleServiceDeps) {
    this.#deps = deps;
  }

  /** Defines the schedule job on the run executor's Agenda (`RunExecutorDeps.defineJobs`, before it starts). */
  attach(agenda: Agenda): void {
    agenda.define(SCHEDULE_JOB_NAME, (job) => this.#fire(job));
    this.#attached = agenda;
  }

  get #agenda(): Agenda {
    if (this.#attached === undefined) throw new Error('ScheduleService used before attach(agenda)');
    return this.#attached;
  }

  async #fire(job: Job): Promise<void> {
    const schedule = await this.#scheduleOf(job);
    if (schedule === undefined) return;
    const { schedules, logger, now } = this.#deps;
    const { id, tenant, createdBy } = schedule;
    let run;
    try {
      const caller = await this.#deps.callerIn(createdBy, tenant);
      if (caller === undefined) {
        throw new ForbiddenError(`The creator of this schedule, '${createdBy}', may no longer act in tenant '${tenant}'`);
      }
      run = await this.#deps.runs.start(caller, schedule.definitionCsid, schedule.context);
    } catch (err) {
      logger.warn({ err, schedule: id }, 'schedule could not start a run');
      await schedules.recordFailure(tenant, id, failReason(err), now());
      return;
    }
    logger.info({ schedule: id, run: run.id }, 'schedule started a run');
    await schedules.recordRun(tenant, id, run.id);
  }

  /** The stored schedule the job fires, or `undefined` once the job is refused (see jobAuthority.ts). */
  async #scheduleOf(job: Job): Promise<StoredSchedule | undefined> {
    const { schedules, logger } = this.#deps;
    const data = exactData(job.attrs.data, SCHEDULE_JOB_KEYS);
    if (data === undefined || typeof data.scheduleId !== 'string' || typeof data.tenant !== 'string') {
      await refuseJob(job, logger, 'a schedule job holds exactly { scheduleId, tenant }');
      return undefined;
    }
    const tenant = data.tenant as TenantId;
    const schedule = await schedules.get(tenant, data.scheduleId);
    if (schedule === undefined) {
      await refuseJob(job, logger, `no schedule '${data.scheduleId}' is stored in tenant '${tenant}'`);
      return undefined;
    }
    // The first job to bind is the one `create` saved (it binds right after saving, or its first firing does).
    if (!(await schedules.bindJob(tenant, schedule.id, String(job.attrs._id)))) {
      await refuseJob(job, logger, `schedule '${schedule.id}' is fired by another job`);
      return undefined;
    }
    return schedule;
  }

  /** Checks the request as an invocation would be checked, stores the schedule, then saves its Agenda job. */
  async create(caller: InvocationCaller, csid: string, request: ScheduleRequest): Promise<Schedule> {
    checkWhen(request);
    if (request.timezone !== undefined) {
      if (request.at !== undefined) {
        throw new ValidationError('<timezone> applies to <every>; an <at> time carries its own offset', [
          { path: 'schedule/timezone', message: 'only with every' },
        ]);
      }
      checkTimezone(request.timezone);
    }
    const at = request.at === undefined ? undefined : parseAt(request.at);
    const repeat = request.every === undefined ? undefined : parseEvery(request.every, request.timezone);
    const prepared = await this.#deps.runs.check(caller, csid, request.context);
    const stored = await this.#deps.schedules.create(
      caller.tenant,
      {
        definitionCsid: prepared.definition.csid,
        definitionName: prepared.definition.definition.name,
        ...(at !== undefined && { at }),
        ...(request.every !== undefined && { every: request.every }),
        ...(request.timezone !== undefined && { timezone: request.timezone }),
        context: request.context,
        createdBy: caller.user,
      },
      this.#deps.now(),
    );
    try {
      const data: ScheduleJobData = { scheduleId: stored.id, tenant: stored.tenant };
      const job = this.#agenda.create(SCHEDULE_JOB_NAME, data);
      if (at !== undefined) job.schedule(at);
      // An interval goes to Agenda as a number of milliseconds, which it adds as is (see scheduleTiming.ts).
      else if (repeat !== undefined) {
        const interval = repeat.kind === 'interval' ? repeat.ms : repeat.expression;
        job.repeatEvery(interval, { ...(request.timezone !== undefined && { timezone: request.timezone }), skipImmediate: true });
      }
      await job.save();
      await this.#deps.schedules.bindJob(stored.tenant, stored.id, String(job.attrs._id));
    } catch (err) {
      // A job saved meanwhile finds no schedule when it fires, and is refused.
      await this.#deps.schedules.delete(stored.tenant, stored.id);
      throw err;
    }
    this.#deps.logger.info({ schedule: stored.id, definition: stored.definitionCsid }, 'schedule created');
    return this.get(caller, stored.id);
  }

  /** The tenant's schedules, or those of one definition (`definitionId`: its csid or an alias). */
  async list(tenant: TenantId, filter: { definitionId?: string; paging: Paging }): Promise<Page<Schedule>> {
    const { definitionId, paging } = filter;
    let definitionCsid: string | undefined;
    if (definitionId !== undefined) {
      definitionCsid = await this.#deps.definitionCsid(tenant, definitionId);
      if (definitionCsid === undefined) throw new NotFoundError('Batch job', definitionId);
    }
    const page = await this.#deps.schedules.list(tenant, { ...(definitionCsid !== undefined && { definitionCsid }), paging });
    const ids = page.items.flatMap((schedule) => (schedule.jobId === undefined ? [] : [schedule.jobId]));
    const jobs = ids.length === 0 ? [] : (await this.#agenda.queryJobs({ name: SCHEDULE_JOB_NAME, ids })).jobs;
    const byId = new Map<string, JobParameters>(jobs.map((job) => [String(job._id), job]));
    return { ...page, items: page.items.map((schedule) => view(schedule, schedule.jobId === undefined ? undefined : byId.get(schedule.jobId))) };
  }

  /**
   * The schedule as `reader` is shown it: the run it started last (its creator's) only to whoever may see that run
   * (src/domain/runVisibility.ts).
   */
  async get(reader: RunViewer & { tenant: TenantId }, id: string): Promise<Schedule> {
    const stored = await this.#deps.schedules.get(reader.tenant, id);
    // Another tenant's schedule is answered like a missing one.
    if (stored === undefined) throw new NotFoundError('Schedule', id);
    const job = stored.jobId === undefined ? undefined : (await this.#agenda.queryJobs({ name: SCHEDULE_JOB_NAME, id: stored.jobId })).jobs[0];
    const schedule = view(stored, job);
    return seesEveryRun(reader) || stored.createdBy === reader.user ? schedule : { ...schedule, lastRunId: undefined };
  }

  /** Removes the schedule, then its job: a job left behind (the second step failed) finds nothing stored and is refused. */
  async delete(tenant: TenantId, id: string): Promise<void> {
    if (!(await this.#deps.schedules.delete(tenant, id))) throw new NotFoundError('Schedule', id);
    try {
      await this.#agenda.cancel({ name: SCHEDULE_JOB_NAME, data: { tenant, scheduleId: id } });
    } catch (err) {
      this.#deps.logger.warn({ err, schedule: id }, 'schedule deleted, but not its Agenda job yet (refused when it fires)');
    }
    this.#deps.logger.info({ schedule: id }, 'schedule deleted');
  }
}
