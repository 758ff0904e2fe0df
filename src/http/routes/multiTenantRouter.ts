/**
 * `POST /cspace-services/batch-multitenant/invoke`: the same job started as a background run in several tenants
 * (seed 003). 200 when every tenant got a run, 207 with per-tenant problems otherwise. An `Idempotency-Key` (or a
 * `clientRequestId` in the body) makes a repeat get the first answer, its runs started once.
 */
import { Router } from 'express';
import { decodeMultiTenantInvocation, encodeMultiTenantOutcome } from '../../codec/index.js';
import type { IdempotencyService } from '../../services/idempotencyService.js';
import { invokeAcrossTenants, type MultiTenantDeps } from '../../services/multiTenantInvocation.js';
import { idempotent, readRequestTree } from '../idempotency.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';
import { callerOf } from '../requestContext.js';
import { requirePermission } from '../requirePermission.js';

export function multiTenantRouter(deps: MultiTenantDeps, idempotency: IdempotencyService): Router {
  const router = Router();
  router
    .route('/invoke')
    .post(requirePermission('invoke', 'invoke'), idempotent(idempotency), async (req, res) => {
      const outcome = await invokeAcrossTenants(deps, callerOf(res), decodeMultiTenantInvocation(readRequestTree(req, res)));
      sendTree(res, outcome.problems.length === 0 ? 200 : 207, encodeMultiTenantOutcome(outcome));
    })
    .all(methodNotAllowed(['POST']));
  return router;
}
