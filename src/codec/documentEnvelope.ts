/**
 * The CollectionSpace multipart envelope: `<document name="...">` holding one element per part, e.g.
 * `ns2:batch_common` and the read-only `ns2:collectionspace_core`. Shared by the batch, record and relation
 * mappers so that they find parts, refuse strangers and write the core part the same way.
 */
import type { AccountPermission, AccountValue } from '../domain/accountPermission.js';
import type { CoreFields } from '../domain/types.js';
import { validationFailed } from './schemaValidator.js';
import { AUTHORIZATION_NAMESPACE, CORE_NAMESPACE, PART_PREFIX } from './namespaces.js';
import {
  findChildren,
  isDocNode,
  isElementKey,
  localName,
  namespaceOf,
  rootElement,
  type Child,
  type DocNode,
  type DocTree,
  type DocValue,
} from './tree.js';

export const DOCUMENT_ELEMENT = 'document';
/** Clients PUT back what they GET, so this part is accepted on input and ignored. */
export const CORE_PART = 'collectionspace_core';
/** The caller's account and permissions, which single documents read carry (see src/domain/accountPermission.ts). */
export const ACCOUNT_PERMISSION_PART = 'account_permission';

/**
 * Parts a client may send back that no write sets: the core part, and CollectionSpace's `account_permission`
 * (the caller's rights, which its answers carry), both skipped as `RemoteDocumentModelHandlerImpl.fillAllParts`
 * skips its system parts.
 */
const SYSTEM_PARTS: readonly string[] = [CORE_PART, ACCOUNT_PERMISSION_PART];

/** Whether an element of a document (`ns2:collectionspace_core`, …) is a system part, ignored on input. */
export function isSystemPart(key: string): boolean {
  return SYSTEM_PARTS.includes(localName(key));
}

export interface DocumentEnvelope {
  /** The `document` element. */
  node: DocNode;
  /** Its `name` attribute, when given. */
  name?: string;
}

/** An element's content as a node: an empty element (`""`) is an empty node; text or a list is refused. */
export function asNode(value: DocValue | undefined, path: string, label: string): DocNode {
  if (value === undefined || value === null || value === '') return {};
  if (isDocNode(value)) return value;
  const found = Array.isArray(value) ? 'repeated' : 'text';
  throw validationFailed(label, [{ path, message: `must be a single element with fields, not ${found}` }]);
}

/** The one root element of a tree, which must have the local name `name` (any prefix). */
export function rootNamed(tree: DocTree, name: string): Child {
  const root = rootElement(tree);
  if (root === undefined || localName(root.key) !== name) {
    const found = root === undefined ? 'none' : `<${root.key}>`;
    const article = /^[aeiou]/i.test(name) ? 'an' : 'a';
    throw validationFailed(name, [{ path: '(root)', message: `must be ${article} <${name}> element, found ${found}` }]);
  }
  return root;
}

/**
 * The `document` root of a tree.
 * @param expectedName when given, a `name` attribute must equal it (an absent one is tolerated: JSON clients omit it).
 */
export function openDocument(tree: DocTree, expectedName?: string): DocumentEnvelope {
  const root = rootNamed(tree, DOCUMENT_ELEMENT);
  const node = asNode(root.value, DOCUMENT_ELEMENT, 'document');
  const name = node['@name'];
  if (name !== undefined && typeof name !== 'string' && typeof name !== 'number') {
    throw validationFailed('document', [{ path: 'document/@name', message: 'must be a string' }]);
  }
  const nameText = name === undefined ? undefined : String(name).trim();
  if (expectedName !== undefined && nameText !== undefined && nameText !== expectedName) {
    throw validationFailed('document', [{ path: 'document/@name', message: `must be '${expectedName}'` }]);
  }
  return nameText === undefined || nameText === '' ? { node } : { node, name: nameText };
}

/** A part a document may carry: its element's local name and its namespace (not checked when absent). */
export interface PartSpec {
  name: string;
  namespace?: string;
}

