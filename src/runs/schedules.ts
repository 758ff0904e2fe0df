/**
 * Schedules on Agenda: each schedule is one Agenda job (made unique by its id) whose handler starts a background
 * run exactly as `Prefer: respond-async` does, as the schedule's creator in its tenant. Agenda computes the times
 * (`repeatEvery` with a time zone: `repeatAt` ignores it in 6.2.6) and stores `nextRunAt`/`lastRunAt`; the
 * schedule's own facts (context, creator, last run) live in the job's data, so there is no second table to keep
 * in step.
 */
import { randomUUID } from 'node:crypto';
import type { Agenda, Job, JobParameters } from 'agenda';
import type { Logger } from 'pino';
import type { InvocationContextPayload } from '../codec/invocationContext.js';
import type { ScheduleRequest } from '../codec/scheduleDocument.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import type { Page, Paging } from '../domain/paging.js';
import { checkTimezone, checkWhen, parseAt, type Schedule } from '../domain/schedules.js';
import type { TenantId } from '../domain/types.js';
import type { InvocationCaller } from '../services/invokeAuthorization.js';
import type { RunService } from '../services/runService.js';

export const SCHEDULE_JOB_NAME = 'invocables:schedule';

/** Repeats closer than this would start runs back to back; refused. */
export const MIN_REPEAT_MS = 1_000;

interface ScheduleJobData {
  scheduleId: string;
  tenant: string;
  definitionCsid: string;
  definitionName: string;
  createdBy: string;
  createdAt: string;
  at?: string;
  every?: string;
  timezone?: string;
  context: InvocationContextPayload;
  lastRunId?: string;
}

export interface ScheduleServiceDeps {
  runs: RunService;
  /**
   * The schedule's creator as they are now in its tenant (current roles), or `undefined` once they are disabled,
   * deleted or no longer a member: a schedule acts with its creator's rights at each firing, not at creation.
   */
  callerIn(username: string, tenant: string): Promise<InvocationCaller | undefined>;
  logger: Logger;
}

