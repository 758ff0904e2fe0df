/**
 * The body of `POST /runs/{id}/documents`: record documents in XML or JSON (src/codec/documentItemsDocument.ts),
 * or files as `multipart/form-data` (src/http/multipartUploads.ts). Read before `idempotent`, which compares an
 * upload's repeats by what `uploadFingerprint` gives: each file's name, media type and SHA-256, in order.
 */
import type { RequestHandler, Response } from 'express';
import { decodeDocumentItems } from '../codec/index.js';
import type { DocumentItem } from '../domain/recordItems.js';
import { readRequestTree } from './idempotency.js';
import { isMultipart, readUploads, type UploadLimits } from './multipartUploads.js';

/** Where `readDocumentItems` leaves what it read. */
const ITEMS_KEY = 'documentItems';
const UPLOADED_KEY = 'documentItemsUploaded';

export function readDocumentItems(limits: UploadLimits): RequestHandler {
  return async (req, res, next) => {
    if (isMultipart(req)) {
      const files = await readUploads(req, limits);
      res.locals[UPLOADED_KEY] = true;
      res.locals[ITEMS_KEY] = files.map((file): DocumentItem => ({ file }));
    } else {
      res.locals[ITEMS_KEY] = decodeDocumentItems(readRequestTree(req, res)).map(
        ({ docType, fields }): DocumentItem => (docType === undefined ? { fields } : { docType, fields }),
      );
    }
    next();
  };
}

export function documentItemsOf(res: Response): DocumentItem[] {
  return res.locals[ITEMS_KEY] as DocumentItem[];
}

/** An upload as `idempotent` compares it; `undefined` for a document body, which it compares itself. */
export function uploadFingerprint(res: Response): unknown {
  if (res.locals[UPLOADED_KEY] !== true) return undefined;
  return documentItemsOf(res).map((item) => ('file' in item ? [item.file.name, item.file.mediaType, item.file.sha256] : null));
}
