/**
 * Which fields an advanced search (`as`) may name in each list, and which operators and values each takes.
 * A field or a use outside these is a 400 naming the position and the token, never a search that silently
 * matches nothing.
 *
 * - Batch definitions (`GET /batch`): `batch_common:` `name`, `notes`, `className` (text); `forDocTypes`,
 *   `forRoles` (text lists, written with or without `/*`); the mode flags and `createsNewFocus` (flags, `= 1` or
 *   `= 0`, an absent flag being 0); and `collectionspace_core:` fields.
 * - Records (`GET /records/{docType}`): `<part>:<field>/<field>…` reaches into the record's fields (any part name,
 *   since records are one field map). A named step goes through lists; `*` steps into a list's items: an array's
 *   elements, the members of an object (how a list sent in CollectionSpace's XML shape is held: `titleGroupList`
 *   holds `titleGroup`, so `titleGroupList/*` are the `titleGroup`s), or a single value.
 *   Values compare with values of their own type: strings with strings, numbers with numbers; record fields hold
 *   dates as text, so a `TIMESTAMP "…"` compares as its ISO text (`2024-01-31T00:00:00.000Z`).
 * - Both: `collectionspace_core:createdAt`, `updatedAt` (with `TIMESTAMP "…"` values), `createdBy`, `updatedBy`.
 */
import {
  advancedSearchError,
  resolveFields,
  type Condition,
  type LeafCondition,
  type ParsedCondition,
  type ParsedField,
  type PlacedLiteral,
} from './advancedSearch.js';
import { MODE_FLAGS } from './types.js';

export const CORE_SCHEMA = 'collectionspace_core';
export const DEFINITION_SCHEMA = 'batch_common';

const CORE_TIMES = ['createdAt', 'updatedAt'] as const;
const CORE_TEXTS = ['createdBy', 'updatedBy'] as const;
const DEFINITION_TEXTS = ['name', 'notes', 'className'] as const;
const DEFINITION_LISTS = { forDocTypes: 'forDocType', forRoles: 'roleDisplayName' } as const;
const DEFINITION_FLAGS = [...Object.values(MODE_FLAGS), 'createsNewFocus'] as const;

export type CoreField =
  | { kind: 'coreTime'; name: (typeof CORE_TIMES)[number] }
  | { kind: 'coreText'; name: (typeof CORE_TEXTS)[number] };

export type DefinitionField =
  | CoreField
  | { kind: 'text'; name: (typeof DEFINITION_TEXTS)[number] }
  | { kind: 'textList'; name: keyof typeof DEFINITION_LISTS }
  | { kind: 'flag'; name: (typeof DEFINITION_FLAGS)[number] };

/** `path`: the steps from the top of the record's fields, field names and `*` (src/store/searchRules.ts `valuesAt`). */
export type RecordField = CoreField | { kind: 'fields'; path: string[] };

export type DefinitionSearch = Condition<DefinitionField>;
export type RecordSearch = Condition<RecordField>;

type Leaf = LeafCondition<ParsedField>;

function unknownField(leaf: Leaf, list: string): never {
  throw advancedSearchError(`unknown field for ${list}`, leaf.path.position, JSON.stringify(leaf.path.text));
}

function includes<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

function literalsOf(leaf: Leaf): PlacedLiteral[] {
  switch (leaf.kind) {
    case 'compare':
    case 'like':
      return [leaf.value];
    case 'in':
      return leaf.values;
    case 'isNull':
      return [];
  }
}

/** Refuses a value of the wrong type: a field of one type never matches a value of another. */
function requireLiterals(leaf: Leaf, type: 'string' | 'timestamp', fieldKind: string): void {
  const wrong = literalsOf(leaf).find((value) => value.literal.type !== type);
  if (wrong !== undefined) {
    const wanted = type === 'string' ? 'a quoted string' : 'TIMESTAMP "…"';
    throw advancedSearchError(
      `${leaf.path.text} is ${fieldKind} and takes ${wanted}; not this value`,
      wrong.position,
      wrong.text,
    );
  }
}

