/**
 * Row <-> JobParameters mapping. Rows are the wire shape: times are epoch milliseconds, booleans 0/1,
 * `data` and `skipDays` JSON text. Agenda only ever sees `JobParameters` with `Date`s.
 */
import { toJobId } from 'agenda';
import type { JobParameters } from 'agenda';

export interface JobRow {
  id: string;
  name: string;
  priority: number;
  type: string;
  next_run_at: number | null;
  locked_at: number | null;
  last_run_at: number | null;
  last_finished_at: number | null;
  failed_at: number | null;
  fail_count: number | null;
  fail_reason: string | null;
  progress: number | null;
  repeat_interval: string | number | null;
  repeat_timezone: string | null;
  repeat_at: string | null;
  data: string | null;
  disabled: number | null;
  fork: number | null;
  start_date: number | null;
  end_date: number | null;
  skip_days: string | null;
  debounce_started_at: number | null;
  last_modified_by: string | null;
}

/** Every column except `id`, in the order INSERT and UPDATE statements list them. */
export const JOB_COLUMNS = [
  'name',
  'priority',
  'type',
  'next_run_at',
  'locked_at',
  'last_run_at',
  'last_finished_at',
  'failed_at',
  'fail_count',
  'fail_reason',
  'progress',
  'repeat_interval',
  'repeat_timezone',
  'repeat_at',
  'data',
  'disabled',
  'fork',
  'start_date',
  'end_date',
  'skip_days',
  'debounce_started_at',
  'last_modified_by',
] as const satisfies ReadonlyArray<Exclude<keyof JobRow, 'id'>>;

/** JobParameters fields that map one-to-one onto a column, for `unique` keys and sorting. */
export const FIELD_COLUMNS: Readonly<Record<string, (typeof JOB_COLUMNS)[number]>> = {
  name: 'name',
  priority: 'priority',
  type: 'type',
  nextRunAt: 'next_run_at',
  lockedAt: 'locked_at',
  lastRunAt: 'last_run_at',
  lastFinishedAt: 'last_finished_at',
  failedAt: 'failed_at',
  failCount: 'fail_count',
  failReason: 'fail_reason',
  progress: 'progress',
  repeatInterval: 'repeat_interval',
  repeatTimezone: 'repeat_timezone',
  repeatAt: 'repeat_at',
  disabled: 'disabled',
  fork: 'fork',
  startDate: 'start_date',
  endDate: 'end_date',
  debounceStartedAt: 'debounce_started_at',
  lastModifiedBy: 'last_modified_by',
};

/** `_id` never changes, and `unique`/`uniqueOpts` steer one save: neither is stored job state. */
const NOT_MERGED = new Set<string>(['_id', 'unique', 'uniqueOpts']);

export function toMillis(value: Date | string | number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const millis = value instanceof Date ? value.getTime() : new Date(value).getTime();
  return Number.isNaN(millis) ? null : millis;
}

function toDate(millis: number | null): Date | undefined {
  return millis === null ? undefined : new Date(millis);
}

function toFlag(value: boolean | undefined): number | null {
  return value === undefined ? null : value ? 1 : 0;
}

function fromFlag(value: number | null): boolean | undefined {
  return value === null ? undefined : value === 1;
}

export function rowToJob<DATA = unknown>(row: JobRow): JobParameters<DATA> {
  return {
    _id: toJobId(row.id),
    name: row.name,
    priority: row.priority,
    nextRunAt: row.next_run_at === null ? null : new Date(row.next_run_at),
    type: row.type === 'single' ? 'single' : 'normal',
    // A job created without data has none; keep it undefined rather than inventing `null`.
    data: (row.data === null ? undefined : JSON.parse(row.data)) as DATA,
    lockedAt: toDate(row.locked_at),
    lastRunAt: toDate(row.last_run_at),
    lastFinishedAt: toDate(row.last_finished_at),
    failedAt: toDate(row.failed_at),
    failCount: row.fail_count ?? undefined,
    failReason: row.fail_reason ?? undefined,
    progress: row.progress ?? undefined,
    repeatInterval: row.repeat_interval ?? undefined,
    repeatTimezone: row.repeat_timezone ?? undefined,
    repeatAt: row.repeat_at ?? undefined,
    disabled: fromFlag(row.disabled),
    fork: fromFlag(row.fork),
    startDate: toDate(row.start_date),
    endDate: toDate(row.end_date),
    skipDays: row.skip_days === null ? undefined : (JSON.parse(row.skip_days) as number[]),
    debounceStartedAt: toDate(row.debounce_started_at),
    lastModifiedBy: row.last_modified_by ?? undefined,
  };
}

/** The columns of a job's run state: what `saveJobState` writes and a full save writes too. */
export function jobStateColumns(job: JobParameters, lastModifiedBy: string | undefined) {
  return {
    locked_at: toMillis(job.lockedAt),
    next_run_at: toMillis(job.nextRunAt),
    last_run_at: toMillis(job.lastRunAt),
    last_finished_at: toMillis(job.lastFinishedAt),
    failed_at: toMillis(job.failedAt),
    fail_count: job.failCount ?? null,
    fail_reason: job.failReason ?? null,
    progress: job.progress ?? null,
    last_modified_by: lastModifiedBy ?? null,
  } satisfies Partial<JobRow>;
}

/** The full row for a job; `lastModifiedBy` comes from the caller's options, as in agenda's backends. */
export function jobToRow(id: string, job: JobParameters, lastModifiedBy: string | undefined): JobRow {
  return {
    id,
    name: job.name,
    priority: job.priority ?? 0,
    type: job.type ?? 'normal',
    ...jobStateColumns(job, lastModifiedBy),
    repeat_interval: job.repeatInterval ?? null,
    repeat_timezone: job.repeatTimezone ?? null,
    repeat_at: job.repeatAt ?? null,
    data: job.data === undefined ? null : JSON.stringify(job.data),
    disabled: toFlag(job.disabled),
    fork: toFlag(job.fork),
    start_date: toMillis(job.startDate),
    end_date: toMillis(job.endDate),
    skip_days: job.skipDays === undefined ? null : JSON.stringify(job.skipDays),
    debounce_started_at: toMillis(job.debounceStartedAt),
  };
}

/**
 * The stored job with every field the caller supplied laid over it. A key that is present (even as
 * `undefined`) replaces the stored value; an absent key keeps it. `Job.save()` leaves out the fields only
 * the processor writes (lockedAt, lastRunAt, failCount, ...), so user code saving a running job cannot
 * clear its lock or run history.
 */
export function mergeJob(stored: JobParameters, incoming: JobParameters): JobParameters {
  const overlay = Object.fromEntries(
    Object.entries(incoming).filter(([key]) => !NOT_MERGED.has(key)),
  ) as Partial<JobParameters>;
  return { ...stored, ...overlay };
}
