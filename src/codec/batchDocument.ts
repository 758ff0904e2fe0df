/**
 * `<document name="batch">` ⇄ `BatchDefinition` / `StoredDefinition`.
 *
 * Decoding runs tree → `batch_common` part → pruned of empty elements → `schemas/batch.json` (which coerces
 * `"true"` and lone list entries) → domain value; mode flags never sent stay absent.
 */
import batchSchema from '../../schemas/batch.json' with { type: 'json' };
import batchInvocablesSchema from '../../schemas/batch-invocables.json' with { type: 'json' };
import type { AccountPermission } from '../domain/accountPermission.js';
import { isDefinitionField, type DefinitionUpdate } from '../domain/definitionUpdate.js';
import { MODE_FLAGS, type BatchDefinition, type ItemPolicy, type ResourceActionGroup, type StoredDefinition } from '../domain/types.js';
import { ACCOUNT_PERMISSION_PART_KEY, accountPermissionPart, CORE_PART_KEY, corePart, openDocument, takeParts } from './documentEnvelope.js';
import { BATCH_INVOCABLES_NAMESPACE, BATCH_NAMESPACE, PART_PREFIX, batchRefName, batchUri } from './namespaces.js';
import { createSchemaCheck } from './schemaValidator.js';
import { elementChildren, isAttributeKey, localName, pruneEmpty, type DocNode, type DocTree } from './tree.js';

export const BATCH_DOCUMENT_NAME = 'batch';
export const BATCH_PART = 'batch_common';
/** The optional extension part with the runs' per-item limits. */
export const BATCH_INVOCABLES_PART = 'batch_invocables';

/** `batch_common` as it is after the schema check: the wire shape, lists still wrapped. */
interface BatchCommonWire {
  name: string;
  notes?: string;
  forDocTypes?: { forDocType?: string[] };
  forRoles?: { roleDisplayName?: string[] };
  resourceActionGroupList?: { resourceActionGroup?: ResourceActionGroup[] };
  supportsNoContext?: boolean;
  supportsSingleDoc?: boolean;
  supportsDocList?: boolean;
  supportsGroup?: boolean;
  createsNewFocus?: boolean;
  className: string;
}

interface BatchInvocablesWire {
  itemTimeoutMs?: number;
  itemRetries?: number;
  itemRetryDelayMs?: number;
}

const MODE_FLAG_NAMES = Object.values(MODE_FLAGS);

const checkBatchCommon = createSchemaCheck<BatchCommonWire>(batchSchema, BATCH_PART);
const checkBatchInvocables = createSchemaCheck<BatchInvocablesWire>(batchInvocablesSchema, BATCH_INVOCABLES_PART);

/** Each `batch_invocables` element and the setting it carries. */
const ITEM_POLICY_ELEMENTS = {
  itemTimeoutMs: 'timeoutMs',
  itemRetries: 'retries',
  itemRetryDelayMs: 'retryDelayMs',
} as const satisfies Record<keyof BatchInvocablesWire, keyof ItemPolicy>;

function isItemPolicyElement(name: string): name is keyof BatchInvocablesWire {
  return Object.hasOwn(ITEM_POLICY_ELEMENTS, name);
}

function toItemPolicy(wire: BatchInvocablesWire): ItemPolicy | undefined {
  const policy: ItemPolicy = {};
  for (const [element, value] of Object.entries(wire)) {
    if (isItemPolicyElement(element) && value !== undefined) policy[ITEM_POLICY_ELEMENTS[element]] = value as number;
  }
  return Object.keys(policy).length > 0 ? policy : undefined;
}

function toDefinition(wire: BatchCommonWire): BatchDefinition {
  const definition: BatchDefinition = {
    name: wire.name.trim(),
    forDocTypes: (wire.forDocTypes?.forDocType ?? []).map((docType) => docType.trim()),
    forRoles: (wire.forRoles?.roleDisplayName ?? []).map((role) => role.trim()),
    resourceActionGroupList: (wire.resourceActionGroupList?.resourceActionGroup ?? []).map((group) => ({
      resourceName: group.resourceName.trim(),
      actionGroup: group.actionGroup,
    })),
    className: wire.className.trim(),
  };
  // A flag never sent stays absent, so that answers leave it out as CollectionSpace does.
  for (const flag of MODE_FLAG_NAMES) if (wire[flag] !== undefined) definition[flag] = wire[flag];
  if (wire.notes !== undefined) definition.notes = wire.notes;
  if (wire.createsNewFocus !== undefined) definition.createsNewFocus = wire.createsNewFocus;
  return definition;
}

/**
 * A part's fields: its element children. Attributes on the part element itself (`xmlns:xsi`,
 * `xsi:schemaLocation`, as CollectionSpace's own payloads carry) say nothing about the definition and are ignored,
 * as CollectionSpace ignores them.
 */
function partFields(part: DocNode): DocNode {
  return Object.fromEntries(Object.entries(part).filter(([key]) => !isAttributeKey(key)));
}

/** Checks the `batch_common` element content (an object as parsed) and returns the definition. */
export function checkBatchCommonPart(part: DocNode): BatchDefinition {
  return toDefinition(checkBatchCommon(pruneEmpty(partFields(part)) ?? {}));
}

