/**
 * `/cspace-services/records/{docType}[/{csid}]`: the client's records that plugins act on, as free-form
 * `<document name="{docType}">` field maps; `…/{csid}/file`, the file a document item brought (its bytes, as
 * uploaded); `…/{csid}/runs`, the runs that acted on the record with its item's status in each.
 */
import { Router, type Request } from 'express';
import { decodeRecordDocument, encodeCommonList, encodeRecordDocument, RECORD_LIST_SPEC, RECORD_RUN_LIST_SPEC, type DocTree } from '../../codec/index.js';
import { quoted, ValidationError } from '../../domain/errors.js';
import type { RecordService } from '../../services/recordService.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';
import { pagingOf } from '../queryParams.js';
import { callerOf } from '../requestContext.js';
import { requirePermission } from '../requirePermission.js';
import { recordRoutes } from './recordRoutes.js';

const DOCTYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function docTypeOf(req: Request): string {
  const { docType } = req.params as { docType: string };
  if (!DOCTYPE.test(docType)) {
    throw new ValidationError('Invalid document type', [{ path: 'docType', message: `'${docType}' is not a document type name` }]);
  }
  return docType;
}

/** The fields of the body, refusing a document that names another docType than the URL. */
function fieldsOf(tree: DocTree, docType: string) {
  const document = decodeRecordDocument(tree);
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
    .route('/:docType/:csid/file')
    .get(requirePermission('records', 'read'), async (req: Request<{ docType: string; csid: string }>, res) => {
      const file = await records.file(callerOf(res).tenant, req.params.csid, docTypeOf(req));
      // An attachment, never rendered in the browser's origin (helmet's nosniff and CSP apply too).
      res.status(200).type(file.mediaType).attachment(file.name).set('ETag', `"${file.sha256}"`).send(file.content);
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/:docType/:csid/runs')
    .get(requirePermission('records', 'read'), requirePermission('runs', 'list'), async (req: Request<{ docType: string; csid: string }>, res) => {
      const page = await records.runsOf(callerOf(res).tenant, req.params.csid, docTypeOf(req), pagingOf(req.query));
      sendTree(res, 200, encodeCommonList(page, RECORD_RUN_LIST_SPEC));
    })
    .all(methodNotAllowed(['GET']));
  router.use(
    '/:docType',
    recordRoutes(records, {
      docTypeOf,
      decode: fieldsOf,
      encode: encodeRecordDocument,
      listSpec: RECORD_LIST_SPEC,
      location: (docType, csid) => `${basePath}/${docType}/${csid}`,
    }),
  );
  return router;
}
