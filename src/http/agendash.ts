/**
 * Agendash, the Agenda dashboard, behind the service's own authentication: it has none of its own, and it lists,
 * requeues, creates and deletes the jobs (runs, schedules) of every tenant. So only administrators of the whole
 * service may open it (`isSystemAdministrator`, the rule that also guards tenant management); a tenant's own
 * administrator gets 403. What a job may do does not rest on this guard alone: no job takes authority from its data
 * (see src/runs/jobAuthority.ts).
 */
import { Router, type RequestHandler } from 'express';
import type { Agenda } from 'agenda';
import { createExpressMiddleware } from 'agendash';
import { ForbiddenError } from '../domain/errors.js';
import { isSystemAdministrator } from '../domain/systemTenant.js';
import type { AuthService } from '../services/auth/authService.js';
import { authenticate } from './authenticate.js';
import { callerOf } from './requestContext.js';

export interface AgendashOptions {
  /** Where the dashboard is served, e.g. `/cspace-services/agendash`. */
  path: string;
  agenda: Agenda;
}

/** Looking is reading (`admin` R); the dashboard's POST and DELETE calls change jobs (`admin` U). */
const mayUse: RequestHandler = (req, res, next) => {
  const action = req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'update';
  if (!isSystemAdministrator(callerOf(res), action)) {
    throw new ForbiddenError('Only administrators of the default tenant may use the Agenda dashboard');
  }
  next();
};

export function agendashRouter(auth: AuthService, agenda: Agenda): Router {
  const router = Router();
  router.use(authenticate(auth), mayUse, createExpressMiddleware(agenda));
  return router;
}
