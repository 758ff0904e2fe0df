/** `/admin/tokens`: API tokens of the caller's tenant. The bearer value is in the creation answer only. */
import { Router } from 'express';
import { decodeTokenDocument, encodeCommonList, encodeToken, TOKEN_LIST_SPEC } from '../../../codec/index.js';
import type { TokenAdmin } from '../../../services/auth/tokenAdmin.js';
import { methodNotAllowed } from '../../methodNotAllowed.js';
import { readTree, sendTree } from '../../negotiation.js';
import { requirePermission } from '../../requirePermission.js';
import { callerOf } from '../../requestContext.js';
import { pagingOf } from '../../queryParams.js';

export function tokensAdminRouter(tokens: TokenAdmin, basePath: string): Router {
  const router = Router();

  router
    .route('/')
    .get(requirePermission('admin', 'list'), async (req, res) => {
      const username = typeof req.query.username === 'string' && req.query.username !== '' ? req.query.username : undefined;
      const paging = pagingOf(req.query);
      const page = await tokens.list(callerOf(res), { ...(username !== undefined && { username }), paging });
      sendTree(res, 200, encodeCommonList(page, TOKEN_LIST_SPEC));
    })
    .post(requirePermission('admin', 'create'), async (req, res) => {
      const { record, token } = await tokens.create(callerOf(res), decodeTokenDocument(readTree(req)));
      res.location(`${basePath}/${record.id}`);
      sendTree(res, 201, encodeToken(record, token));
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:id')
    .get(requirePermission('admin', 'read'), async (req, res) => {
      sendTree(res, 200, encodeToken(await tokens.get(callerOf(res), req.params.id)));
    })
    .delete(requirePermission('admin', 'delete'), async (req, res) => {
      sendTree(res, 200, encodeToken(await tokens.revoke(callerOf(res), req.params.id)));
    })
    .all(methodNotAllowed(['GET', 'DELETE']));

  return router;
}
