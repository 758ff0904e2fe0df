/** `/admin/roles`: the roles of the caller's tenant and the permissions each grants. */
import { Router } from 'express';
import { decodeRoleDocument, encodeCommonList, encodeRole, ROLE_LIST_SPEC } from '../../../codec/index.js';
import { ValidationError } from '../../../domain/errors.js';
import type { RoleAdmin } from '../../../services/auth/roleAdmin.js';
import { methodNotAllowed } from '../../methodNotAllowed.js';
import { readTree, sendTree } from '../../negotiation.js';
import { requirePermission } from '../../requirePermission.js';
import { callerOf } from '../../requestContext.js';
import { pagingOf } from '../../queryParams.js';

export function rolesAdminRouter(roles: RoleAdmin, basePath: string): Router {
  const router = Router();

  router
    .route('/')
    .get(requirePermission('admin', 'list'), async (req, res) => {
      const page = await roles.list(callerOf(res), pagingOf(req.query));
      sendTree(res, 200, encodeCommonList(page, ROLE_LIST_SPEC));
    })
    .post(requirePermission('admin', 'create'), async (req, res) => {
      const created = await roles.create(callerOf(res), decodeRoleDocument(readTree(req)));
      res.location(`${basePath}/${encodeURIComponent(created.name)}`);
      sendTree(res, 201, encodeRole(created));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:name')
    .get(requirePermission('admin', 'read'), async (req, res) => {
      sendTree(res, 200, encodeRole(await roles.get(callerOf(res), req.params.name)));
    })
    .put(requirePermission('admin', 'update'), async (req, res) => {
      const role = decodeRoleDocument(readTree(req));
      if (role.name !== req.params.name) {
        throw new ValidationError('Role name mismatch', [
          { path: 'role/name', message: `is '${role.name}' but the URL names '${req.params.name}'; roles cannot be renamed` },
        ]);
      }
      sendTree(res, 200, encodeRole(await roles.update(callerOf(res), role)));
    })
    .delete(requirePermission('admin', 'delete'), async (req, res) => {
      await roles.delete(callerOf(res), req.params.name);
      res.status(200).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));

  return router;
}
