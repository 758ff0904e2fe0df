/**
 * Idempotent posts, after the IETF draft "The Idempotency-Key HTTP Header Field": a request carrying a key (the
 * `Idempotency-Key` header, an RFC 9651 sf-string, or seed 002's `clientRequestId` in the body) acts once; its
 * repeats within the retention window get its first answer again (status, body and `Location`, marked
 * `Idempotent-Replayed: true`). A repeat while the first is still being worked on gets 409; the same key for
 * another request (method, path, query or body) gets 422. Keys belong to the caller's tenant and user.
 *
 * Not a middleware library: those keep keys in memory or Redis, which cannot reserve a key atomically across
 * the processes sharing our store (SQLite file or MongoDB); the reservation is the store's (src/store/idempotencyTypes.ts).
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { parseItem } from 'structured-headers';
import { clientRequestIdOf, withoutClientRequestId, type DocTree } from '../codec/index.js';
import { idempotencyKeyProblem, type IdempotencyScope, type KeptAnswer } from '../domain/idempotency.js';
import type { IdempotencyService } from '../services/idempotencyService.js';
import { IDEMPOTENCY_LOCK_MS } from '../services/idempotencyService.js';
import { readTree } from './negotiation.js';
import { HttpProblem } from './problems.js';
import { callerOf } from './requestContext.js';
import { loggerOf } from './requestLog.js';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Where `idempotent` leaves the body it decoded, so the route does not decode it again. */
const TREE_KEY = 'idempotentBodyTree';
/** Where `idempotent` leaves the request's key, for routes that derive ids from it. */
const KEY_KEY = 'idempotencyKey';

export interface IdempotentOptions {
  /**
   * What stands for a body that is no document (a multipart upload, read by an earlier middleware) when comparing
   * requests under one key; `undefined` for a request with a document body.
   */
  bodyFingerprint?: (res: Response) => unknown;
}

/** The key the request carried (header or `clientRequestId`), once `idempotent` ran. */
export function idempotencyKeyOf(res: Response): string | undefined {
  return res.locals[KEY_KEY] as string | undefined;
}

/**
 * The request body as a document tree, without the `clientRequestId` that names the request rather than being
 * part of it; decoded once, by `idempotent` when it ran.
 */
export function readRequestTree(req: Request, res: Response): DocTree {
  return (res.locals[TREE_KEY] as DocTree | undefined) ?? withoutClientRequestId(readTree(req));
}

function invalidKey(message: string): HttpProblem {
  return new HttpProblem('VALIDATION_FAILED', `Invalid ${IDEMPOTENCY_KEY_HEADER}: ${message}`, [{ path: IDEMPOTENCY_KEY_HEADER, message }]);
}

/** The header's key: an sf-string, as the draft defines the field (`Idempotency-Key: "8e03978e-…"`). */
function headerKey(req: Request): string | undefined {
  const field = req.get(IDEMPOTENCY_KEY_HEADER);
  if (field === undefined) return undefined;
  let item;
  try {
    item = parseItem(field);
  } catch {
    throw invalidKey('must be a quoted string (an RFC 9651 sf-string), e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"');
  }
  const [value] = item;
  if (typeof value !== 'string') {
    throw invalidKey('must be a quoted string (an RFC 9651 sf-string), e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"');
  }
  return value;
}

/** The request's key from the header or the body's `clientRequestId`; both given, they must agree. */
function keyOf(req: Request, tree: DocTree | undefined): string | undefined {
  const fromHeader = headerKey(req);
  const fromBody = tree === undefined ? undefined : clientRequestIdOf(tree);
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) {
    throw invalidKey(`the header and the body's clientRequestId name different keys`);
  }
  const key = fromHeader ?? fromBody;
  if (key === undefined) return undefined;
  const problem = idempotencyKeyProblem(key);
  if (problem !== undefined) throw invalidKey(problem);
  return key;
}

/** What makes two requests with one key the same request: method, path with query, and the body's document. */
function fingerprintOf(req: Request, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([req.method, req.originalUrl, body ?? null])).digest('base64url');
}

function replay(res: Response, answer: KeptAnswer): void {
  if (answer.body === undefined) {
    const where = answer.location === undefined ? '' : `; it is at ${answer.location}`;
    throw new HttpProblem('CONFLICT', `This ${IDEMPOTENCY_KEY_HEADER} was answered ${answer.status}, but its answer was too large to keep${where}`);
  }
  res.status(answer.status).set(REPLAYED_HEADER, 'true').type(answer.contentType);
  if (answer.location !== undefined) res.location(answer.location);
  res.send(answer.body);
}

