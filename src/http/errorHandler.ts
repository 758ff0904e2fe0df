/**
 * The final error middleware: every error becomes a status, a stable code and a message that says what was
 * wrong and where, in the format the client accepts. Clients never see stack traces; 500s are logged with the
 * request id that the response quotes.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { DomainError, RunLimitError, StoreUnavailableError, type ErrorDetail } from '../domain/errors.js';
import { HttpProblem, STATUS_BY_CODE } from './problems.js';
import { sendError } from './negotiation.js';

export interface Problem {
  status: number;
  code: string;
  message: string;
  details: ErrorDetail[];
  headers: Record<string, string | string[]>;
}

/** The shape of errors thrown by body-parser (the http-errors package). */
interface HttpErrorLike {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  limit?: number;
  message?: string;
  charset?: string;
}

function fromHttpError(err: HttpErrorLike): Problem | undefined {
  const status = err.status ?? err.statusCode;
  if (typeof status !== 'number') return undefined;
  const base = { status, details: [], headers: {} };
  switch (err.type) {
    case 'entity.too.large':
      return { ...base, code: 'PAYLOAD_TOO_LARGE', message: `Request body is larger than the limit of ${err.limit} bytes` };
    case 'entity.parse.failed':
      return { ...base, code: 'MALFORMED_BODY', message: `Malformed JSON: ${err.message}`, details: [{ path: 'body', message: err.message ?? '' }] };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { ...base, code: 'UNSUPPORTED_MEDIA_TYPE', message: err.message ?? 'Unsupported encoding' };
    case 'request.aborted':
    case 'request.size.invalid':
      return { ...base, code: 'MALFORMED_BODY', message: err.message ?? 'Request body was incomplete' };
  }
  // The router decoding a path parameter such as `%FF`, which is no percent-encoded UTF-8.
  if (err instanceof URIError && status === 400) {
    const details = [{ path: '(path)', message: err.message }];
    return { ...base, code: 'VALIDATION_FAILED', message: 'The path is not valid percent-encoded UTF-8', details };
  }
  if (status < 500 && err.expose === true) return { ...base, code: 'MALFORMED_BODY', message: err.message ?? 'Bad request' };
  return undefined;
}

export function toProblem(err: unknown): Problem | undefined {
  if (err instanceof HttpProblem) {
    return { status: STATUS_BY_CODE[err.code], code: err.code, message: err.message, details: err.details, headers: err.headers };
  }
  if (err instanceof DomainError) {
    const headers: Record<string, string> = err instanceof RunLimitError ? { 'Retry-After': String(err.retryAfterSeconds) } : {};
    // The store is probed every second while it is unavailable.
    if (err instanceof StoreUnavailableError) headers['Retry-After'] = '1';
    return { status: STATUS_BY_CODE[err.code], code: err.code, message: err.message, details: err.details, headers };
  }
  if (typeof err === 'object' && err !== null) return fromHttpError(err as HttpErrorLike);
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const requestId = String(req.id ?? '');
    const problem = toProblem(err) ?? {
      status: 500,
      code: 'INTERNAL_ERROR',
      message: `Internal error; quote request id ${requestId} when reporting it`,
      details: [],
      headers: {},
    };
    // A store fault is logged once when it is met (StoreHealth), not once per request it refuses.
    if (problem.status >= 500 && problem.code !== 'STORE_UNAVAILABLE') logger.error({ err, requestId, code: problem.code }, 'request failed');
    res.set(problem.headers);
    sendError(req, res, { ...problem, requestId });
  };
}

/** Answers 404 for any path no router claimed. */
export const routeNotFound: RequestHandler = (req) => {
  // The path as requested (a router it is mounted in trims its own prefix from req.path).
  throw new HttpProblem('ROUTE_NOT_FOUND', `No resource at ${req.method} ${req.originalUrl.split('?')[0]}`);
};