/** The elements a part carries, by local name, empty ones included. */
function sentElements(part: DocNode): string[] {
  return elementChildren(part).map(({ key }) => localName(key));
}

/** The parts of a batch document: `batch_common`, and `batch_invocables` when sent. */
function batchParts(tree: DocTree): { common: DocNode; invocables?: DocNode } {
  const envelope = openDocument(tree, BATCH_DOCUMENT_NAME);
  const parts = takeParts(envelope, { name: BATCH_PART, namespace: BATCH_NAMESPACE }, [
    { name: BATCH_INVOCABLES_PART, namespace: BATCH_INVOCABLES_NAMESPACE },
  ]);
  const invocables = parts.get(BATCH_INVOCABLES_PART);
  return { common: parts.get(BATCH_PART) as DocNode, ...(invocables !== undefined && { invocables }) };
}

function decodeParts(parts: { common: DocNode; invocables?: DocNode }): BatchDefinition {
  const definition = checkBatchCommonPart(parts.common);
  const { invocables } = parts;
  const itemPolicy =
    invocables === undefined ? undefined : toItemPolicy(checkBatchInvocables(pruneEmpty(partFields(invocables)) ?? {}));
  return itemPolicy === undefined ? definition : { ...definition, itemPolicy };
}

/**
 * Decodes a batch document (create body): `batch_common`, and the optional `batch_invocables` part.
 * @throws ValidationError for a wrong root, an unknown part, or a part the schema refuses.
 */
export function decodeBatchDocument(tree: DocTree): BatchDefinition {
  return decodeParts(batchParts(tree));
}

/**
 * Decodes an update (PUT body): the definition as sent, and which fields its parts carried, so that the others
 * keep their stored values (`applyDefinitionUpdate`).
 * @throws ValidationError as `decodeBatchDocument`.
 */
export function decodeBatchUpdate(tree: DocTree): DefinitionUpdate {
  const parts = batchParts(tree);
  const values = decodeParts(parts);
  // An empty element the schema never saw (it checks the part pruned) may name no field: it sets nothing.
  const fields = new Set(sentElements(parts.common).filter(isDefinitionField));
  if (parts.invocables === undefined) return { values, fields };
  const settings = sentElements(parts.invocables).filter(isItemPolicyElement);
  return { values, fields, itemPolicy: new Set(settings.map((element) => ITEM_POLICY_ELEMENTS[element])) };
}

/** `batch_invocables`: the definition's per-item limits. */
function encodeBatchInvocables(policy: ItemPolicy): DocNode {
  return {
    [`@xmlns:${PART_PREFIX}`]: BATCH_INVOCABLES_NAMESPACE,
    itemTimeoutMs: policy.timeoutMs,
    itemRetries: policy.retries,
    itemRetryDelayMs: policy.retryDelayMs,
  };
}

/** `batch_common` in XSD order, lists wrapped, empty lists omitted. */
export function encodeBatchCommon(definition: BatchDefinition): DocNode {
  const { forDocTypes, forRoles, resourceActionGroupList } = definition;
  return {
    [`@xmlns:${PART_PREFIX}`]: BATCH_NAMESPACE,
    name: definition.name,
    notes: definition.notes,
    forDocTypes: forDocTypes.length > 0 ? { forDocType: forDocTypes } : undefined,
    forRoles: forRoles.length > 0 ? { roleDisplayName: forRoles } : undefined,
    resourceActionGroupList:
      resourceActionGroupList.length > 0
        ? {
            resourceActionGroup: resourceActionGroupList.map(({ resourceName, actionGroup }) => ({
              resourceName,
              actionGroup,
            })),
          }
        : undefined,
    supportsNoContext: definition.supportsNoContext,
    supportsSingleDoc: definition.supportsSingleDoc,
    supportsDocList: definition.supportsDocList,
    supportsGroup: definition.supportsGroup,
    createsNewFocus: definition.createsNewFocus,
    className: definition.className,
  };
}

/** The parts a client sends for a definition: `batch_common`, and `batch_invocables` when it has per-item limits. */
export function encodeDefinitionParts(definition: BatchDefinition): DocNode {
  return {
    [`${PART_PREFIX}:${BATCH_PART}`]: encodeBatchCommon(definition),
    ...(definition.itemPolicy !== undefined && {
      [`${PART_PREFIX}:${BATCH_INVOCABLES_PART}`]: encodeBatchInvocables(definition.itemPolicy),
    }),
  };
}

/**
 * A stored definition: `batch_common` plus `collectionspace_core`, and `account_permission` when given (a GET of
 * the definition carries it; CollectionSpace's answer to a PUT does not).
 */
export function encodeBatchDocument(stored: StoredDefinition, accountPermission?: AccountPermission): DocTree {
  return {
    document: {
      '@name': BATCH_DOCUMENT_NAME,
      ...encodeDefinitionParts(stored.definition),
      [CORE_PART_KEY]: corePart(batchUri(stored.csid), stored.core, batchRefName(stored.core.tenantId, stored.csid)),
      ...(accountPermission !== undefined && { [ACCOUNT_PERMISSION_PART_KEY]: accountPermissionPart(accountPermission) }),
    },
  };
}