/**
 * The document's parts: `required` must be there, each of `optional` may be; system parts are ignored and any
 * other element refused.
 * @throws ValidationError naming the missing, repeated, misplaced or unknown part.
 */
export function takeParts(envelope: DocumentEnvelope, required: PartSpec, optional: readonly PartSpec[] = []): Map<string, DocNode> {
  const { node } = envelope;
  const parts = [required.name, ...optional.map((spec) => spec.name)];
  const unknown = Object.keys(node).filter((key) => isElementKey(key) && !isSystemPart(key) && !parts.includes(localName(key)));
  if (unknown.length > 0) {
    throw validationFailed(
      'document',
      unknown.map((key) => ({ path: `document/${key}`, message: `is not a known part (expected ${parts.join(' or ')})` })),
    );
  }
  const found = new Map<string, DocNode>();
  for (const spec of [required, ...optional]) {
    const elements = findChildren(node, spec.name);
    const [part] = elements;
    if (part === undefined) {
      if (spec === required) throw validationFailed('document', [{ path: `document/${spec.name}`, message: 'is required' }]);
      continue;
    }
    if (elements.length > 1 || Array.isArray(part.value)) {
      throw validationFailed('document', [{ path: `document/${spec.name}`, message: 'must occur once' }]);
    }
    const partNode = asNode(part.value, `document/${part.key}`, 'document');
    if (spec.namespace !== undefined) checkNamespace(part.key, spec.namespace, `document/${part.key}`, partNode, node);
    found.set(spec.name, partNode);
  }
  return found;
}

/** The one part named `partName` in `namespace` (see `takeParts`). */
export function takePart(envelope: DocumentEnvelope, partName: string, namespace: string): DocNode {
  return takeParts(envelope, { name: partName, namespace }).get(partName) as DocNode;
}

/** Refuses an element whose prefix is bound to another namespace; no declaration in view is tolerated. */
export function checkNamespace(key: string, namespace: string, path: string, ...scopes: DocNode[]): void {
  const declared = namespaceOf(key, ...scopes);
  if (declared !== undefined && declared !== namespace) {
    throw validationFailed(localName(key), [{ path, message: `must be in namespace ${namespace}, not ${declared}` }]);
  }
}

/** `ns2:collectionspace_core`: the bookkeeping part of every document read, with `refName` where one is known. */
export function corePart(uri: string, core: CoreFields, refName?: string): DocNode {
  return {
    [`@xmlns:${PART_PREFIX}`]: CORE_NAMESPACE,
    uri,
    refName,
    tenantId: core.tenantId,
    createdAt: core.createdAt.toISOString(),
    createdBy: core.createdBy,
    updatedAt: core.updatedAt.toISOString(),
    updatedBy: core.updatedBy,
    workflowState: core.workflowState,
  };
}

export const CORE_PART_KEY = `${PART_PREFIX}:${CORE_PART}`;

/**
 * `ns2:account_permission` in the shape of CollectionSpace's `accounts_permissions.xsd`: one `account`, then one
 * `permission` per entry. A permission has no `permRelationshipId` (a row id of CollectionSpace's database, with no
 * counterpart here) and no `tenantId` (CollectionSpace's `buildPermissionValue` sets none either).
 */
export function accountPermissionPart({ account, permissions }: AccountPermission): DocNode {
  return {
    [`@xmlns:${PART_PREFIX}`]: AUTHORIZATION_NAMESPACE,
    account: accountNode(account),
    permission: permissions.map(({ permissionId, resourceName, actionGroup }) => ({ permissionId, resourceName, actionGroup })),
  };
}

/** CollectionSpace's `account_value`, elements in the order of authorization_common.xsd. */
export function accountNode({ accountId, screenName, userId, tenantId }: AccountValue): DocNode {
  return { accountId, screenName, userId, tenantId };
}

export const ACCOUNT_PERMISSION_PART_KEY = `${PART_PREFIX}:${ACCOUNT_PERMISSION_PART}`;
