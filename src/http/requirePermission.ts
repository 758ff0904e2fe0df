/**
 * Route guard: the caller's roles must allow `action` on `resource`, else 403. Checked before the route reads
 * anything, so a refusal says nothing about what exists.
 */
import type { RequestHandler } from 'express';
import { holdsPermission, isAction, RESOURCES, type Action, type Resource } from '../domain/access.js';
import { ForbiddenError } from '../domain/errors.js';
import { callerOf } from './requestContext.js';

/** Generic in the route parameters only so that it sits in any route's handler list without widening them. */
export function requirePermission<P = Record<string, string>>(resource: Resource, action: Action): RequestHandler<P> {
  // Checked here, once, so that a typo in a router fails at start-up rather than refusing every request.
  if (!(RESOURCES as readonly string[]).includes(resource) || !isAction(action)) {
    throw new TypeError(`requirePermission: unknown resource '${resource}' or action '${action}'`);
  }
  return (_req, res, next) => {
    if (!holdsPermission(callerOf(res).permissions, resource, action)) {
      throw new ForbiddenError(`You are not allowed to ${action} ${resource}`);
    }
    next();
  };
}
