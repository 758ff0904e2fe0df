/**
 * `<batch-definitions>`: a page of a tenant's definitions as one document (an export), which is also what an
 * import takes, and the `<batch-import-report>` answering an import, one `entry` per definition.
 */
import { DomainError, ValidationError } from '../domain/errors.js';
import { MAX_IMPORT_DEFINITIONS, type ImportEntry, type ImportResult } from '../domain/definitionTransfer.js';
import type { Page } from '../domain/paging.js';
import type { StoredDefinition } from '../domain/types.js';
import { decodeBatchDocument, encodeDefinitionParts, BATCH_DOCUMENT_NAME } from './batchDocument.js';
import { asNode, rootNamed } from './documentEnvelope.js';
import { listedDetails } from './errorDocument.js';
import { batchUri } from './namespaces.js';
import { asArray, findChildren, isDocNode, type DocNode, type DocTree } from './tree.js';

export const DEFINITIONS_ELEMENT = 'batch-definitions';
const ENTRY_ELEMENT = 'document';

/** A page of definitions, each a `document` as a create takes it, with the csid it has here as an attribute. */
export function encodeDefinitionExport(page: Page<StoredDefinition>): DocTree {
  return {
    [DEFINITIONS_ELEMENT]: {
      pageNum: page.pageNum,
      pageSize: page.pageSize,
      itemsInPage: page.items.length,
      totalItems: page.totalItems,
      [ENTRY_ELEMENT]: page.items.map(({ csid, definition }) => ({
        '@name': BATCH_DOCUMENT_NAME,
        '@csid': csid,
        ...encodeDefinitionParts(definition),
      })),
    },
  };
}

function sourceCsidOf(entry: DocNode): string | undefined {
  const csid = entry['@csid'];
  return typeof csid === 'string' || typeof csid === 'number' ? String(csid).trim().slice(0, 100) || undefined : undefined;
}

/**
 * Each `document` of an import, decoded on its own: one that is invalid carries its error and stops no other.
 * Paging elements an export carries are ignored.
 * @throws ValidationError when the root is not `<batch-definitions>`, or it holds no or too many documents.
 */
export function decodeDefinitionImport(tree: DocTree): ImportEntry[] {
  const root = rootNamed(tree, DEFINITIONS_ELEMENT);
  const node = asNode(root.value, DEFINITIONS_ELEMENT, DEFINITIONS_ELEMENT);
  const documents = findChildren(node, ENTRY_ELEMENT).flatMap((child) => asArray(child.value));
  if (documents.length === 0 || documents.length > MAX_IMPORT_DEFINITIONS) {
    throw new ValidationError(`An import takes 1 to ${MAX_IMPORT_DEFINITIONS} definitions, this one has ${documents.length}`, [
      { path: `${DEFINITIONS_ELEMENT}/${ENTRY_ELEMENT}`, message: `must occur 1 to ${MAX_IMPORT_DEFINITIONS} times` },
    ]);
  }
  return documents.map((document, index) => {
    const sourceCsid = isDocNode(document) ? sourceCsidOf(document) : undefined;
    const entry = { position: index + 1, ...(sourceCsid !== undefined && { sourceCsid }) };
    try {
      return { ...entry, decoded: { definition: decodeBatchDocument({ [ENTRY_ELEMENT]: document }) } };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ...entry, decoded: { error } };
    }
  });
}

function encodeFailure(error: DomainError): DocNode {
  const details = listedDetails(error.details);
  return { code: error.code, message: error.message, details: details.length > 0 ? { detail: details } : undefined };
}

function encodeResult(result: ImportResult): DocNode {
  const { outcome } = result;
  return {
    position: result.position,
    sourceCsid: result.sourceCsid,
    name: result.name,
    status: outcome.status,
    ...(outcome.status === 'failed'
      ? { error: encodeFailure(outcome.error) }
      : { csid: outcome.csid, uri: batchUri(outcome.csid) }),
  };
}

/** The report of an import: how many definitions had each outcome, then one `entry` per definition, in order. */
export function encodeImportReport(results: readonly ImportResult[]): DocTree {
  const count = (status: string) => results.filter((result) => result.outcome.status === status).length;
  return {
    'batch-import-report': {
      created: count('created'),
      updated: count('updated'),
      skipped: count('skipped'),
      failed: count('failed'),
      entry: results.map(encodeResult),
    },
  };
}
