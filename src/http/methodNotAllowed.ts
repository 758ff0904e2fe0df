import type { RequestHandler } from 'express';
import { HttpProblem } from './problems.js';

/** Answers 405 with `Allow` for a path that exists but not with this method. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  const allow = allowed.join(', ');
  return (req) => {
    throw new HttpProblem('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.originalUrl.split('?')[0]}; use ${allow}`, [], {
      Allow: allow,
    });
  };
}
