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
  'PLUGIN_CRASHED',
  'CONFLICT',
  'FORBIDDEN',
  'RUN_LIMIT_REACHED',
  'RUN_FAILED',
  'STORE_UNAVAILABLE',
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

/**
 * How many items of a list the client sent an error names (in its message or its details); the rest are only
 * counted. An answer about 100,000 csids must not quote all of them back.
 */
export const NAMED_ITEMS_LIMIT = 10;

/** How many characters of one value the client sent an error quotes. */
export const QUOTED_VALUE_LIMIT = 100;

/** `value` in quotes, cut short (saying so) when longer than `QUOTED_VALUE_LIMIT`. */
export function quoted(value: string): string {
  return value.length <= QUOTED_VALUE_LIMIT ? `'${value}'` : `'${value.slice(0, QUOTED_VALUE_LIMIT)}…' (${value.length} characters)`;
}

/**
 * The first `NAMED_ITEMS_LIMIT` values, quoted, then how many more: `'a', 'b'` or
 * `'a', …, 'j' and 99990 more`. Say the total in the sentence around it.
 */
export function someOf(values: readonly string[]): string {
  const named = values.slice(0, NAMED_ITEMS_LIMIT).map(quoted).join(', ');
  return values.length > NAMED_ITEMS_LIMIT ? `${named} and ${values.length - NAMED_ITEMS_LIMIT} more` : named;
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('NOT_FOUND', `${what} ${quoted(id)} was not found`);
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
    readonly user: string,
    readonly activeRunId: string | undefined,
    readonly retryAfterSeconds: number,
    readonly limit: number,
  ) {
    const which = activeRunId === undefined ? '' : `; run '${activeRunId}' is still active`;
    super(
      'RUN_LIMIT_REACHED',
      `User '${user}' already has ${limit} active run(s)${which}. Try again once one has finished`,
      activeRunId === undefined ? [] : [{ path: 'activeRun', message: activeRunId }],
    );
  }

  /** The same refusal without the run's id, for whoever may not see that user's runs (src/domain/runVisibility.ts). */
  withoutRun(): RunLimitError {
    return new RunLimitError(this.user, undefined, this.retryAfterSeconds, this.limit);
  }
}

/**
 * What keeps the store from taking writes: its file is gone or replaced (the service still holds the old one
 * open), it is read-only or full, or (MongoDB) the server cannot be reached or will not take writes.
 */
export type StoreProblemKind = 'gone' | 'replaced' | 'read-only' | 'full' | 'io-error' | 'unreachable';

export interface StoreProblem {
  kind: StoreProblemKind;
  /** For operators and clients alike: names the file by its name in the data directory, never by its full path. */
  message: string;
}

/** A write refused (or not acknowledged) because the store cannot keep it; nothing the client did was wrong. */
/** A store fault by its code: the class does not survive a trip through a plugin thread, the code does. */
export function isStoreUnavailable(err: unknown): boolean {
  return err instanceof DomainError && err.code === 'STORE_UNAVAILABLE';
}

export class StoreUnavailableError extends DomainError {
  constructor(
    readonly problem: StoreProblem,
    options?: { cause?: unknown },
  ) {
    super('STORE_UNAVAILABLE', `The store is unavailable (${problem.message}); this write was not kept. Try again once /health answers ok`, [
      { path: 'store', message: problem.kind },
    ], options);
  }
}
