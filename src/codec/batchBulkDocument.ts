/**
 * `<batch_bulk>` ⇄ bulk entries, and `<batch_bulk_responses>`: OSID JobBatchAdminSession's createJobs, updateJobs,
 * deleteJobs and aliasJobs in one request. Each `<entry formId="…" operation="…">` is decoded on its own: what is
 * wrong with one entry becomes that entry's error, and only a malformed envelope (no entries, too many, a missing
 * or repeated form id) fails the whole request.
 */
import bulkSchema from '../../schemas/batch-bulk.json' with { type: 'json' };
import bulkEntrySchema from '../../schemas/batch-bulk-entry.json' with { type: 'json' };
import type { BulkEntry, BulkOperation, BulkRequest, BulkResponse } from '../domain/bulkAdmin.js';
import { DomainError, someOf, type ErrorDetail } from '../domain/errors.js';
import { decodeBatchDocument, decodeBatchUpdate } from './batchDocument.js';
import { asNode, DOCUMENT_ELEMENT, rootNamed } from './documentEnvelope.js';
import { encodeDomainError } from './errorDocument.js';
import { batchUri } from './namespaces.js';
import { createSchemaCheck, validationFailed } from './schemaValidator.js';
import type { DocNode, DocTree } from './tree.js';

export const BULK_ELEMENT = 'batch_bulk';
const ENTRY = 'entry';

interface BulkWire {
  entry: DocNode[];
}

interface EntryWire {
  '@formId': string;
  '@operation': BulkOperation;
  '@csid'?: string;
  '@alias'?: string;
  '@revision'?: number;
  document?: DocNode;
}

const ENTRY_FIELDS = ['@csid', '@alias', '@revision', 'document'] as const;
type EntryField = (typeof ENTRY_FIELDS)[number];

/** What each operation needs and may carry besides `formId` and `operation`. */
const FIELDS: Record<BulkOperation, { required: EntryField[]; optional: EntryField[] }> = {
  create: { required: ['document'], optional: [] },
  update: { required: ['@csid', 'document'], optional: ['@revision'] },
  delete: { required: ['@csid'], optional: ['@revision'] },
  alias: { required: ['@csid', '@alias'], optional: [] },
};

const checkBulk = createSchemaCheck<BulkWire>(bulkSchema, BULK_ELEMENT);
const checkEntry = createSchemaCheck<EntryWire>(bulkEntrySchema, ENTRY);

/** Refuses a form id given twice: the answers could not be told apart. */
function refuseRepeatedFormIds(entries: readonly DocNode[]): void {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const entry of entries) {
    const formId = entry['@formId'] as string;
    if (seen.has(formId)) repeated.add(formId);
    seen.add(formId);
  }
  if (repeated.size > 0) {
    throw validationFailed(BULK_ELEMENT, [{ path: `${BULK_ELEMENT}/${ENTRY}/@formId`, message: `must be unique; repeated: ${someOf([...repeated])}` }]);
  }
}

function checkFields(wire: EntryWire): void {
  const { required, optional } = FIELDS[wire['@operation']];
  const details: ErrorDetail[] = [];
  for (const field of required) if (wire[field] === undefined) details.push({ path: `${ENTRY}/${field}`, message: 'is required' });
  for (const field of ENTRY_FIELDS) {
    if (wire[field] !== undefined && !required.includes(field) && !optional.includes(field)) {
      details.push({ path: `${ENTRY}/${field}`, message: `is not used by a ${wire['@operation']} entry` });
    }
  }
  if (details.length > 0) throw validationFailed(ENTRY, details);
}

function toRequest(wire: EntryWire): BulkRequest {
  checkFields(wire);
  const document = (): DocTree => ({ [DOCUMENT_ELEMENT]: wire.document });
  const id = wire['@csid'] as string;
  const revision = wire['@revision'] === undefined ? {} : { revision: wire['@revision'] };
  switch (wire['@operation']) {
    case 'create':
      return { operation: 'create', definition: decodeBatchDocument(document()) };
    case 'update':
      return { operation: 'update', id, update: decodeBatchUpdate(document()), ...revision };
    case 'delete':
      return { operation: 'delete', id, ...revision };
    case 'alias':
      return { operation: 'alias', id, alias: wire['@alias'] as string };
  }
}

function decodeEntry(node: DocNode): BulkEntry {
  const formId = node['@formId'] as string;
  const operation = typeof node['@operation'] === 'string' ? node['@operation'] : '';
  try {
    return { formId, operation, request: toRequest(checkEntry(node)) };
  } catch (err) {
    if (err instanceof DomainError) return { formId, operation, request: err };
    throw err;
  }
}

/**
 * Decodes a bulk request into its entries, in the order sent.
 * @throws ValidationError only for the envelope: a wrong root, no entries or more than `BULK_ENTRY_LIMIT`, an entry
 *   without a form id, a form id given twice.
 */
export function decodeBatchBulk(tree: DocTree): BulkEntry[] {
  const root = rootNamed(tree, BULK_ELEMENT);
  const wire = checkBulk(asNode(root.value, BULK_ELEMENT, BULK_ELEMENT));
  refuseRepeatedFormIds(wire.entry);
  return wire.entry.map(decodeEntry);
}

/**
 * One `<response>` per entry (or per definition of a delete-all), with its status, the definition acted on and its
 * URI, and the entry's error in the same shape as a whole request's error.
 */
export function encodeBulkResponses(responses: readonly BulkResponse[], statusOf: (response: BulkResponse) => number): DocTree {
  return {
    batch_bulk_responses: {
      response: responses.map((response) => {
        const status = statusOf(response);
        return {
          '@formId': response.formId,
          '@operation': response.operation,
          '@status': status,
          csid: response.csid,
          uri: response.csid === undefined || response.error !== undefined ? undefined : batchUri(response.csid),
          alias: response.alias,
          movedFrom: response.movedFrom,
          error: response.error === undefined ? undefined : encodeDomainError(response.error, status)['error'],
        };
      }),
    },
  };
}
