/**
 * `/admin/users`: members of the caller's tenant. Create, list, read; disable/enable and set the password of a
 * user whose default tenant this is; set the roles a member holds here; add or remove another tenant's user.
 */
import { Router } from 'express';
import {
  decodePasswordDocument,
  decodeRolesDocument,
  decodeUserDocument,
  encodeCommonList,
  encodeUser,
  userListSpec,
} from '../../../codec/index.js';
import type { UserAdmin } from '../../../services/auth/userAdmin.js';
import { methodNotAllowed } from '../../methodNotAllowed.js';
import { readTree, sendTree } from '../../negotiation.js';
import { requirePermission } from '../../requirePermission.js';
import { callerOf } from '../../requestContext.js';
import { pagingOf } from '../../queryParams.js';

export function usersAdminRouter(users: UserAdmin, basePath: string): Router {
  const router = Router();

  router
    .route('/')
    .get(requirePermission('admin', 'list'), async (req, res) => {
      const caller = callerOf(res);
      const page = await users.list(caller, pagingOf(req.query));
      sendTree(res, 200, encodeCommonList(page, userListSpec(caller.tenant)));
    })
    .post(requirePermission('admin', 'create'), async (req, res) => {
      const caller = callerOf(res);
      const created = await users.create(caller, decodeUserDocument(readTree(req)));
      res.location(`${basePath}/${encodeURIComponent(created.username)}`);
      sendTree(res, 201, encodeUser(created, caller.tenant));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:username')
    .get(requirePermission('admin', 'read'), async (req, res) => {
      const caller = callerOf(res);
      sendTree(res, 200, encodeUser(await users.get(caller, req.params.username), caller.tenant));
    })
    .all(methodNotAllowed(['GET']));

  for (const [operation, disabled] of [['disable', true], ['enable', false]] as const) {
    router
      .route(`/:username/${operation}`)
      .post(requirePermission('admin', 'update'), async (req, res) => {
        const caller = callerOf(res);
        sendTree(res, 200, encodeUser(await users.setDisabled(caller, req.params.username, disabled), caller.tenant));
      })
      .all(methodNotAllowed(['POST']));
  }

  router
    .route('/:username/password')
    .put(requirePermission('admin', 'update'), async (req, res) => {
      await users.setPassword(callerOf(res), req.params.username, decodePasswordDocument(readTree(req)));
      res.status(204).end();
    })
    .all(methodNotAllowed(['PUT']));

  router
    .route('/:username/roles')
    .put(requirePermission('admin', 'update'), async (req, res) => {
      const caller = callerOf(res);
      const updated = await users.setRoles(caller, req.params.username, decodeRolesDocument(readTree(req)));
      sendTree(res, 200, encodeUser(updated, caller.tenant));
    })
    .all(methodNotAllowed(['PUT']));

  router
    .route('/:username/membership')
    .put(requirePermission('admin', 'update'), async (req, res) => {
      const caller = callerOf(res);
      const member = await users.addMember(caller, req.params.username, decodeRolesDocument(readTree(req)));
      sendTree(res, 200, encodeUser(member, caller.tenant));
    })
    .delete(requirePermission('admin', 'delete'), async (req, res) => {
      await users.removeMember(callerOf(res), req.params.username);
      res.status(200).end();
    })
    .all(methodNotAllowed(['PUT', 'DELETE']));

  return router;
}
