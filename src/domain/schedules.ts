/**
 * Schedules: an invocation context started as a background run at a time (`at`) or repeatedly (`every`, a cron
 * expression or an interval such as `10 minutes`, see `scheduleTiming.ts`, in an IANA `timezone`). The store keeps
 * the schedule's facts (`StoredSchedule`); Agenda keeps only its timing, and `Schedule` is the API's view of both.
 */
import { ValidationError } from './errors.js';
import type { TenantId } from './types.js';

/** The invocation context a schedule starts its runs with, as the client sent it. */
export interface ScheduledInvocation {
  mode?: string;
  docType?: string;
  singleCSID?: string;
  groupCSID?: string;
  listCSIDs: string[];
  params: Array<{ key: string; value: string }>;
  updateCoreValues?: string;
  outputMIME?: string;
}

/** What the store keeps of a schedule: everything a firing acts on, and what the last firing did. */
export interface StoredSchedule {
  id: string;
  tenant: TenantId;
  definitionCsid: string;
  definitionName: string;
  at?: Date;
  /** As the client wrote it (Agenda is handed the parsed timing, see `parseEvery`). */
  every?: string;
  timezone?: string;
  context: ScheduledInvocation;
  /** Whose rights the schedule acts with, as they are at each firing. */
  createdBy: string;
  createdAt: Date;
  /** The Agenda job that fires this schedule, once saved: no other job may fire it. */
  jobId?: string;
  /** The run the schedule started last. */
  lastRunId?: string;
  /** Why the last firing did not start a run (e.g. the definition was deleted since); cleared by the next run. */
  failReason?: string;
  failedAt?: Date;
}

/** A schedule as the API shows it: the stored facts and Agenda's times. */
export interface Schedule extends Omit<StoredSchedule, 'jobId'> {
  /** `undefined` once a one-off schedule has fired (or when its job is gone). */
  nextRunAt?: Date;
  lastRunAt?: Date;
}

/** @throws ValidationError naming `timezone` unless it is an IANA zone this runtime knows. */
export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw new ValidationError(`Unknown time zone '${timezone}'`, [{ path: 'schedule/timezone', message: 'must be an IANA time zone such as Europe/Paris' }]);
  }
}

/** @throws ValidationError naming `at` unless it is an ISO-8601 date-time with a zone or offset. */
export function parseAt(at: string): Date {
  // A time without a zone would be read in the server's zone: ambiguous, so refused.
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(at);
  const date = new Date(at);
  if (!zoned || Number.isNaN(date.getTime())) {
    throw new ValidationError(`'${at}' is not an ISO-8601 date-time with a zone`, [
      { path: 'schedule/at', message: 'must be an ISO-8601 date-time with Z or an offset, e.g. 2030-01-31T22:00:00Z' },
    ]);
  }
  return date;
}

export function checkWhen(request: { at?: string; every?: string }): void {
  if ((request.at === undefined) === (request.every === undefined)) {
    throw new ValidationError('A schedule has either <at> (one run) or <every> (repeated), not both or neither', [
      { path: request.at === undefined ? 'schedule/every' : 'schedule/at', message: 'exactly one of at and every is required' },
    ]);
  }
}
