/**
 * Domain errors: a stable code, a message for people, and where the problem is. No HTTP statuses here;
 * `src/http/problems.ts` maps codes to statuses in one table.
 */

export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'MALFORMED_BODY',
  'UNSAFE_XML',
  'NOT_FOUND',
  'PRECONDITION_FAILED',
  'UNSUPPORTED_MODE',
  'UNSUPPORTED_DOCTYPE',
  'MISSING_CONTEXT',
  'PLUGIN_UNAVAILABLE',
  'PLUGIN_REJECTED',
  'PLUGIN_FAILED',
  'PLUGIN_TIMEOUT',
  'CONFLICT',
  'FORBIDDEN',
  'RUN_LIMIT_REACHED',
  'RUN_FAILED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

/** One problem at one place of the input, e.g. `{ path: 'batch_common/className', message: 'is required' }`. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details: ErrorDetail[] = [], options?: { cause?: unknown }) {
    super('VALIDATION_FAILED', message, details, options);
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} '${id}' was not found`);
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(message: string) {
    super('PRECONDITION_FAILED', message);
  }
}

/** The caller is known but may not do this; the message names what was refused, never what would allow it. */
export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

/**
 * A user already has as many active runs as allowed (seed 003: one active batch at a time). Names the user: the
 * refusal may be about a run's creator rather than the requester (a rerun), or appear on a schedule.
 * `activeRunId` is one of their active runs (unknown only if it ended while being looked up).
 */
export class RunLimitError extends DomainError {
  constructor(
    user: string,
    readonly activeRunId: string | undefined,
    readonly retryAfterSeconds: number,
    limit: number,
  ) {
    const which = activeRunId === undefined ? '' : `; run '${activeRunId}' is still active`;
    super(
      'RUN_LIMIT_REACHED',
      `User '${user}' already has ${limit} active run(s)${which}. Try again once one has finished`,
      activeRunId === undefined ? [] : [{ path: 'activeRun', message: activeRunId }],
    );
  }
}
