/**
 * Who is calling and on behalf of which tenant. `authenticate` (src/http/authenticate.ts) sets the caller once
 * per request; routes read it only through `callerOf`, so everything they touch is scoped to that tenant.
 */
import type { Response } from 'express';
import type { Caller } from '../domain/access.js';

export type { Caller } from '../domain/access.js';

const CALLER_KEY = 'caller';

export function setCaller(res: Response, caller: Caller): void {
  res.locals[CALLER_KEY] = caller;
}

export function callerOf(res: Response): Caller {
  const caller = res.locals[CALLER_KEY] as Caller | undefined;
  if (caller === undefined) throw new Error('No caller: the authenticate middleware was not mounted before this route');
  return caller;
}
