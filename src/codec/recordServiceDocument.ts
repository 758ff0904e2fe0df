/**
 * CollectionSpace's own record services (`/collectionobjects`, `/movements`, `/groups`, `/loansout`) over the
 * same records as `/records/{docType}`: a multi-part `<document name="collectionobjects">` whose common part
 * (`ns2:collectionobjects_common`) holds the record's fields.
 *
 * As in CollectionSpace, the `document` name is not checked (its own UpdateObjectLocationBatchJob writes
 * `collectionobject`), the common part is found by its element name whatever namespace it declares (its
 * XmlReplay group payload declares `http://collectionspace.org/group`), and attributes on the part such as
 * `xsi:schemaLocation` are ignored. Other parts are refused (this store keeps only the common part), except the
 * read-only `collectionspace_core`, which clients send back as they read it.
 */
import type { AccountPermission } from '../domain/accountPermission.js';
import type { ErrorDetail } from '../domain/errors.js';
import type { StoredRecord } from '../domain/types.js';
import type { ListSpec } from './commonList.js';
import { ACCOUNT_PERMISSION_PART_KEY, accountPermissionPart, CORE_PART_KEY, corePart, openDocument, takeParts } from './documentEnvelope.js';
import { PART_PREFIX } from './namespaces.js';
import { toFields } from './recordDocument.js';
import { validationFailed } from './schemaValidator.js';
import { isAttributeKey, type DocNode, type DocTree } from './tree.js';

export interface RecordServiceSpec {
  /** The URL segment and `document` name, e.g. `collectionobjects`. */
  service: string;
  /** The stored records' docType (CollectionSpace's object name), e.g. `CollectionObject`. */
  docType: string;
  /** The namespace written on the common part. */
  namespace: string;
  /** Fields list items carry besides the standard ones (CollectionSpace's list results fields). */
  listFields: readonly string[];
  /** CollectionSpace's service type (its tenant bindings' `type`), the group `servicegroups/{type}` names. */
  serviceType: 'object' | 'procedure';
  /**
   * CollectionSpace's service tags (its tenant bindings' `<tags>`, e.g. `nagpra`), which cspace-ui reads at login
   * from `servicegroups/procedure/tags`. None of the services here carries one.
   */
  tags: readonly string[];
}

/** The services served, by URL segment: the doc types the shipped plugins read and write. */
export const RECORD_SERVICES: readonly RecordServiceSpec[] = [
  {
    service: 'collectionobjects',
    docType: 'CollectionObject',
    namespace: 'http://collectionspace.org/services/collectionobject',
    listFields: ['objectNumber', 'title', 'computedCurrentLocation'],
    serviceType: 'object',
    tags: [],
  },
  {
    service: 'movements',
    docType: 'Movement',
    namespace: 'http://collectionspace.org/services/movement',
    listFields: ['movementReferenceNumber', 'currentLocation', 'locationDate'],
    serviceType: 'procedure',
    tags: [],
  },
  {
    service: 'groups',
    docType: 'Group',
    namespace: 'http://collectionspace.org/services/group',
    listFields: ['title', 'owner'],
    serviceType: 'procedure',
    tags: [],
  },
  {
    service: 'loansout',
    docType: 'Loanout',
    namespace: 'http://collectionspace.org/services/loanout',
    listFields: ['loanOutNumber', 'borrower'],
    serviceType: 'procedure',
    tags: [],
  },
];

export function commonPartName(spec: RecordServiceSpec): string {
  return `${spec.service}_common`;
}

/** The part's own attributes carry no data: namespace declarations and `xsi:*` (schemaLocation) are dropped. */
function withoutPartAttributes(part: DocNode): DocNode {
  return Object.fromEntries(Object.entries(part).filter(([key]) => !(isAttributeKey(key) && /^@(xmlns|xsi)(:|$)/.test(key))));
}

/**
 * The record fields of a service document: the common part's children.
 * @throws ValidationError naming an unknown or missing part, or a field that cannot be one.
 */
export function decodeRecordServiceDocument(tree: DocTree, spec: RecordServiceSpec) {
  const envelope = openDocument(tree);
  const part = commonPartName(spec);
  const common = takeParts(envelope, { name: part }).get(part) as DocNode;
  const problems: ErrorDetail[] = [];
  const fields = toFields(withoutPartAttributes(common), `document/${part}`, problems);
  if (problems.length > 0) throw validationFailed(`${spec.service} document`, problems);
  return fields;
}

export function recordServiceUri(spec: RecordServiceSpec, csid: string): string {
  return `/${spec.service}/${csid}`;
}

/** A record: its common part and `collectionspace_core`, and `account_permission` when given (a GET carries it). */
export function encodeRecordServiceDocument(record: StoredRecord, spec: RecordServiceSpec, accountPermission?: AccountPermission): DocTree {
  return {
    document: {
      '@name': spec.service,
      [`${PART_PREFIX}:${commonPartName(spec)}`]: { [`@xmlns:${PART_PREFIX}`]: spec.namespace, ...record.fields },
      [CORE_PART_KEY]: corePart(recordServiceUri(spec, record.csid), record.core),
      ...(accountPermission !== undefined && { [ACCOUNT_PERMISSION_PART_KEY]: accountPermissionPart(accountPermission) }),
    },
  };
}

/** CollectionSpace's five standard list fields, then the service's own (only those holding a single value). */
export function recordServiceListSpec(spec: RecordServiceSpec): ListSpec<StoredRecord> {
  return {
    fieldsReturned: ['csid', 'uri', 'refName', 'updatedAt', 'workflowState', ...spec.listFields],
    toItem: ({ csid, core, fields }) => {
      const item: Record<string, string | number | boolean | undefined> = {
        csid,
        uri: recordServiceUri(spec, csid),
        updatedAt: core.updatedAt.toISOString(),
        workflowState: core.workflowState,
      };
      for (const name of spec.listFields) {
        const value = fields[name];
        if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') item[name] = value;
      }
      return item;
    },
  };
}
