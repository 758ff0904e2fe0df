/**
 * JSON value ⇄ `DocTree`. Input arrives already parsed (express.json); this module checks that it is a
 * structure XML could express, so that the two codecs decode to the same domain values:
 * - strings are trimmed, as the XML parser trims text;
 * - numbers, booleans and null are kept (CollectionSpace accepts them in JSON input);
 * - arrays of arrays, non-scalar attributes and `__proto__` keys are refused.
 * Output is `toOutputTree`, so every scalar is a string, as CollectionSpace's XML → JSON filter writes them.
 */
import { DomainError } from '../domain/errors.js';
import {
  isAttributeKey,
  isDocNode,
  rootElement,
  TEXT_KEY,
  toOutputTree,
  type DocNode,
  type DocTree,
  type DocValue,
} from './tree.js';

function malformedJson(path: string, message: string): DomainError {
  return new DomainError('MALFORMED_BODY', `Malformed JSON document at ${path}: ${message}`, [{ path, message }]);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number';
}

function toScalar(value: string | number | boolean | null, path: string): DocValue {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && !Number.isFinite(value)) throw malformedJson(path, 'must be a finite number');
  return value;
}

function toDocValue(value: unknown, path: string, insideArray: boolean): DocValue {
  if (isScalar(value)) return toScalar(value, path);
  if (Array.isArray(value)) {
    if (insideArray) throw malformedJson(path, 'arrays of arrays have no XML equivalent');
    return value.map((item, index) => toDocValue(item, `${path}/${index}`, true));
  }
  if (typeof value === 'object' && value !== null) return toDocNode(value, path);
  throw malformedJson(path, `a ${typeof value} is not a document value`);
}

function toDocNode(value: object, path: string): DocNode {
  const node: DocNode = {};
  for (const [key, member] of Object.entries(value)) {
    const memberPath = path === '' ? key : `${path}/${key}`;
    // An own `__proto__` key (JSON.parse creates one) would replace the prototype when copied by assignment.
    if (key === '__proto__' || key === '') throw malformedJson(memberPath, `'${key}' is not an allowed key`);
    if ((isAttributeKey(key) || key === TEXT_KEY) && !isScalar(member)) {
      throw malformedJson(memberPath, 'attributes and text must be strings, numbers or booleans');
    }
    node[key] = toDocValue(member, memberPath, false);
  }
  return node;
}

/**
 * Checks a parsed JSON body and returns it as a `DocTree`.
 * @throws DomainError `MALFORMED_BODY` when it is not an object with exactly one root element, or holds
 *   something XML could not express.
 */
export function parseJsonTree(value: unknown): DocTree {
  if (!isDocNode(value)) throw malformedJson('(body)', 'must be a JSON object');
  const tree = toDocNode(value, '');
  if (rootElement(tree) === undefined) throw malformedJson('(body)', 'must have exactly one root element key');
  return tree;
}

/** Serializes a document tree with every scalar as a string. */
export function buildJson(tree: DocTree): string {
  return JSON.stringify(toOutputTree(tree));
}
