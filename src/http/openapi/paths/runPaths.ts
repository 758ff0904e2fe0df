/**
 * `/runs` (src/http/routes/runsRouter.ts) and links to runs' results (resultLinksRouter.ts): `/runs/{id}/links`
 * in the API, `/links/{linkId}/results` open to a signed URL.
 */
import { RESULT_LINK_LIST_SPEC, RUN_ITEM_LIST_SPEC, RUN_LIST_SPEC, RUN_LOG_LIST_SPEC } from '../../../codec/index.js';
import { LINK_SCOPES } from '../../../domain/resultLinks.js';
import { LOG_LEVELS } from '../../../domain/runLog.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, documentBody, emptyAnswer, operation, pathParameter, queryParameter, ref, type OpenApiObject, type OperationSpec, type Paths } from '../operation.js';
import { RUN_EXAMPLE, RUN_ITEM_LIST_EXAMPLE, RUN_LIST_EXAMPLE } from '../examples.js';
import { PAGING } from '../parameters.js';
import { headers } from '../responses.js';
import { commonList, element, oneOrMany, rootDocument, textFields } from '../schemas.js';
import { INVOCATION_RESULTS, ITEM_STATUS_SCHEMA, RUN_DOCUMENT, RUN_STATUS_SCHEMA } from './runDocuments.js';

const TAG = 'Runs';
const LINKS_TAG = 'Result links';
const ID = pathParameter('id', "The run's id");

const ITEMS_BODY = named('RunItems', element('items', {
  type: 'object',
  description: 'The csids to add (an `invocationContext` with `listCSIDs` is read too)',
  required: ['csid'],
  properties: { csid: oneOrMany({ type: 'string', minLength: 1 }) },
}));

const RESULT_LINK = named('ResultLink', element('ns2:resultLink', textFields(['@xmlns:ns2', ...RESULT_LINK_LIST_SPEC.fieldsReturned])));

const EVENTS: OpenApiObject = {
  description:
    'Server-sent events until the run ends: `progress` (status and counts, when they change), `log` (each plugin log line kept) and a last `end`. Each `data` is one JSON object.',
  content: {
    'text/event-stream': {
      schema: { type: 'string' },
      example: 'event: progress\nid: 1\ndata: {"id":"r1","status":"InProgress","statusText":"…","noOfItemsPosted":2000,"noOfItemsProcessed":500,"noOfItemsFailed":3,"noOfItemsCancelled":0,"percentCompleted":25}\n\n',
    },
  },
};

function runAction(id: string, summary: string, status: number, description: string, extra: Pick<OperationSpec, 'parameters' | 'errors'> = {}): OpenApiObject {
  return operation({
    id,
    summary,
    tag: TAG,
    parameters: [ID, ...(extra.parameters ?? [])],
    responses: { [status]: documentAnswer(description, RUN_DOCUMENT, status === 202 ? { headers: headers('Location') } : {}) },
    errors: [404, 409, ...(extra.errors ?? [])],
  });
}

/**
 * @param resultLinks whether links to results are served
 * @param security the document's default requirements, which a link opened without a signature needs
 */
