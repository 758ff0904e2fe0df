/**
 * `DocTree`: the one in-memory shape both wire formats share, following CollectionSpace's XML ⇄ JSON mapping:
 * element → key, attribute → `"@name"`, namespace declaration → `"@xmlns:prefix"`, text beside attributes or
 * child elements → `"."`, repeated siblings → array (a single occurrence stays a scalar or object).
 *
 * XML input only yields strings; JSON input may also carry numbers, booleans and null. Output is always
 * normalised by `toOutputTree`, so both codecs emit the same strings.
 */

export type DocScalar = string | number | boolean | null;
export type DocValue = DocScalar | DocNode | DocValue[];
/** `undefined` members are allowed so encoders can write optional fields inline; output drops them. */
export interface DocNode {
  [key: string]: DocValue | undefined;
}
/** A whole document: one root key (plus nothing else) mapping to the root element. */
export type DocTree = DocNode;

export const ATTRIBUTE_PREFIX = '@';
export const TEXT_KEY = '.';

export interface Child {
  /** The key as written, e.g. `ns2:batch_common`. */
  key: string;
  value: DocValue;
}

export function isDocNode(value: unknown): value is DocNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isAttributeKey(key: string): boolean {
  return key.startsWith(ATTRIBUTE_PREFIX);
}

/** Keys that are child elements, not attributes or text. */
export function isElementKey(key: string): boolean {
  return !isAttributeKey(key) && key !== TEXT_KEY;
}

/** `ns2:batch_common` → `batch_common`. Clients use whatever prefix they like, so parts are found by local name. */
export function localName(key: string): string {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(colon + 1);
}

export function prefixOf(key: string): string | undefined {
  const colon = key.indexOf(':');
  return colon === -1 ? undefined : key.slice(0, colon);
}

export function asArray(value: DocValue | undefined): DocValue[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The element children of a node, in document order. */
export function elementChildren(node: DocNode): Child[] {
  const children: Child[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (value !== undefined && isElementKey(key)) children.push({ key, value });
  }
  return children;
}

/** Children whose local name matches, whatever their prefix (`batch_common`, `ns2:batch_common`, ...). */
export function findChildren(node: DocNode, name: string): Child[] {
  return elementChildren(node).filter((child) => localName(child.key) === name);
}

/** The single root element of a document tree, or `undefined` when there is not exactly one. */
export function rootElement(tree: DocTree): Child | undefined {
  const roots = elementChildren(tree);
  return roots.length === 1 ? roots[0] : undefined;
}

/**
 * The namespace URI a prefixed key is bound to, looking at the element itself first, then its ancestors
 * (innermost first). `undefined` when no declaration is in view, which JSON clients commonly omit.
 */
export function namespaceOf(key: string, ...scopes: DocNode[]): string | undefined {
  const prefix = prefixOf(key);
  const attribute = prefix === undefined ? '@xmlns' : `@xmlns:${prefix}`;
  for (const scope of scopes) {
    const declared = scope[attribute];
    if (typeof declared === 'string') return declared;
  }
  return undefined;
}

/**
 * Removes empty elements (`""`, `null`, empty objects and arrays), recursively. In the batch, invocation and
 * relation documents an empty element carries no information: `<forDocTypes/>` is an empty list and
 * `<supportsGroup/>` an absent flag. Record documents keep empty values, since clearing a field is data.
 */
export function pruneEmpty(value: DocValue | undefined): DocValue | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map(pruneEmpty).filter((item): item is DocValue => item !== undefined);
    return items.length === 0 ? undefined : items;
  }
  if (isDocNode(value)) {
    const node: DocNode = {};
    for (const [key, member] of Object.entries(value)) {
      const pruned = pruneEmpty(member);
      if (pruned !== undefined) node[key] = pruned;
    }
    return Object.keys(node).length === 0 ? undefined : node;
  }
  return value;
}

/**
 * The tree as both codecs emit it: every scalar a string (`true` → `"true"`, `null` → `""`), one-element
 * arrays collapsed to their element (a single occurrence is never an array on the wire), and empty arrays and
 * `undefined` members dropped (zero occurrences are no element at all).
 */
export function toOutputTree(tree: DocTree): DocTree {
  const node: DocNode = {};
  for (const [key, value] of Object.entries(tree)) {
    const output = toOutputValue(value);
    if (output !== undefined) node[key] = output;
  }
  return node;
}

function toOutputValue(value: DocValue | undefined): DocValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return '';
  if (Array.isArray(value)) {
    const items = value.map(toOutputValue).filter((item): item is DocValue => item !== undefined);
    if (items.length === 0) return undefined;
    return items.length === 1 ? items[0] : items;
  }
  if (isDocNode(value)) return toOutputTree(value);
  return String(value);
}

/** Adds `value` under `key` only when it is neither `undefined` nor blank, as list items and cores require. */
export function withoutBlanks(entries: ReadonlyArray<readonly [string, DocScalar | undefined]>): DocNode {
  const node: DocNode = {};
  for (const [key, value] of entries) {
    if (value === undefined || value === null) continue;
    if (typeof value === 'string' && value.trim() === '') continue;
    node[key] = value;
  }
  return node;
}
