/**
 * Create, read, update, delete and list of one kind of record, whatever its wire shape: `/records/{docType}`
 * (free-form field maps) and CollectionSpace's record services (`/collectionobjects`, …) share these handlers
 * and differ only in the `RecordWireShape` they map documents with.
 */
import { Router, type Request } from 'express';
import { encodeCommonList, type DocTree, type ListSpec } from '../../codec/index.js';
import type { RecordFields, StoredRecord } from '../../domain/types.js';
import type { RecordService } from '../../services/recordService.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { assertIfMatch, etagOf } from '../preconditions.js';
import { parseRecordListQuery } from '../recordListQuery.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf, type Caller } from '../requestContext.js';
import { mountWorkflowRoutes } from './workflowRoutes.js';

export interface RecordWireShape {
  /** The docType the request addresses (from its URL). @throws ValidationError for a bad one */
  docTypeOf(req: Request): string;
  /** The record fields of a request body's document. */
  decode(tree: DocTree, docType: string): RecordFields;
  /** @param reader the caller of a GET, whose `account_permission` the document may carry (no other answer does). */
  encode(record: StoredRecord, reader?: Caller): DocTree;
  listSpec: ListSpec<StoredRecord>;
  /** The `Location` of a created record. */
  location(docType: string, csid: string): string;
}

/**
 * Routes `/` (list, create), `/:csid` (read, update, delete) and `/:csid/workflow[/{transition}]` (soft delete
 * and undelete) of a router mounted where `shape` expects.
 */
export function recordRoutes(records: RecordService, shape: RecordWireShape): Router {
  const router = Router({ mergeParams: true });

  router
    .route('/')
    .get(requirePermission('records', 'list'), async (req, res) => {
      const docType = shape.docTypeOf(req);
      const page = await records.list(callerOf(res).tenant, parseRecordListQuery(docType, req.query));
      sendTree(res, 200, encodeCommonList(page, shape.listSpec));
    })
    .post(requirePermission('records', 'create'), async (req, res) => {
      const docType = shape.docTypeOf(req);
      const caller = callerOf(res);
      const created = await records.create(caller.tenant, docType, shape.decode(readTree(req), docType), caller.user);
      res.status(201).location(shape.location(docType, created.csid)).set('ETag', etagOf(created.core)).end();
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:csid')
    .get(requirePermission('records', 'read'), async (req: Request<{ csid: string }>, res) => {
      const caller = callerOf(res);
      const record = await records.get(caller.tenant, req.params.csid, shape.docTypeOf(req));
      res.set('ETag', etagOf(record.core));
      sendTree(res, 200, shape.encode(record, caller));
    })
    .put(requirePermission('records', 'update'), async (req: Request<{ csid: string }>, res) => {
      const docType = shape.docTypeOf(req);
      const caller = callerOf(res);
      const fields = shape.decode(readTree(req), docType);
      const current = await records.get(caller.tenant, req.params.csid, docType);
      assertIfMatch(req, current, `${docType} '${current.csid}'`);
      const updated = await records.put(caller.tenant, current, fields, { actor: caller.user });
      res.set('ETag', etagOf(updated.core));
      sendTree(res, 200, shape.encode(updated));
    })
    .delete(requirePermission('records', 'delete'), async (req: Request<{ csid: string }>, res) => {
      const docType = shape.docTypeOf(req);
      const { tenant } = callerOf(res);
      const current = await records.get(tenant, req.params.csid, docType);
      assertIfMatch(req, current, `${docType} '${current.csid}'`);
      await records.delete(tenant, current.csid, { docType, expectedRevision: current.core.revision });
      res.status(200).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));

  mountWorkflowRoutes(router, {
    resource: 'records',
    read: async (caller, req) => (await records.get(caller.tenant, req.params.csid, shape.docTypeOf(req))).core,
    follow: async (caller, req, transition) =>
      (await records.transition(caller.tenant, req.params.csid, transition, { actor: caller.user, docType: shape.docTypeOf(req) })).core,
    headersOf: (core) => ({ ETag: etagOf(core) }),
  });

  return router;
}
