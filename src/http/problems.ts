/**
 * Errors that only exist at the HTTP edge (media types, body size, routing), and the one table that maps
 * every error code, domain or HTTP, to a status.
 */
import type { ErrorCode, ErrorDetail } from '../domain/errors.js';

export const HTTP_ERROR_CODES = [
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_ACCEPTABLE',
  'PAYLOAD_TOO_LARGE',
  'METHOD_NOT_ALLOWED',
  'ROUTE_NOT_FOUND',
  'INTERNAL_ERROR',
  'UNAUTHENTICATED',
  'TOO_MANY_REQUESTS',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_KEY_REUSED',
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly code: HttpErrorCode | ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** A list sends the header once per value (as `WWW-Authenticate` must, one challenge each, for browsers). */
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(message);
  }
}

export const STATUS_BY_CODE: Record<HttpErrorCode | ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  MALFORMED_BODY: 400,
  UNSAFE_XML: 400,
  UNSUPPORTED_MODE: 400,
  UNSUPPORTED_DOCTYPE: 400,
  MISSING_CONTEXT: 400,
  PLUGIN_REJECTED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  CONFLICT: 409,
  IDEMPOTENCY_KEY_IN_USE: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  TOO_MANY_REQUESTS: 429,
  RUN_LIMIT_REACHED: 429,
  PLUGIN_FAILED: 500,
  PLUGIN_TIMEOUT: 500,
  PLUGIN_CRASHED: 500,
  RUN_FAILED: 500,
  INTERNAL_ERROR: 500,
  PLUGIN_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
};
