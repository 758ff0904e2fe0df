/**
 * Document items (issue 13, part 3): what `POST /runs/{id}/documents` takes in XML or JSON, and what it answers;
 * and a record's runs (`GET /records/{docType}/{csid}/runs`).
 *
 * A body is `<items>` whose `<document name="{docType}">` children each hold one record's fields, as the Records
 * API takes them (JSON: `{"items": {"document": [{"@name": "…", …fields}, …]}}`); seed 002's `clientRequestId`
 * may sit beside them (src/codec/clientRequestId.ts takes it out first).
 */
import { ValidationError } from '../domain/errors.js';
import { DOCUMENT_ITEMS_LIMIT, type CreatedDocumentItem, type RecordRun } from '../domain/recordItems.js';
import type { ListSpec } from './commonList.js';
import { recordUri } from './namespaces.js';
import { decodeRecordDocument, type RecordDocument } from './recordDocument.js';
import { asArray, elementChildren, isDocNode, localName, rootElement, type DocTree } from './tree.js';

const ITEMS = 'items';
const DOCUMENT = 'document';

function refused(message: string, path: string, rule: string): ValidationError {
  return new ValidationError(message, [{ path, message: rule }]);
}

/**
 * The documents of an `<items>` body, in order: 1 to `DOCUMENT_ITEMS_LIMIT` of them, nothing else beside them.
 * @throws ValidationError for another root, another child, no document or too many, or a document's bad field
 */
export function decodeDocumentItems(tree: DocTree): RecordDocument[] {
  const root = rootElement(tree);
  if (root === undefined || localName(root.key) !== ITEMS || !isDocNode(root.value)) {
    throw refused('Expected an <items> element with <document> children', '(root)', 'must be <items>');
  }
  const documents: RecordDocument[] = [];
  for (const child of elementChildren(root.value)) {
    if (localName(child.key) !== DOCUMENT) {
      throw refused(`Unexpected <${child.key}> in <items>`, `items/${child.key}`, 'only <document> elements may be items');
    }
    for (const value of asArray(child.value)) {
      if (documents.length === DOCUMENT_ITEMS_LIMIT) {
        throw refused(`At most ${DOCUMENT_ITEMS_LIMIT} documents may be added at once`, 'items/document', `more than ${DOCUMENT_ITEMS_LIMIT}`);
      }
      documents.push(decodeRecordDocument({ [DOCUMENT]: value }));
    }
  }
  if (documents.length === 0) throw refused('No documents to add', 'items/document', 'is required');
  return documents;
}

export const DOCUMENT_ITEM_LIST_SPEC: ListSpec<CreatedDocumentItem> = {
  fieldsReturned: ['csid', 'uri', 'docType', 'fileName'],
  toItem: ({ csid, docType, fileName }) => ({ csid, uri: recordUri(docType, csid), docType, fileName }),
};

/** A record's runs: each run with the record's item in it (seed 000's staged list with item statuses). */
export const RECORD_RUN_LIST_SPEC: ListSpec<RecordRun> = {
  fieldsReturned: ['runId', 'uri', 'definitionCsid', 'definitionName', 'runStatus', 'createdAt', 'completedAt', 'itemStatus', 'attempts', 'error', 'updatedAt'],
  toItem: (run) => ({
    runId: run.runId,
    uri: `/runs/${run.runId}`,
    definitionCsid: run.definitionCsid,
    definitionName: run.definitionName,
    runStatus: run.runStatus,
    createdAt: run.runCreatedAt.toISOString(),
    completedAt: run.runCompletedAt?.toISOString(),
    itemStatus: run.itemStatus,
    attempts: run.attempts,
    error: run.error,
    updatedAt: run.itemUpdatedAt.toISOString(),
  }),
};
