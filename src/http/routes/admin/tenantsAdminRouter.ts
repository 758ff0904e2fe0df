/** `/admin/tenants`: system-tenant administrators create, list, read, disable and enable tenants. */
import { Router } from 'express';
import { decodeTenantDocument, encodeCommonList, encodeTenant, TENANT_LIST_SPEC } from '../../../codec/index.js';
import type { TenantAdmin } from '../../../services/auth/tenantAdmin.js';
import { methodNotAllowed } from '../../methodNotAllowed.js';
import { readTree, sendTree } from '../../negotiation.js';
import { requirePermission } from '../../requirePermission.js';
import { callerOf } from '../../requestContext.js';
import { pagingOf } from '../../queryParams.js';

export function tenantsAdminRouter(tenants: TenantAdmin, basePath: string): Router {
  const router = Router();

  router
    .route('/')
    .get(requirePermission('admin', 'list'), async (req, res) => {
      const page = await tenants.list(callerOf(res), pagingOf(req.query));
      sendTree(res, 200, encodeCommonList(page, TENANT_LIST_SPEC));
    })
    .post(requirePermission('admin', 'create'), async (req, res) => {
      const created = await tenants.create(callerOf(res), decodeTenantDocument(readTree(req)));
      res.location(`${basePath}/${created.id}`);
      sendTree(res, 201, encodeTenant(created));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:id')
    .get(requirePermission('admin', 'read'), async (req, res) => {
      sendTree(res, 200, encodeTenant(await tenants.get(callerOf(res), req.params.id)));
    })
    .all(methodNotAllowed(['GET']));

  for (const [operation, disabled] of [['disable', true], ['enable', false]] as const) {
    router
      .route(`/:id/${operation}`)
      .post(requirePermission('admin', 'update'), async (req, res) => {
        sendTree(res, 200, encodeTenant(await tenants.setDisabled(callerOf(res), req.params.id, disabled)));
      })
      .all(methodNotAllowed(['POST']));
  }

  return router;
}