function refuseOperator(leaf: Leaf, fieldKind: string, what: string): never {
  throw advancedSearchError(`${what} does not apply to ${fieldKind} ${leaf.path.text}`, leaf.path.position, JSON.stringify(leaf.path.text));
}

function coreField(leaf: Leaf, name: string, list: string): CoreField {
  if (includes(CORE_TIMES, name)) {
    if (leaf.kind === 'like') refuseOperator(leaf, 'the time', 'LIKE/ILIKE');
    requireLiterals(leaf, 'timestamp', 'a time');
    return { kind: 'coreTime', name };
  }
  if (includes(CORE_TEXTS, name)) {
    requireLiterals(leaf, 'string', 'text');
    return { kind: 'coreText', name };
  }
  return unknownField(leaf, list);
}

function flagField(leaf: Leaf, name: (typeof DEFINITION_FLAGS)[number]): DefinitionField {
  if (leaf.kind !== 'compare' || leaf.operator !== '=') {
    refuseOperator(leaf, 'the flag', leaf.kind === 'compare' ? leaf.operator : leaf.kind === 'isNull' ? 'IS NULL' : leaf.kind.toUpperCase());
  }
  const { literal } = leaf.value;
  if (literal.type !== 'number' || (literal.value !== 0 && literal.value !== 1)) {
    throw advancedSearchError(`the flag ${leaf.path.text} takes 1 or 0; not this value`, leaf.value.position, leaf.value.text);
  }
  return { kind: 'flag', name };
}

function definitionField(leaf: Leaf): DefinitionField {
  const { schema, segments } = leaf.path.field;
  const [name = '', ...rest] = segments;
  const list = 'batch definitions';
  if (schema === CORE_SCHEMA && rest.length === 0) return coreField(leaf, name, list);
  if (schema !== DEFINITION_SCHEMA) return unknownField(leaf, list);
  if (Object.hasOwn(DEFINITION_LISTS, name)) {
    const item = DEFINITION_LISTS[name as keyof typeof DEFINITION_LISTS];
    if (rest.length > 1 || (rest.length === 1 && rest[0] !== '*' && rest[0] !== item)) unknownField(leaf, list);
    requireLiterals(leaf, 'string', 'a text list');
    return { kind: 'textList', name: name as keyof typeof DEFINITION_LISTS };
  }
  if (rest.length > 0) return unknownField(leaf, list);
  if (includes(DEFINITION_TEXTS, name)) {
    requireLiterals(leaf, 'string', 'text');
    return { kind: 'text', name };
  }
  if (includes(DEFINITION_FLAGS, name)) return flagField(leaf, name);
  return unknownField(leaf, list);
}

function recordField(leaf: Leaf): RecordField {
  const { schema, segments } = leaf.path.field;
  const list = 'records';
  if (schema === CORE_SCHEMA) return segments.length === 1 ? coreField(leaf, segments[0] as string, list) : unknownField(leaf, list);
  // Nuxeo's own schemas (ecm:, dc:) describe storage CollectionSpace records carry and ours do not.
  if (schema === 'ecm' || schema === 'dc') return unknownField(leaf, list);
  if (segments.every((segment) => segment === '*')) return unknownField(leaf, list);
  return { kind: 'fields', path: segments };
}

/** The `as` tree resolved against the batch definition fields. @throws ValidationError naming the first bad field or value. */
export function resolveDefinitionSearch(condition: ParsedCondition): DefinitionSearch {
  return resolveFields(condition, definitionField);
}

/** The `as` tree resolved against record fields. @throws ValidationError naming the first bad field or value. */
export function resolveRecordSearch(condition: ParsedCondition): RecordSearch {
  return resolveFields(condition, recordField);
}
