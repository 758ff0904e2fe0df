/**
 * `POST /cspace-services/batch-multitenant/invoke`: the same job started as a background run in several tenants
 * (seed 003). 200 when every tenant got a run, 207 with per-tenant problems otherwise.
 */
import { Router } from 'express';
import { decodeMultiTenantInvocation, encodeMultiTenantOutcome } from '../../codec/index.js';
import { invokeAcrossTenants, type MultiTenantDeps } from '../../services/multiTenantInvocation.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { callerOf } from '../requestContext.js';
import { requirePermission } from '../requirePermission.js';

export function multiTenantRouter(deps: MultiTenantDeps): Router {
  const router = Router();
  router
    .route('/invoke')
    .post(requirePermission('invoke', 'invoke'), async (req, res) => {
      const outcome = await invokeAcrossTenants(deps, callerOf(res), decodeMultiTenantInvocation(readTree(req)));
      sendTree(res, outcome.problems.length === 0 ? 200 : 207, encodeMultiTenantOutcome(outcome));
    })
    .all(methodNotAllowed(['POST']));
  return router;
}