function toDate(value: unknown): Date | undefined {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function view(job: JobParameters<ScheduleJobData>): Schedule {
  const { data } = job;
  const nextRunAt = toDate(job.nextRunAt);
  const lastRunAt = toDate(job.lastRunAt);
  const failedAt = toDate(job.failedAt);
  const at = toDate(data.at);
  return {
    id: data.scheduleId,
    tenant: data.tenant as TenantId,
    definitionCsid: data.definitionCsid,
    definitionName: data.definitionName,
    ...(at !== undefined && { at }),
    ...(data.every !== undefined && { every: data.every }),
    ...(data.timezone !== undefined && { timezone: data.timezone }),
    context: data.context,
    createdBy: data.createdBy,
    createdAt: new Date(data.createdAt),
    ...(nextRunAt !== undefined && { nextRunAt }),
    ...(lastRunAt !== undefined && { lastRunAt }),
    ...(data.lastRunId !== undefined && { lastRunId: data.lastRunId }),
    ...(job.failReason && { failReason: job.failReason }),
    ...(failedAt !== undefined && { failedAt }),
  };
}

/** Applies `every` to the job, refusing what Agenda cannot compute and repeats closer than `MIN_REPEAT_MS`. */
function repeat(job: Job<ScheduleJobData>, every: string, timezone: string | undefined): void {
  const options = { ...(timezone !== undefined && { timezone }), skipImmediate: true };
  job.repeatEvery(every, options);
  const first = job.attrs.nextRunAt;
  if (!first || job.attrs.failReason) {
    throw new ValidationError(`'${every}' is neither a cron expression nor a human interval`, [
      { path: 'schedule/every', message: "must be a cron expression such as '*/5 * * * *' or an interval such as '10 minutes'" },
    ]);
  }
  // The gap between the next two times, computed on a copy so the job itself keeps Agenda's first time.
  const probe = job.agenda.create<ScheduleJobData>(SCHEDULE_JOB_NAME, job.attrs.data);
  // skipImmediate computes from the current nextRunAt: the time after `first`.
  probe.attrs.nextRunAt = first;
  probe.repeatEvery(every, options);
  const second = probe.attrs.nextRunAt;
  if (second && second.getTime() - first.getTime() < MIN_REPEAT_MS) {
    throw new ValidationError(`'${every}' repeats more often than once a second`, [
      { path: 'schedule/every', message: `must repeat at most once every ${MIN_REPEAT_MS} ms` },
    ]);
  }
}

export class ScheduleService {
  readonly #deps: ScheduleServiceDeps;
  #attached: Agenda | undefined;

  constructor(deps: ScheduleServiceDeps) {
    this.#deps = deps;
  }

  /** Defines the schedule job on the run executor's Agenda (`RunExecutorDeps.defineJobs`, before it starts). */
  attach(agenda: Agenda): void {
    agenda.define<ScheduleJobData>(SCHEDULE_JOB_NAME, (job) => this.#fire(job));
    this.#attached = agenda;
  }

  get #agenda(): Agenda {
    if (this.#attached === undefined) throw new Error('ScheduleService used before attach(agenda)');
    return this.#attached;
  }

  async #fire(job: Job<ScheduleJobData>): Promise<void> {
    const data = job.attrs.data;
    let run;
    try {
      const caller = await this.#deps.callerIn(data.createdBy, data.tenant);
      if (caller === undefined) {
        throw new ForbiddenError(`The creator of this schedule, '${data.createdBy}', may no longer act in tenant '${data.tenant}'`);
      }
      run = await this.#deps.runs.start(caller, data.definitionCsid, data.context);
    } catch (err) {
      // Rethrown so that Agenda records it as the job's failReason, which the schedule document shows.
      this.#deps.logger.warn({ err, schedule: data.scheduleId }, 'schedule could not start a run');
      throw err;
    }
    this.#deps.logger.info({ schedule: data.scheduleId, run: run.id }, 'schedule started a run');
    job.attrs.data = { ...data, lastRunId: run.id };
    // Updates by id only: a schedule deleted meanwhile is not brought back.
    await job.save();
  }

  /** Checks the request as an invocation would be checked, then stores the schedule as its Agenda job. */
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
    const prepared = await this.#deps.runs.check(caller, csid, request.context);
    const data: ScheduleJobData = {
      scheduleId: randomUUID(),
      tenant: caller.tenant,
      definitionCsid: prepared.definition.csid,
      definitionName: prepared.definition.definition.name,
      createdBy: caller.user,
      createdAt: new Date().toISOString(),
      ...(at !== undefined && { at: at.toISOString() }),
      ...(request.every !== undefined && { every: request.every }),
      ...(request.timezone !== undefined && { timezone: request.timezone }),
      context: request.context,
    };
    const job = this.#agenda.create<ScheduleJobData>(SCHEDULE_JOB_NAME, data).unique({ 'data.scheduleId': data.scheduleId });
    if (at !== undefined) job.schedule(at);
    else repeat(job, request.every as string, request.timezone);
    await job.save();
    this.#deps.logger.info({ schedule: data.scheduleId, definition: data.definitionCsid }, 'schedule created');
    return this.get(caller.tenant, data.scheduleId);
  }

  async list(tenant: TenantId, filter: { definitionCsid?: string; paging: Paging }): Promise<Page<Schedule>> {
    const { pageNum, pageSize } = filter.paging;
    const result = await this.#agenda.queryJobs({
      name: SCHEDULE_JOB_NAME,
      data: { tenant, ...(filter.definitionCsid !== undefined && { definitionCsid: filter.definitionCsid }) },
      sort: { nextRunAt: 'asc' },
      skip: pageNum * pageSize,
      limit: pageSize,
    });
    return { pageNum, pageSize, totalItems: result.total, items: result.jobs.map((job) => view(job as JobParameters<ScheduleJobData>)) };
  }

  async get(tenant: TenantId, id: string): Promise<Schedule> {
    const result = await this.#agenda.queryJobs({ name: SCHEDULE_JOB_NAME, data: { tenant, scheduleId: id }, limit: 1 });
    const job = result.jobs[0];
    // Another tenant's schedule is answered like a missing one.
    if (job === undefined) throw new NotFoundError('Schedule', id);
    return view(job as JobParameters<ScheduleJobData>);
  }

  async delete(tenant: TenantId, id: string): Promise<void> {
    const removed = await this.#agenda.cancel({ name: SCHEDULE_JOB_NAME, data: { tenant, scheduleId: id } });
    if (removed === 0) throw new NotFoundError('Schedule', id);
    this.#deps.logger.info({ schedule: id }, 'schedule deleted');
  }
}
