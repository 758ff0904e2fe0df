/**
 * Schedules (XML or JSON): `POST|GET /batch/{csid}/schedules` (mounted under `/batch`), and `GET /schedules`,
 * `GET|DELETE /schedules/{id}` (mounted under `/schedules`). Everything is scoped to the caller's tenant.
 */
import { Router } from 'express';
import { decodeScheduleRequest, encodeCommonList, encodeScheduleDocument, SCHEDULE_LIST_SPEC } from '../../codec/index.js';
import type { ScheduleService } from '../../runs/schedules.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';
import { pagingOf } from '../queryParams.js';

export interface SchedulesRouterOptions {
  schedules: ScheduleService;
  /** Where a schedule's document lives, e.g. `/cspace-services/schedules`. */
  basePath: string;
}

/** `/{csid}/schedules`, for the `/batch` mount. */
export function definitionSchedulesRouter({ schedules, basePath }: SchedulesRouterOptions, router: Router = Router()): Router {
  router
    .route('/:csid/schedules')
    // Creating a schedule is invoking later: the same permission as invoking now.
    .post(requirePermission<{ csid: string }>('invoke', 'invoke'), async (req, res) => {
      const schedule = await schedules.create(callerOf(res), req.params.csid, decodeScheduleRequest(readTree(req)));
      res.location(`${basePath}/${schedule.id}`);
      sendTree(res, 201, encodeScheduleDocument(schedule));
    })
    .get(requirePermission<{ csid: string }>('runs', 'list'), async (req, res) => {
      const paging = pagingOf(req.query);
      const page = await schedules.list(callerOf(res).tenant, { definitionId: req.params.csid, paging });
      sendTree(res, 200, encodeCommonList(page, SCHEDULE_LIST_SPEC));
    })
    .all(methodNotAllowed(['GET', 'POST']));
  return router;
}

/** `/` and `/{id}`, for the `/schedules` mount. */
export function schedulesRouter({ schedules }: Pick<SchedulesRouterOptions, 'schedules'>): Router {
  const router = Router();
  router
    .route('/')
    .get(requirePermission('runs', 'list'), async (req, res) => {
      const page = await schedules.list(callerOf(res).tenant, { paging: pagingOf(req.query) });
      sendTree(res, 200, encodeCommonList(page, SCHEDULE_LIST_SPEC));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/:id')
    .get(requirePermission<{ id: string }>('runs', 'read'), async (req, res) => {
      sendTree(res, 200, encodeScheduleDocument(await schedules.get(callerOf(res), req.params.id)));
    })
    // Whoever may schedule invocations may also take a schedule away.
    .delete(requirePermission<{ id: string }>('invoke', 'invoke'), async (req, res) => {
      await schedules.delete(callerOf(res).tenant, req.params.id);
      res.status(204).end();
    })
    .all(methodNotAllowed(['GET', 'DELETE']));
  return router;
}