export function runPaths(root: string, resultLinks: boolean, security: OpenApiObject[]): Paths {
  const runs = `${root}/runs`;
  const paths: Paths = {
    [runs]: {
      get: operation({
        id: 'listRuns',
        summary: "The tenant's runs, newest first",
        tag: TAG,
        parameters: [
          queryParameter('status', 'Runs in this status', RUN_STATUS_SCHEMA),
          queryParameter('definition', "Runs of this definition (its csid)"),
          queryParameter('createdFrom', 'Runs created at or after (ISO-8601)', { type: 'string', format: 'date-time' }),
          queryParameter('createdTo', 'Runs created before (ISO-8601)', { type: 'string', format: 'date-time' }),
          ...PAGING,
        ],
        responses: { 200: documentAnswer('One page of runs', named('RunList', commonList(RUN_LIST_SPEC)), { example: RUN_LIST_EXAMPLE }) },
        errors: [400],
      }),
    },
    [`${runs}/{id}`]: {
      get: operation({
        id: 'getRun',
        summary: 'A run: status, counts, progress and (when small enough) results',
        tag: TAG,
        parameters: [ID],
        responses: { 200: documentAnswer('The run', RUN_DOCUMENT, { example: RUN_EXAMPLE }) },
        errors: [404],
      }),
    },
    [`${runs}/{id}/results`]: {
      get: operation({
        id: 'getRunResults',
        summary: "A run's results, also when too large to inline in the run",
        tag: TAG,
        parameters: [ID],
        responses: { 200: documentAnswer('What the plugin did', INVOCATION_RESULTS) },
        errors: [404, 409],
      }),
    },
    [`${runs}/{id}/items`]: {
      get: operation({
        id: 'listRunItems',
        summary: "A run's items, in order, with their outcome",
        tag: TAG,
        parameters: [ID, queryParameter('status', 'Items in this status', ITEM_STATUS_SCHEMA), ...PAGING],
        responses: { 200: documentAnswer('One page of items', named('RunItemList', commonList(RUN_ITEM_LIST_SPEC)), { example: RUN_ITEM_LIST_EXAMPLE }) },
        errors: [400, 404],
      }),
      post: operation({
        id: 'addRunItems',
        summary: 'Add items to an open run (each eligible at once)',
        tag: TAG,
        parameters: [ID, ref('parameters', 'IdempotencyKey')],
        body: documentBody(ITEMS_BODY, { items: { csid: ['1e624d79-2f3a-4a4e-9d7b-0c6f9a1d2e3f'] } }),
        responses: { 200: documentAnswer('The run', RUN_DOCUMENT, { headers: headers('IdempotentReplayed') }) },
        errors: [404, 409, 422],
      }),
    },
    [`${runs}/{id}/log`]: {
      get: operation({
        id: 'getRunLog',
        summary: "What the run's plugin logged, per item",
        tag: TAG,
        parameters: [
          ID,
          queryParameter('level', 'Lines of this level and above', { type: 'string', enum: [...LOG_LEVELS] }),
          queryParameter('item', "An item's csid, or `*` for lines of the whole invocation"),
          ...PAGING,
        ],
        responses: { 200: documentAnswer('One page of log lines, with how many were kept and dropped', named('RunLog', commonList(RUN_LOG_LIST_SPEC, { linesKept: { type: 'string' }, linesDropped: { type: 'string' } }))) },
        errors: [400, 404],
      }),
    },
    [`${runs}/{id}/close`]: { post: runAction('closeRun', 'Close an open run: it finishes once its items are done', 200, 'The run') },
    [`${runs}/{id}/cancel`]: { post: runAction('cancelRun', 'Cancel a run: items not yet done are cancelled', 200, 'The run') },
    [`${runs}/{id}/rerun`]: {
      post: runAction('rerunRun', 'Run a finished run again as a new run: all its items, or only the failed ones', 202, 'The new run', {
        parameters: [queryParameter('only', '`failed`: only the items that failed', { type: 'string', enum: ['failed'] })],
        errors: [400, 429],
      }),
    },
    [`${runs}/{id}/events`]: {
      get: operation({ id: 'followRun', summary: "A run's progress and log lines as they happen", tag: TAG, parameters: [ID], responses: { 200: EVENTS }, errors: [404] }),
    },
  };
  if (resultLinks) Object.assign(paths, linkPaths(root, security));
  return paths;
}

function linkPaths(root: string, security: OpenApiObject[]): Paths {
  const linkId = pathParameter('linkId', "The link's id");
  return {
    [`${root}/runs/{id}/links`]: {
      get: operation({
        id: 'listResultLinks',
        summary: "Links to a run's results (its creator only)",
        tag: LINKS_TAG,
        parameters: [ID],
        responses: { 200: documentAnswer('The links', named('ResultLinkList', commonList(RESULT_LINK_LIST_SPEC))) },
        errors: [404],
      }),
      post: operation({
        id: 'createResultLink',
        summary: `Share a run's results by link (scope ${LINK_SCOPES.join(', ')}): its creator, the tenant's users, or anyone with the signed URL`,
        tag: LINKS_TAG,
        parameters: [ID],
        body: documentBody(rootDocument('ResultLinkRequest'), { resultLink: { scope: 'public', expiresIn: 86400 } }),
        responses: { 201: documentAnswer('The link, with its `publishLink`', RESULT_LINK, { headers: headers('Location') }) },
        errors: [404, 409],
      }),
    },
    [`${root}/runs/{id}/links/{linkId}`]: {
      delete: operation({ id: 'revokeResultLink', summary: 'Revoke a link', tag: LINKS_TAG, parameters: [ID, linkId], responses: { 204: emptyAnswer('Revoked') }, errors: [404] }),
    },
    [`${root}/links/{linkId}/results`]: {
      get: operation({
        id: 'openResultLink',
        summary: "A run's results through a link: a public link's signed URL needs no credentials, the others a login",
        tag: LINKS_TAG,
        description: 'With `sig`, the link is opened by its signature alone (an expired, revoked or forged one is a 404); without, the caller must be allowed by the link\'s scope.',
        // `{}`: no credentials at all, with a signature.
        security: [{}, ...security],
        parameters: [
          linkId,
          queryParameter('tenant', "The link's tenant (signed URLs)"),
          queryParameter('expires', 'When the link expires, in ms since the epoch (signed URLs)', { type: 'string', pattern: '^\\d{1,15}$' }),
          queryParameter('sig', 'The signature (signed URLs)'),
        ],
        responses: { 200: documentAnswer('What the plugin did', INVOCATION_RESULTS) },
        errors: [404],
      }),
    },
  };
}
