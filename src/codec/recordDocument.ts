/**
 * Records: free-form field maps. XML `<document name="{docType}">` whose child elements are the fields
 * (nested elements → objects, repeated → arrays, text → strings); JSON `{"document": {"@name": docType, ...}}`.
 *
 * Field names must be plain XML names without a prefix, so that every record can be written back as XML and
 * no name can reach a store as an operator (`$`) or a path (`.`). Attributes inside fields have no place in a
 * field map and are refused; namespace declarations are ignored.
 */
import type { ErrorDetail } from '../domain/errors.js';
import type { FieldValue, RecordFields, StoredRecord } from '../domain/types.js';
import { CORE_PART_KEY, corePart, isSystemPart, openDocument } from './documentEnvelope.js';
import type { ListSpec } from './commonList.js';
import { recordUri } from './namespaces.js';
import { validationFailed } from './schemaValidator.js';
import { isAttributeKey, isDocNode, TEXT_KEY, type DocNode, type DocTree, type DocValue } from './tree.js';

export interface RecordDocument {
  /** The `name` attribute of `document`, when given. */
  docType?: string;
  fields: RecordFields;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const FIELD_NAME_RULE = "is not a valid field name: use letters, digits, '_' and '-', starting with a letter or '_'";

function isNamespaceDeclaration(key: string): boolean {
  return key === '@xmlns' || key.startsWith('@xmlns:');
}

function toFieldValue(value: DocValue, path: string, problems: ErrorDetail[]): FieldValue {
  if (Array.isArray(value)) return value.map((item, index) => toFieldValue(item, `${path}/${index}`, problems));
  if (isDocNode(value)) return toFields(value, path, problems);
  return value;
}

/** A node's child elements as record fields; what cannot be a field is added to `problems`. */
export function toFields(node: DocNode, path: string, problems: ErrorDetail[]): RecordFields {
  const fields: RecordFields = {};
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined || isNamespaceDeclaration(key)) continue;
    const fieldPath = `${path}/${key}`;
    if (isAttributeKey(key)) {
      problems.push({ path: fieldPath, message: 'attributes are not supported in record fields' });
    } else if (key === TEXT_KEY) {
      problems.push({ path: fieldPath, message: 'text mixed with child elements is not supported in record fields' });
    } else if (!FIELD_NAME.test(key)) {
      problems.push({ path: fieldPath, message: FIELD_NAME_RULE });
    } else {
      fields[key] = toFieldValue(value, fieldPath, problems);
    }
  }
  return fields;
}

/**
 * Decodes a record document. System parts (`collectionspace_core`, `account_permission`) are ignored, so clients
 * can send back what they read.
 * @throws ValidationError listing every refused field name, attribute or mixed text, with paths.
 */
export function decodeRecordDocument(tree: DocTree): RecordDocument {
  const { node, name } = openDocument(tree);
  const content: DocNode = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '@name' || isSystemPart(key)) continue;
    content[key] = value;
  }
  const problems: ErrorDetail[] = [];
  const fields = toFields(content, 'document', problems);
  if (problems.length > 0) throw validationFailed('record document', problems);
  return name === undefined ? { fields } : { docType: name, fields };
}

export function encodeRecordDocument(record: StoredRecord): DocTree {
  return {
    document: {
      '@name': record.docType,
      ...record.fields,
      [CORE_PART_KEY]: corePart(recordUri(record.docType, record.csid), record.core),
    },
  };
}

export const RECORD_LIST_SPEC: ListSpec<StoredRecord> = {
  fieldsReturned: ['csid', 'uri', 'docType', 'updatedAt', 'workflowState'],
  toItem: ({ csid, docType, core }) => ({
    csid,
    uri: recordUri(docType, csid),
    docType,
    updatedAt: core.updatedAt.toISOString(),
    workflowState: core.workflowState,
  }),
};
