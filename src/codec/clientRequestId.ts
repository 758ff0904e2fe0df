/**
 * Seed 002's `clientRequestId`: a client may name its request in the body, as a child of the root element
 * (`<ns2:invocationContext><clientRequestId>…`, `{"items":{"clientRequestId":"…",…}}`), instead of the
 * `Idempotency-Key` header. It is no part of the document itself, so decoders are given the tree without it.
 */
import { ValidationError } from '../domain/errors.js';
import { findChildren, isDocNode, localName, rootElement, type DocTree } from './tree.js';

const CLIENT_REQUEST_ID = 'clientRequestId';

/** The body's `clientRequestId` as sent (trimmed), or `undefined` when it has none. */
export function clientRequestIdOf(tree: DocTree): string | undefined {
  const root = rootElement(tree);
  if (root === undefined || !isDocNode(root.value)) return undefined;
  const found = findChildren(root.value, CLIENT_REQUEST_ID);
  if (found.length === 0) return undefined;
  const value = found.length === 1 ? found[0]?.value : undefined;
  if (typeof value !== 'string') {
    throw new ValidationError('clientRequestId must be one string', [{ path: `${root.key}/${CLIENT_REQUEST_ID}`, message: 'must be one string' }]);
  }
  return value.trim();
}

/** `tree` with its root's `clientRequestId` left out (the same tree when it has none). */
export function withoutClientRequestId(tree: DocTree): DocTree {
  const root = rootElement(tree);
  if (root === undefined || !isDocNode(root.value)) return tree;
  const node = root.value;
  if (findChildren(node, CLIENT_REQUEST_ID).length === 0) return tree;
  const kept = Object.fromEntries(Object.entries(node).filter(([key]) => localName(key) !== CLIENT_REQUEST_ID));
  return { ...tree, [root.key]: kept };
}
