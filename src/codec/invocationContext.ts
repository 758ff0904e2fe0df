/**
 * `invocationContext` (the invoke request body) and `invocationResults` (its answer), namespace
 * `http://collectionspace.org/services/common/invocable`.
 *
 * Decoding checks structure only: `mode` stays a free string because whether a mode is known and enabled
 * is decided against the definition later, with CollectionSpace's own messages.
 */
import invocationContextSchema from '../../schemas/invocation-context.json' with { type: 'json' };
import { asNode, checkNamespace, rootNamed } from './documentEnvelope.js';
import { INVOCABLE_NAMESPACE, PART_PREFIX } from './namespaces.js';
import { createSchemaCheck } from './schemaValidator.js';
import { pruneEmpty, withoutBlanks, type DocTree } from './tree.js';

export const INVOCATION_CONTEXT_ELEMENT = 'invocationContext';
export const INVOCATION_RESULTS_ELEMENT = 'invocationResults';

export interface InvocationParam {
  key: string;
  value: string;
}

/** The invocation context as sent; absent elements are absent, lists are empty. */
export interface InvocationContextPayload {
  mode?: string;
  docType?: string;
  singleCSID?: string;
  groupCSID?: string;
  listCSIDs: string[];
  /** In document order; keys may repeat (multi-valued params). */
  params: InvocationParam[];
  updateCoreValues?: string;
  outputMIME?: string;
  /** Runs to follow (not CollectionSpace's: see README "Ordered runs"); absent or empty: none. */
  after?: string[];
  /** `fail` or `start` when a followed run fails; checked where runs are made. */
  afterFailure?: string;
}

/** The answer of an invocation. */
export interface InvocationResultsPayload {
  primaryURICreated?: string;
  userNote?: string;
  /** @defaultValue 0 */
  numAffected?: number;
}

interface InvocationContextWire {
  outputMIME?: string;
  mode?: string;
  updateCoreValues?: string;
  docType?: string;
  singleCSID?: string;
  groupCSID?: string;
  listCSIDs?: { csid?: string[] };
  params?: { param?: Array<{ key?: string; value?: string }> };
  after?: { runId?: string[] };
  afterFailure?: string;
}

const checkInvocationContext = createSchemaCheck<InvocationContextWire>(
  invocationContextSchema,
  INVOCATION_CONTEXT_ELEMENT,
);

const OPTIONAL_TEXT = ['mode', 'docType', 'singleCSID', 'groupCSID', 'updateCoreValues', 'outputMIME', 'afterFailure'] as const;

function toPayload(wire: InvocationContextWire): InvocationContextPayload {
  const payload: InvocationContextPayload = {
    listCSIDs: wire.listCSIDs?.csid ?? [],
    params: (wire.params?.param ?? []).map((param) => ({ key: param.key ?? '', value: param.value ?? '' })),
  };
  const after = wire.after?.runId ?? [];
  if (after.length > 0) payload.after = after.map((id) => id.trim());
  for (const field of OPTIONAL_TEXT) {
    const value = wire[field];
    if (value !== undefined) payload[field] = value;
  }
  return payload;
}

/**
 * Decodes an invoke request body.
 * @throws ValidationError for another root element, a foreign namespace or an unknown element (with its path).
 */
export function decodeInvocationContext(tree: DocTree): InvocationContextPayload {
  const root = rootNamed(tree, INVOCATION_CONTEXT_ELEMENT);
  const node = asNode(root.value, INVOCATION_CONTEXT_ELEMENT, INVOCATION_CONTEXT_ELEMENT);
  checkNamespace(root.key, INVOCABLE_NAMESPACE, INVOCATION_CONTEXT_ELEMENT, node);
  return toPayload(checkInvocationContext(pruneEmpty(node) ?? {}));
}

/** An invocation context in XSD order; what clients send, used by tests and tooling. */
export function encodeInvocationContext(payload: InvocationContextPayload): DocTree {
  return {
    [`${PART_PREFIX}:${INVOCATION_CONTEXT_ELEMENT}`]: {
      [`@xmlns:${PART_PREFIX}`]: INVOCABLE_NAMESPACE,
      outputMIME: payload.outputMIME,
      mode: payload.mode,
      updateCoreValues: payload.updateCoreValues,
      docType: payload.docType,
      singleCSID: payload.singleCSID,
      groupCSID: payload.groupCSID,
      listCSIDs: payload.listCSIDs.length > 0 ? { csid: payload.listCSIDs } : undefined,
      params:
        payload.params.length > 0 ? { param: payload.params.map(({ key, value }) => ({ key, value })) } : undefined,
      after: payload.after !== undefined && payload.after.length > 0 ? { runId: payload.after } : undefined,
      afterFailure: payload.afterFailure,
    },
  };
}

/** `invocationResults`: `primaryURICreated` and `userNote` only when set, `numAffected` always. */
export function encodeInvocationResults(results: InvocationResultsPayload): DocTree {
  return {
    [`${PART_PREFIX}:${INVOCATION_RESULTS_ELEMENT}`]: {
      [`@xmlns:${PART_PREFIX}`]: INVOCABLE_NAMESPACE,
      ...withoutBlanks([
        ['primaryURICreated', results.primaryURICreated],
        ['userNote', results.userNote],
      ]),
      numAffected: results.numAffected ?? 0,
    },
  };
}
