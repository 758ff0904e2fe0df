/**
 * `/cspace-services/records/{docType}[/{csid}]`: the client's records that plugins act on, as free-form
 * `<document name="{docType}">` field maps.
 */
import { Router, type Request } from 'express';
import { decodeRecordDocument, encodeCommonList, encodeRecordDocument, RECORD_LIST_SPEC } from '../../codec/index.js';
import { quoted, ValidationError } from '../../domain/errors.js';
import type { RecordService } from '../../services/recordService.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { assertIfMatch, etagOf } from '../preconditions.js';
import { parseRecordListQuery } from '../recordListQuery.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';

const DOCTYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function docTypeOf(req: Request<{ docType: string }>): string {
  const { docType } = req.params;
  if (!DOCTYPE.test(docType)) {
    throw new ValidationError('Invalid document type', [{ path: 'docType', message: `'${docType}' is not a document type name` }]);
  }
  return docType;
}

/** The fields of the body, refusing a document that names another docType than the URL. */
function fieldsOf(req: Request<{ docType: string }>, docType: string) {
  const document = decodeRecordDocument(readTree(req));
  if (document.docType !== undefined && document.docType.toLowerCase() !== docType.toLowerCase()) {
    throw new ValidationError('Document type mismatch', [
      { path: 'document/@name', message: `is ${quoted(document.docType)} but the URL names '${docType}'` },
    ]);
  }
  return document.fields;
}

export function recordsRouter({ records, basePath }: { records: RecordService; basePath: string }): Router {
  const router = Router();

  router
    .route('/:docType')
    .get(requirePermission('records', 'list'), async (req, res) => {
      const docType = docTypeOf(req);
      const page = await records.list(callerOf(res).tenant, parseRecordListQuery(docType, req.query));
      sendTree(res, 200, encodeCommonList(page, RECORD_LIST_SPEC));
    })
    .post(requirePermission('records', 'create'), async (req, res) => {
      const docType = docTypeOf(req);
      const caller = callerOf(res);
      const created = await records.create(caller.tenant, docType, fieldsOf(req, docType), caller.user);
      res.status(201).location(`${basePath}/${docType}/${created.csid}`).set('ETag', etagOf(created.core)).end();
    })
    .all(methodNotAllowed(['GET', 'POST']));

  router
    .route('/:docType/:csid')
    .get(requirePermission('records', 'read'), async (req, res) => {
      const record = await records.get(callerOf(res).tenant, req.params.csid, docTypeOf(req));
      res.set('ETag', etagOf(record.core));
      sendTree(res, 200, encodeRecordDocument(record));
    })
    .put(requirePermission('records', 'update'), async (req, res) => {
      const docType = docTypeOf(req);
      const caller = callerOf(res);
      const fields = fieldsOf(req, docType);
      const current = await records.get(caller.tenant, req.params.csid, docType);
      assertIfMatch(req, current, `${docType} '${current.csid}'`);
      const updated = await records.put(caller.tenant, current, fields, { actor: caller.user });
      res.set('ETag', etagOf(updated.core));
      sendTree(res, 200, encodeRecordDocument(updated));
    })
    .delete(requirePermission('records', 'delete'), async (req, res) => {
      const docType = docTypeOf(req);
      const { tenant } = callerOf(res);
      const current = await records.get(tenant, req.params.csid, docType);
      assertIfMatch(req, current, `${docType} '${current.csid}'`);
      await records.delete(tenant, current.csid, { docType, expectedRevision: current.core.revision });
      res.status(200).end();
    })
    .all(methodNotAllowed(['GET', 'PUT', 'DELETE']));

  return router;
}
