/**
 * Run documents (`ns2:run`, XML and JSON through the usual `DocTree`), run and item lists
 * (`abstract-common-list`), and the items body of `POST /runs/{id}/items`.
 *
 * Field names follow the seeds: `noOfItemsPosted`, `noOfItemsProcessed`, `jobItemErrors`, `percentCompleted`,
 * `canReRun`, `purgeDateTime` (and, in their style, `noOfItemsFailed`, `noOfItemsAffected`, `noOfItemsCancelled`); the invocation context and results are nested in their CollectionSpace shapes.
 * Results stored apart from the run (too large to inline) give way to `resultsLink` and `resultsSize`. A run that
 * follows others (README "Ordered runs") shows them as `after/runId*` with its `afterFailure` rule, and while it is
 * `Waiting`, those still active as `waitingFor/runId*`; runs the viewer may not see are only counted, as `otherRuns`
 * in each (src/domain/runVisibility.ts).
 */
import { ValidationError } from '../domain/errors.js';
import { percentCompleted, type Run, type RunItem } from '../domain/runs.js';
import type { FollowsShown } from '../domain/runVisibility.js';
import type { ListSpec } from './commonList.js';
import { INVOCABLE_NAMESPACE, PART_PREFIX } from './namespaces.js';
import { asArray, findChildren, isDocNode, localName, rootElement, type DocNode, type DocTree } from './tree.js';

export const RUN_NAMESPACE = 'http://collectionspace.org/services/batch/run';
export const RUN_ELEMENT = 'run';

export function runUri(id: string): string {
  return `/runs/${id}`;
}

export interface RunDocumentOptions {
  /** Failed items by key. */
  itemErrors?: Record<string, string>;
  /** When the finished run will be purged. */
  purgeAt?: Date;
  /** Where the run's results are served: shown, with their size, in place of results stored apart. */
  resultsLink?: string;
}

/** Followed runs as shown: the ids, then how many others; nothing when there are none. */
function followedRuns(runIds: readonly string[] = [], others = 0) {
  if (runIds.length === 0 && others === 0) return undefined;
  return { runId: runIds.length > 0 ? [...runIds] : undefined, otherRuns: others > 0 ? others : undefined };
}

const iso = (date: Date | undefined) => date?.toISOString();

/** A run in the API's shape, with its followed runs as one viewer is shown them. */
export function encodeRunDocument(run: Run & FollowsShown, options: RunDocumentOptions = {}): DocTree {
  const after = followedRuns(run.after, run.afterOthers);
  const { invocation, counts, results } = run;
  const errors = Object.entries(options.itemErrors ?? {});
  return {
    [`${PART_PREFIX}:${RUN_ELEMENT}`]: {
      [`@xmlns:${PART_PREFIX}`]: RUN_NAMESPACE,
      id: run.id,
      uri: runUri(run.id),
      definitionCsid: run.definitionCsid,
      definitionName: run.definitionName,
      status: run.status,
      statusText: run.statusText,
      open: run.open,
      canReRun: run.rerunnable,
      reruns: run.reruns,
      createdBy: run.createdBy,
      createdAt: iso(run.createdAt),
      startedAt: iso(run.startedAt),
      completedAt: iso(run.completedAt),
      purgeDateTime: iso(options.purgeAt),
      after,
      afterFailure: after !== undefined ? run.afterFailure : undefined,
      waitingFor: followedRuns(run.waitingFor, run.waitingForOthers),
      noOfItemsPosted: counts.posted,
      noOfItemsProcessed: counts.processed,
      noOfItemsFailed: counts.failed,
      noOfItemsAffected: counts.affected,
      noOfItemsCancelled: counts.cancelled,
      percentCompleted: percentCompleted(counts, run.status),
      invocationContext: {
        [`@xmlns:${PART_PREFIX}`]: INVOCABLE_NAMESPACE,
        mode: invocation.mode,
        docType: invocation.docType,
        singleCSID: invocation.singleCSID,
        groupCSID: invocation.groupCSID,
        listCSIDs: invocation.listCSIDs.length > 0 ? { csid: invocation.listCSIDs } : undefined,
        params: invocation.params.length > 0 ? { param: invocation.params.map(({ key, value }) => ({ key, value })) } : undefined,
      },
      invocationResults:
        results === undefined
          ? undefined
          : { primaryURICreated: results.primaryURICreated, userNote: results.userNote, numAffected: results.numAffected ?? 0 },
      resultsLink: run.resultsStoredApart === true ? options.resultsLink : undefined,
      resultsSize: run.resultsStoredApart === true ? run.resultsSize : undefined,
      jobItemErrors: errors.length > 0 ? { itemError: errors.map(([csid, message]) => ({ csid, message })) } : undefined,
    },
  };
}

export const RUN_LIST_SPEC: ListSpec<Run> = {
  fieldsReturned: ['id', 'uri', 'definitionCsid', 'definitionName', 'status', 'createdBy', 'createdAt', 'completedAt', 'noOfItemsPosted', 'noOfItemsProcessed', 'noOfItemsFailed', 'noOfItemsCancelled', 'percentCompleted'],
  toItem: (run) => ({
    id: run.id,
    uri: runUri(run.id),
    definitionCsid: run.definitionCsid,
    definitionName: run.definitionName,
    status: run.status,
    createdBy: run.createdBy,
    createdAt: iso(run.createdAt),
    completedAt: iso(run.completedAt),
    noOfItemsPosted: run.counts.posted,
    noOfItemsProcessed: run.counts.processed,
    noOfItemsFailed: run.counts.failed,
    noOfItemsCancelled: run.counts.cancelled,
    percentCompleted: percentCompleted(run.counts, run.status),
  }),
};

export const RUN_ITEM_LIST_SPEC: ListSpec<RunItem> = {
  fieldsReturned: ['seq', 'csid', 'status', 'attempts', 'error', 'errorCode', 'note', 'affected', 'updatedAt'],
  toItem: (item) => ({
    seq: item.seq,
    csid: item.key,
    status: item.status,
    attempts: item.attempts,
    error: item.error,
    errorCode: item.errorCode,
    note: item.note,
    affected: item.affected,
    updatedAt: item.updatedAt.toISOString(),
  }),
};

/**
 * The csids of an items body: `<items><csid>…</csid>…</items>` (any prefix), or an `invocationContext` with
 * `listCSIDs`, which is what the run was created with.
 */
export function decodeRunItems(tree: DocTree): string[] {
  const root = rootElement(tree);
  if (root === undefined || !isDocNode(root.value)) {
    throw new ValidationError('Expected an <items> element with <csid> children', [{ path: '(root)', message: 'must be <items>' }]);
  }
  const node: DocNode = root.value;
  const name = localName(root.key);
  const source = name === 'invocationContext' ? findChildren(node, 'listCSIDs').map((child) => child.value) : name === 'items' ? [node] : undefined;
  if (source === undefined) {
    throw new ValidationError(`Expected <items> or <invocationContext>, found <${root.key}>`, [{ path: '(root)', message: 'must be <items>' }]);
  }
  const csids: string[] = [];
  for (const holder of source) {
    if (!isDocNode(holder)) continue;
    for (const child of findChildren(holder, 'csid')) {
      for (const value of asArray(child.value)) {
        if (typeof value !== 'string' || value.trim() === '') {
          throw new ValidationError('Each <csid> must be a non-empty string', [{ path: 'items/csid', message: 'must be a non-empty string' }]);
        }
        csids.push(value.trim());
      }
    }
  }
  return csids;
}
