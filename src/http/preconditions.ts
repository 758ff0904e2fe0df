/**
 * Optimistic concurrency: representations carry a strong ETag derived from the stored revision, and writes
 * honour `If-Match` (RFC 9110 13.1.1: `*` or a list of strong tags; weak tags never match).
 */
import type { Request } from 'express';
import { PreconditionFailedError } from '../domain/errors.js';
import type { CoreFields } from '../domain/types.js';

export function etagOf(core: CoreFields): string {
  return `"rev-${core.revision}"`;
}

/** `undefined` when the request has no `If-Match`, otherwise a check of the stored state against it. */
export function ifMatchPrecondition(req: Request): ((current: { core: CoreFields }) => boolean) | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const tags = header.split(',').map((tag) => tag.trim());
  return (current) => tags.includes('*') || tags.includes(etagOf(current.core));
}

/** Throws 412 when the request's `If-Match` does not match `current`. */
export function assertIfMatch(req: Request, current: { core: CoreFields }, what: string): void {
  if (ifMatchPrecondition(req)?.(current) === false) {
    throw new PreconditionFailedError(`${what} has changed since it was read (If-Match does not match)`);
  }
}
