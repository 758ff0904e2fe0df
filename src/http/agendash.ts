/**
 * Agendash, the Agenda dashboard, behind the service's own authentication and the admin permission: it has
 * none of its own, and it can requeue and delete jobs (runs, schedules) of every tenant.
 */
import { Router, type Request, type RequestHandler } from 'express';
import type { Agenda } from 'agenda';
import { createExpressMiddleware } from 'agendash';
import type { AuthService } from '../services/auth/authService.js';
import { authenticate } from './authenticate.js';
import { requirePermission } from './requirePermission.js';

export interface AgendashOptions {
  /** Where the dashboard is served, e.g. `/cspace-services/agendash`. */
  path: string;
  agenda: Agenda;
}

export function agendashRouter(auth: AuthService, agenda: Agenda): Router {
  const mayRead = requirePermission<Request['params']>('admin', 'read');
  const mayChange = requirePermission<Request['params']>('admin', 'update');
  // Looking is reading; the dashboard's POST and DELETE calls change jobs.
  const mayUse: RequestHandler = (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? mayRead : mayChange)(req, res, next);
  const router = Router();
  router.use(authenticate(auth), mayUse, createExpressMiddleware(agenda));
  return router;
}
