/**
 * `/cspace-services/relations`: typed links between records (`subject --relationshipType--> object`), listed
 * with CollectionSpace's `sbj`, `obj` and `prd` filters.
 */
import { Router } from 'express';
import { decodeRelationDocument, encodeCommonList, encodeRelationDocument, RELATION_LIST_SPEC } from '../../codec/index.js';
import type { RecordService } from '../../services/recordService.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { etagOf } from '../preconditions.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';
import { pagingOf, stringParam } from '../queryParams.js';

export function relationsRouter({ records, basePath }: { records: RecordService; basePath: string }): Router {
  const router = Router();

  router
    .route('/')
    .get(requirePermission('records', 'list'), async (req, res) => {
      const sbj = stringParam(req.query.sbj);
      const obj = stringParam(req.query.obj);
      const prd = stringParam(req.query.prd);
      const page = await records.listRelations(callerOf(res).tenant, {
        ...(sbj !== undefined && { subjectCsid: sbj }),
        ...(obj !== undefined && { objectCsid: obj }),
        ...(prd !== undefined && { relationshipType: prd }),
        paging: pagingOf(req.query),
      });
      sendTree(res, 200, encodeCommonList(page, RELATION_LIST_SPEC));
    })
    .post(requirePermission('records', 'create'), async (req, res) => {
      const caller = callerOf(res);
      const created = await records.relate(caller.tenant, decodeRelationDocument(readTree(req)), caller.user);
      res.status(201).location(`${basePath}/${created.csid}`).set('ETag', etagOf(created.core)).end();
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:csid')
    .get(requirePermission('records', 'read'), async (req, res) => {
      const relation = await records.getRelation(callerOf(res).tenant, req.params.csid);
      sendTree(res, 200, encodeRelationDocument(relation));
    })
    .delete(requirePermission('records', 'delete'), async (req, res) => {
      await records.deleteRelation(callerOf(res).tenant, req.params.csid);
      res.status(200).end();
    })
    .all(methodNotAllowed(['GET', 'DELETE']));

  return router;
}