/**
 * Worth replaying: an answer the request would give again. A 5xx (nothing was done, or we cannot tell) and a
 * 429 (try later) free the key instead, so the client's retry acts.
 */
function isKept(status: number): boolean {
  return status < 500 && status !== 429;
}

/** The answer `res` gives, to replay: its status, type, `Location`, and `body` when it was sent as text. */
function answerOf(res: Response, body?: string): KeptAnswer {
  const location = res.get('Location');
  return {
    status: res.statusCode,
    contentType: res.get('Content-Type') ?? 'application/octet-stream',
    ...(body !== undefined && { body }),
    ...(location !== undefined && { location }),
  };
}

/**
 * The body `res.send` was given, as the text to replay: text as it is, and bytes of a document (XML, JSON or
 * text, always UTF-8 here) decoded, so a route that sends its encoding as bytes is replayed like one that sends text.
 */
function answerText(res: Response, chunk: unknown): string | undefined {
  if (typeof chunk === 'string') return chunk;
  if (!Buffer.isBuffer(chunk)) return undefined;
  const type = res.get('Content-Type') ?? '';
  return /^(text\/|application\/([\w.+-]*\+)?(xml|json)\b)/i.test(type) ? chunk.toString('utf8') : undefined;
}

/**
 * Holds the reservation while the request works, then keeps its answer or frees the key. An answer worth replaying
 * is kept before it is sent: a client that repeats its request the moment it has the answer gets it replayed, not a
 * 409 for a request still being worked on, and one that went away before the answer reached it has it replayed
 * rather than the request acting twice.
 */
function holdWhileAnswering(req: Request, res: Response, service: IdempotencyService, scope: IdempotencyScope, token: string): void {
  const fail = (error: unknown) => loggerOf(req).warn({ err: error, component: 'idempotency' }, 'could not settle an idempotency key');
  const renewal = setInterval(() => void service.renew(scope, token).catch(fail), IDEMPOTENCY_LOCK_MS / 3);
  renewal.unref();
  let settled = false;
  const settle = () => {
    const first = !settled;
    settled = true;
    clearInterval(renewal);
    return first;
  };
  const send = res.send.bind(res);
  res.send = (chunk?: unknown) => {
    // res.json ends here too, with the encoded text; an object comes back here as that text.
    const text = answerText(res, chunk);
    if (text === undefined || !isKept(res.statusCode) || !settle()) return send(chunk);
    service
      .keep(scope, token, answerOf(res, text))
      .catch(fail)
      .finally(() => send(chunk));
    return res;
  };
  // An answer ended without text (res.end) is kept once it is out, as it was; a 5xx or a 429, or a client gone
  // before an answer was sent, frees the key, so the client's retry acts.
  const settleOnEnd = (finished: boolean) => {
    if (!settle()) return;
    if (!finished || !isKept(res.statusCode)) {
      service.release(scope, token).catch(fail);
      return;
    }
    service.keep(scope, token, answerOf(res)).catch(fail);
  };
  res.on('finish', () => settleOnEnd(true));
  res.on('close', () => settleOnEnd(res.writableFinished));
}

/** Makes a POST route idempotent for requests that carry a key; mount it after the route's permission checks. */
export function idempotent(service: IdempotencyService, options: IdempotentOptions = {}): RequestHandler {
  return async (req, res, next) => {
    const tree = req.body === undefined ? undefined : readTree(req);
    const key = keyOf(req, tree);
    const body = tree === undefined ? undefined : withoutClientRequestId(tree);
    res.locals[TREE_KEY] = body;
    if (key === undefined) {
      next();
      return;
    }
    res.locals[KEY_KEY] = key;
    const { tenant, user } = callerOf(res);
    const scope = { tenant, user, key };
    const reservation = await service.reserve(scope, fingerprintOf(req, options.bodyFingerprint?.(res) ?? body));
    switch (reservation.state) {
      case 'answered':
        replay(res, reservation.answer);
        return;
      case 'mismatch':
        throw new HttpProblem('IDEMPOTENCY_KEY_REUSED', `This ${IDEMPOTENCY_KEY_HEADER} was used for another request (method, path or body); use a new key for a new request`);
      case 'inProgress':
        throw new HttpProblem('IDEMPOTENCY_KEY_IN_USE', `A request with this ${IDEMPOTENCY_KEY_HEADER} is still being processed; repeat it once it is answered`, [], { 'Retry-After': '1' });
      case 'full':
        throw new HttpProblem('TOO_MANY_REQUESTS', `You hold as many idempotency keys as allowed; keys free up once their answers expire`, [], { 'Retry-After': '60' });
      case 'reserved':
        holdWhileAnswering(req, res, service, scope, reservation.token);
        next();
    }
  };
}
