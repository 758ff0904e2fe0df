/**
 * `/cspace-services/records/{docType}[/{csid}]`: the client's records that plugins act on, as free-form
 * `<document name="{docType}">` field maps.
 */
import { Router, type Request } from 'express';
import { decodeRecordDocument, encodeRecordDocument, RECORD_LIST_SPEC, type DocTree } from '../../codec/index.js';
import { quoted, ValidationError } from '../../domain/errors.js';
import type { RecordService } from '../../services/recordService.js';
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
