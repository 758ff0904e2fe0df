/**
 * Schedules: an invocation context started as a background run at a time (`at`) or repeatedly (`every`, a cron
 * expression or a human interval such as `10 minutes`, in an IANA `timezone`). Agenda owns the timing; a schedule
 * is one Agenda job, and this is the API's view of it.
 */
import type { InvocationContextPayload } from '../codec/invocationContext.js';
import { ValidationError } from './errors.js';
import type { TenantId } from './types.js';

export interface Schedule {
  id: string;
  tenant: TenantId;
  definitionCsid: string;
  definitionName: string;
  at?: Date;
  every?: string;
  timezone?: string;
  context: InvocationContextPayload;
  createdBy: string;
  createdAt: Date;
  /** `undefined` once a one-off schedule has fired (or when Agenda could not compute the next time). */
  nextRunAt?: Date;
  lastRunAt?: Date;
  /** The run the schedule started last. */
  lastRunId?: string;
  /** Why the last firing did not start a run (e.g. the definition was deleted since). */
  failReason?: string;
  failedAt?: Date;
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
