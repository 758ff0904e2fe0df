/**
 * A PUT of a definition sets only what it carries, as CollectionSpace's `RemoteDocumentModelHandlerImpl.fillPart`
 * does (Nuxeo's `setProperties` with the elements of each part sent): an element present in a part sets its field,
 * an empty one clears it, and every field the part does not mention keeps its stored value, as does a whole part
 * that is not sent. So a client that PUTs just `name` and `className` keeps the job's doc types, roles, modes,
 * notes and per-item limits.
 */
import type { BatchDefinition, ItemPolicy } from './types.js';

/** The `batch_common` fields of a definition. */
export type DefinitionField = Exclude<keyof BatchDefinition, 'itemPolicy'>;

/** The `batch_common` fields, in XSD order. */
export const DEFINITION_FIELDS = [
  'name',
  'notes',
  'forDocTypes',
  'forRoles',
  'resourceActionGroupList',
  'supportsNoContext',
  'supportsSingleDoc',
  'supportsDocList',
  'supportsGroup',
  'createsNewFocus',
  'className',
] as const satisfies readonly DefinitionField[];

export function isDefinitionField(name: string): name is DefinitionField {
  return (DEFINITION_FIELDS as readonly string[]).includes(name);
}

/** What one PUT carries. */
export interface DefinitionUpdate {
  /** The fields as the parts carry them; a cleared field is absent or empty. */
  values: BatchDefinition;
  /** The `batch_common` fields whose elements the part carried, empty ones included. */
  fields: ReadonlySet<DefinitionField>;
  /** The `batch_invocables` settings the part carried; absent when that part was not sent at all. */
  itemPolicy?: ReadonlySet<keyof ItemPolicy>;
}

/** Copies `keys` of `from` onto `onto`, deleting the ones `from` lacks. */
function setPresent<T extends object>(onto: T, from: Partial<T>, keys: Iterable<keyof T>): void {
  for (const key of keys) {
    const value = from[key];
    if (value === undefined) delete onto[key];
    else onto[key] = value as T[keyof T];
  }
}

/** The definition `current` becomes with `update`. */
export function applyDefinitionUpdate(current: BatchDefinition, update: DefinitionUpdate): BatchDefinition {
  const updated: BatchDefinition = { ...current };
  setPresent(updated, update.values, update.fields);
  if (update.itemPolicy === undefined) return updated;
  const policy: ItemPolicy = { ...current.itemPolicy };
  setPresent(policy, update.values.itemPolicy ?? {}, update.itemPolicy);
  if (Object.keys(policy).length > 0) updated.itemPolicy = policy;
  else delete updated.itemPolicy;
  return updated;
}

const ITEM_POLICY_SETTINGS = ['timeoutMs', 'retries', 'retryDelayMs'] as const satisfies ReadonlyArray<keyof ItemPolicy>;

/** An update that replaces every field with `definition`'s: what it leaves out is cleared, not kept. */
export function wholeReplacement(definition: BatchDefinition): DefinitionUpdate {
  return { values: definition, fields: new Set(DEFINITION_FIELDS), itemPolicy: new Set(ITEM_POLICY_SETTINGS) };
}
