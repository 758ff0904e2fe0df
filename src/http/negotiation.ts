/**
 * Content negotiation over the codec's one media-type table: request bodies by `Content-Type`, responses by
 * `Accept` (XML first, so it is the default; `Vary: Accept` and 406 come with it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import {
  checkJsonDepth,
  DEFAULT_MEDIA_TYPE,
  codecForContentType,
  decodeUtf8Body,
  encodeError,
  encodeErrorText,
  isUtf8Charset,
  JSON_MEDIA_TYPE,
  MEDIA_CODECS,
  RESPONSE_MEDIA_TYPES,
  XML_BODY_TYPES,
  type DocTree,
  type ErrorBody,
} from '../codec/index.js';
import type { EncodedDocuments } from './encodedDocuments.js';
import { HttpProblem } from './problems.js';

type ResponseMediaType = (typeof RESPONSE_MEDIA_TYPES)[number];

/**
 * What every body must pass before its parser decodes it (body-parser's `verify`, given the raw bytes): it is
 * UTF-8 (415 for another declared charset, 400 naming the first bad byte otherwise), and JSON nests no deeper than
 * the documented limit (the XML limit is checked by the XML codec's preflight, which reads the markup anyway).
 */
function verifyBody(format: 'json' | 'xml') {
  return (_req: IncomingMessage, _res: ServerResponse, bytes: Buffer, charset: string): void => {
    if (!isUtf8Charset(charset)) {
      throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', `Request bodies must be UTF-8; charset '${charset}' is not accepted`);
    }
    const text = decodeUtf8Body(bytes);
    if (format === 'json') checkJsonDepth(text);
  };
}

/**
 * Whether a request has a body (RFC 9112 §6.3: it says so by Transfer-Encoding or Content-Length), as body-parser
 * checks before reading one.
 */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

/**
 * Body parsers for the supported formats; a body of any other type is left unread (`req.body` undefined). A
 * request without a body (every read) skips both parsers' checks, each of which would find nothing to do.
 */
export function bodyParsers(limit: string | number): RequestHandler {
  const json = express.json({ limit, type: JSON_MEDIA_TYPE, verify: verifyBody('json') });
  const text = express.text({ limit, type: [...XML_BODY_TYPES], defaultCharset: 'utf-8', verify: verifyBody('xml') });
  return (req, res, next) => {
    if (!hasBody(req)) {
      req.body = undefined;
      next();
      return;
    }
    json(req, res, (error?: unknown) => (error === undefined ? text(req, res, next) : next(error)));
  };
}

const READABLE_TYPES = Object.keys(MEDIA_CODECS).join(', ');

/** The request body as a document tree, or a 415 when it came in a format we do not read. */
export function readTree(req: Request): DocTree {
  const type = req.get('content-type');
  const codec = codecForContentType(type);
  if (codec === undefined) {
    const problem = type === undefined ? 'The request has no Content-Type' : `Content-Type '${type}' is not supported`;
    throw new HttpProblem('UNSUPPORTED_MEDIA_TYPE', `${problem}; send one of ${READABLE_TYPES}`);
  }
  return codec.decode(req.body);
}

/** Sends a document in the format the client prefers (XML when it does not say). */
export function sendTree(res: Response, status: number, tree: DocTree): void {
  sendEncoded(res, status, (type) => MEDIA_CODECS[type].encode(tree));
}

/**
 * `sendTree` for a document whose encodings `kept` keeps under `key`, which must name everything `tree` is made of.
 * They are kept as the bytes sent, which Express would otherwise make from the text on every response.
 */
export function sendKeptTree(res: Response, status: number, kept: EncodedDocuments<Buffer>, key: string, tree: () => DocTree): void {
  sendEncoded(res, status, (type) => kept.encoding(`${type}\u0000${key}`, () => Buffer.from(MEDIA_CODECS[type].encode(tree()), 'utf8')));
}

/**
 * What `res.format` does with our media types, without building its handler table and negotiating `Accept` again
 * on every response: `Vary: Accept`, the negotiated type, and 406 naming the types when none is acceptable.
 */
function sendEncoded(res: Response, status: number, encode: (type: ResponseMediaType) => string | Buffer): void {
  res.status(status).vary('Accept');
  const type = acceptedType(res.req);
  if (type === false) {
    const available = RESPONSE_MEDIA_TYPES.join(', ');
    res.req.next?.(new HttpProblem('NOT_ACCEPTABLE', `None of the media types in Accept can be produced; this resource is available as ${available}`));
    return;
  }
  // With its type set, Express adds only Content-Length (and the charset the type already names), and answers 304
  // to a matching If-None-Match.
  res.setHeader('Content-Type', MEDIA_CODECS[type].contentType);
  res.send(encode(type));
}

/** How many `Accept` values `acceptedType` keeps; clients send a few values again and again, and anything past that is negotiated each time. */
const ACCEPT_VALUES_KEPT = 64;
const ACCEPTED = new Map<string, ResponseMediaType | false>();

/** The response media type `Accept` prefers, negotiated once per `Accept` value; false when it allows none. */
function acceptedType(req: Request): ResponseMediaType | false {
  const accept = req.headers.accept;
  if (accept === undefined) return DEFAULT_MEDIA_TYPE;
  const known = ACCEPTED.get(accept);
  if (known !== undefined) return known;
  const type = req.accepts([...RESPONSE_MEDIA_TYPES]) as ResponseMediaType | false;
  if (ACCEPTED.size < ACCEPT_VALUES_KEPT) ACCEPTED.set(accept, type);
  return type;
}

/**
 * Whether `Accept` lists text/plain itself (axios's default `application/json, text/plain, *\/*` does); a mere
 * `*\/*` does not count, so XML and JSON clients keep their structured documents.
 */
function listsPlainText(req: Request): boolean {
  return req.accepts().some((type) => type.toLowerCase() === 'text/plain');
}

/**
 * Errors go out as text/plain to clients that list it, as CollectionSpace answers them, and in the accepted
 * document format otherwise (XML when none is): an error about `Accept` itself must still be answered with
 * something readable. The answer varies with `Accept` either way.
 */
export function sendError(req: Request, res: Response, error: ErrorBody): void {
  res.status(error.status).vary('Accept');
  if (listsPlainText(req)) {
    res.type('text/plain; charset=utf-8').send(encodeErrorText(error));
    return;
  }
  const accepted = acceptedType(req);
  const codec = MEDIA_CODECS[accepted === false ? DEFAULT_MEDIA_TYPE : accepted];
  res.type(codec.contentType).send(codec.encode(encodeError(error)));
}
