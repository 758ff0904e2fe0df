/**
 * Who is calling and on behalf of which tenant. Until authentication exists every request acts in the default
 * tenant as `anonymous`; routes read the caller only through here, so adding authentication changes one place.
 */
import type { RequestHandler, Response } from 'express';
import { DEFAULT_TENANT, type TenantId } from '../domain/types.js';

export interface Caller {
  tenant: TenantId;
  user: string;
}

const CALLER_KEY = 'caller';

export const anonymousCaller: RequestHandler = (_req, res, next) => {
  res.locals[CALLER_KEY] = { tenant: DEFAULT_TENANT, user: 'anonymous' } satisfies Caller;
  next();
};

export function callerOf(res: Response): Caller {
  const caller = res.locals[CALLER_KEY] as Caller | undefined;
  if (caller === undefined) throw new Error('No caller: the caller middleware was not mounted before this route');
  return caller;
}

