/**
 * The error body, one shape for both media types: XML `<error>` and JSON `{"error": {...}}` come from the
 * same tree. CollectionSpace answers errors with text/plain; we keep its status codes but give clients the
 * code, the message and where each problem is.
 */
import type { DomainError, ErrorDetail } from '../domain/errors.js';
import type { DocTree } from './tree.js';

export interface ErrorBody {
  status: number;
  /** A `DomainError` code, or an HTTP-level one such as `NOT_ACCEPTABLE`. */
  code: string;
  message: string;
  details?: readonly ErrorDetail[];
  /** The correlation id written to the log with the error. */
  requestId?: string;
}

export function encodeError(body: ErrorBody): DocTree {
  const details = body.details ?? [];
  return {
    error: {
      status: body.status,
      code: body.code,
      message: body.message,
      details: details.length > 0 ? { detail: details.map(({ path, message }) => ({ path, message })) } : undefined,
      requestId: body.requestId,
    },
  };
}

/** The error body of a domain error; src/http chooses the status. */
export function encodeDomainError(error: DomainError, status: number, requestId?: string): DocTree {
  return encodeError({ status, code: error.code, message: error.message, details: error.details, requestId });
}
