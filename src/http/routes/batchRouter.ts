/**
 * `/cspace-services/batch`: CRUD + list of batch job definitions (CollectionSpace `batch_common` documents), and
 * their workflow (`GET {csid}/workflow`, `PUT {csid}/workflow/{transition}`: soft delete and undelete); bulk
 * administration in batchAdminRouter.ts. Every `{csid}` may also be one of the definition's aliases.
 */
import { Router } from 'express';
import { decodeBatchDocument, decodeBatchUpdate, encodeBatchDocument, encodeBatchList } from '../../codec/index.js';
import { accountPermissionOn, BATCH_PERMISSION_TARGET, type AccountPermission } from '../../domain/accountPermission.js';
import type { Caller } from '../../domain/access.js';
import type { DefinitionService } from '../../services/definitionService.js';
import { parseDefinitionListQuery } from '../definitionListQuery.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { EncodedDocuments } from '../encodedDocuments.js';
import { readTree, sendKeptTree, sendTree } from '../negotiation.js';
import { etagOf, ifMatchPrecondition } from '../preconditions.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';
import { mountWorkflowRoutes } from './workflowRoutes.js';

export interface BatchRouterDeps {
  definitions: DefinitionService;
  /** The path this router is mounted at, for `Location` headers. */
  basePath: string;
}

/** How many encoded definitions a router keeps (about 1.5 KB each); the earliest encoded leave first. */
const ENCODED_READS_KEPT = 1000;

export function batchRouter({ definitions, basePath }: BatchRouterDeps, router: Router = Router()): Router {
  const encodedReads = new EncodedDocuments<Buffer>(ENCODED_READS_KEPT);
  // A caller's permission part of a definition, and the JSON that names it in a kept encoding's key, per caller:
  // authentication keeps the same caller object while the caller's roles stay the same, so a read that finds it
  // here works neither out again.
  const permissionParts = new WeakMap<Caller, { permission: AccountPermission; json: string }>();
  const permissionPartOf = (caller: Caller) => {
    let part = permissionParts.get(caller);
    if (part === undefined) {
      const permission = accountPermissionOn(caller, BATCH_PERMISSION_TARGET);
      part = { permission, json: JSON.stringify(permission) };
      permissionParts.set(caller, part);
    }
    return part;
  };

  router
    .route('/')
    .get(requirePermission('definitions', 'list'), async (req, res) => {
      const page = await definitions.list(callerOf(res).tenant, parseDefinitionListQuery(req.query));
      sendTree(res, 200, encodeBatchList(page));
    })
    .post(requirePermission('definitions', 'create'), async (req, res) => {
      const caller = callerOf(res);
      const created = await definitions.create(caller.tenant, decodeBatchDocument(readTree(req)), caller.user);
      res.status(201).location(`${basePath}/${created.csid}`).set('ETag', etagOf(created.core)).end();
    })
    .all(methodNotAllowed(['GET', 'POST', 'DELETE']));

  router
    .route('/:csid')
    .get(requirePermission('definitions', 'read'), async (req, res) => {
      const caller = callerOf(res);
      // Authentication refreshed the store's generations for this request: a definition kept since is still current.
      const stored = await definitions.getKept(caller.tenant, req.params.csid);
      const { permission, json } = permissionPartOf(caller);
      res.set('ETag', etagOf(stored.core));
      // What the document is made of: the stored revision (with its write time, so that a store restored from a
      // backup and written again cannot be answered with the encoding of the revision it replaced) and the
      // caller's permission part.
      const { core } = stored;
      const key = `${core.tenantId}\u0000${stored.csid}\u0000${core.revision}\u0000${core.updatedAt.getTime()}\u0000${json}`;
      sendKeptTree(res, 200, encodedReads, key, () => encodeBatchDocument(stored, permission));
    })
    .put(requirePermission('definitions', 'update'), async (req, res) => {
      const caller = callerOf(res);
      const update = decodeBatchUpdate(readTree(req));
      const precondition = ifMatchPrecondition(req);
      const updated = await definitions.update(caller.tenant, req.params.csid, update, {
        actor: caller.user,
        ...(precondition && { precondition }),
      });
      res.set('ETag', etagOf(updated.core));
      sendTree(res, 200, encodeBatchDocument(updated));
    })
    .delete(requirePermission('definitions', 'delete'), async (req, res) => {
      const precondition = ifMatchPrecondition(req);
      await definitions.delete(callerOf(res).tenant, req.params.csid, precondition ? { precondition } : {});
      res.status(200).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE', 'POST']));

  mountWorkflowRoutes(router, {
    resource: 'definitions',
    read: async (caller, req) => (await definitions.get(caller.tenant, req.params.csid)).core,
    follow: async (caller, req, transition) => (await definitions.transition(caller.tenant, req.params.csid, transition, { actor: caller.user })).core,
  });

  return router;
}
