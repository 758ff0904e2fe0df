/**
 * The error body, one shape for both media types: XML `<error>` and JSON `{"error": {...}}` come from the
 * same tree. CollectionSpace answers errors with text/plain; clients that list it get that (`encodeErrorText`),
 * the others keep its status codes with the code, the message and where each problem is.
 */
import { NAMED_ITEMS_LIMIT, type DomainError, type ErrorDetail } from '../domain/errors.js';
import type { DocNode, DocTree } from './tree.js';

export interface ErrorBody {
  status: number;
  /** A `DomainError` code, or an HTTP-level one such as `NOT_ACCEPTABLE`. */
  code: string;
  message: string;
  details?: readonly ErrorDetail[];
  /** The correlation id written to the log with the error. */
  requestId?: string;
}

/**
 * At most `NAMED_ITEMS_LIMIT` details, then one saying how many were left out: a body listing a problem per
 * item (a missing csid, an invalid array element) gets a small answer however many items it had.
 */
export function listedDetails(details: readonly ErrorDetail[]): DocNode[] {
  const listed = details.slice(0, NAMED_ITEMS_LIMIT).map(({ path, message }) => ({ path, message }));
  const left = details.length - listed.length;
  return left > 0 ? [...listed, { path: '(more)', message: `${left} more not listed (${details.length} in all)` }] : listed;
}

export function encodeError(body: ErrorBody): DocTree {
  const details = listedDetails(body.details ?? []);
  return {
    error: {
      status: body.status,
      code: body.code,
      message: body.message,
      details: details.length > 0 ? { detail: details } : undefined,
      requestId: body.requestId,
    },
  };
}

/**
 * The error as text/plain, for clients that list it in `Accept` (cspace-ui, through axios, shows an error's reason
 * only when the body is a string): the message, then one line per detail, then the request id.
 */
export function encodeErrorText(body: ErrorBody): string {
  const lines = [body.message, ...listedDetails(body.details ?? []).map(({ path, message }) => `${path}: ${message}`)];
  if (body.requestId !== undefined && body.requestId !== '') lines.push(`Request id: ${body.requestId}`);
  return `${lines.join('\n')}\n`;
}

/** The error body of a domain error; src/http chooses the status. */
export function encodeDomainError(error: DomainError, status: number, requestId?: string): DocTree {
  return encodeError({ status, code: error.code, message: error.message, details: error.details, requestId });
}
