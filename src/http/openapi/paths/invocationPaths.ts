/**
 * Starting runs: invoke (src/http/routes/invokeRouter.ts), open runs, schedules (schedulesRouter.ts) and one job in
 * several tenants (multiTenantRouter.ts).
 */
import { INVOCABLE_NAMESPACE, SCHEDULE_LIST_SPEC } from '../../../codec/index.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, documentBody, emptyAnswer, operation, pathParameter, ref, type OpenApiObject, type Paths } from '../operation.js';
import { PAGING } from '../parameters.js';
import { headers } from '../responses.js';
import { commonList, element, oneOrMany, rootDocument, textFields } from '../schemas.js';
import { CONTEXT_BODY, CONTEXT_EXAMPLE, INVOCATION_RESULTS, RUN_DOCUMENT, SCHEDULE_DOCUMENT, SCHEDULE_REQUEST } from './runDocuments.js';

const TAG = 'Invocation';
const SCHEDULES_TAG = 'Schedules';
const CSID = pathParameter('csid', "The definition's csid, or one of its aliases");
const PREFER: OpenApiObject = {
  name: 'Prefer',
  in: 'header',
  description: 'RFC 7240: `respond-async` answers 202 with the run at once; `wait=N` once N seconds have passed without the run ending. Without it the request waits for the results.',
  schema: { type: 'string' },
  examples: { async: { value: 'respond-async' }, wait: { value: 'respond-async, wait=10' } },
};

const MULTITENANT_RESULTS = named('MultitenantInvocationResults', element('multitenantInvocationResults', {
  type: 'object',
  properties: {
    postedSuccess: { type: 'object', properties: { posted: oneOrMany(textFields(['tenant', 'runId'])) } },
    postedProblems: { type: 'object', properties: { problem: oneOrMany(textFields(['tenant', 'message'])) } },
  },
}));

/** What else refuses an invocation: a bad context or mode, an unknown definition, an `Idempotency-Key` in use or reused. */
const INVOKE_ERRORS = [400, 404, 409, 422];

const INVOKE_ANSWERS = {
  200: documentAnswer('The run finished: what the plugin did', INVOCATION_RESULTS, {
    headers: headers('PreferenceApplied', 'IdempotentReplayed'),
    example: { 'ns2:invocationResults': { '@xmlns:ns2': INVOCABLE_NAMESPACE, userNote: 'Inventory status changed to missing.', numAffected: 2 } },
  }),
  202: documentAnswer('The run goes on in the background (asked for with `Prefer`, or past the server\'s wait limit)', RUN_DOCUMENT, {
    headers: headers('Location', 'PreferenceApplied', 'IdempotentReplayed'),
  }),
};

function invoke(id: string, deprecated: boolean): OpenApiObject {
  return operation({
    id,
    summary: deprecated ? "Invoke a batch job (CollectionSpace's deprecated form of `/invoke`)" : 'Invoke a batch job: run its plugin over the context',
    tag: TAG,
    deprecated,
    parameters: [CSID, PREFER, ref('parameters', 'IdempotencyKey')],
    body: documentBody(CONTEXT_BODY, CONTEXT_EXAMPLE),
    responses: INVOKE_ANSWERS,
    errors: INVOKE_ERRORS,
  });
}

export interface InvocationFeatures {
  schedules: boolean;
  multiTenant: boolean;
}

export function invocationPaths(root: string, features: InvocationFeatures): Paths {
  const batch = `${root}/batch`;
  const paths: Paths = {
    [`${batch}/{csid}/invoke`]: { post: invoke('invokeDefinition', false) },
    [`${batch}/{csid}`]: { post: invoke('invokeDefinitionDeprecated', true) },
    [`${batch}/{csid}/runs`]: {
      post: operation({
        id: 'openRun',
        summary: 'Open a run: items are added later (`POST /runs/{id}/items`), then it is closed',
        tag: TAG,
        parameters: [CSID, ref('parameters', 'IdempotencyKey')],
        body: documentBody(CONTEXT_BODY, { 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NAMESPACE, mode: 'list', docType: 'CollectionObject' } }),
        responses: { 201: documentAnswer('The open run', RUN_DOCUMENT, { headers: headers('Location', 'IdempotentReplayed') }) },
        errors: INVOKE_ERRORS,
      }),
    },
  };
  if (features.schedules) Object.assign(paths, schedulePaths(root));
  if (features.multiTenant) {
    paths[`${root}/batch-multitenant/invoke`] = {
      post: operation({
        id: 'invokeInTenants',
        summary: 'Start one job as a background run in several tenants',
        tag: TAG,
        parameters: [ref('parameters', 'IdempotencyKey')],
        body: documentBody(rootDocument('MultitenantInvocation'), {
          multitenantInvocation: {
            className: 'noop',
            tenants: { tenant: ['default', 'museum-b'] },
            'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NAMESPACE, mode: 'nocontext' },
          },
        }),
        responses: {
          200: documentAnswer('Every tenant got a run', MULTITENANT_RESULTS, { headers: headers('IdempotentReplayed') }),
          207: documentAnswer('Some tenants got no run: see `postedProblems`', MULTITENANT_RESULTS, { headers: headers('IdempotentReplayed') }),
        },
        errors: [409, 422],
      }),
    };
  }
  return paths;
}

function schedulePaths(root: string): Paths {
  const id = pathParameter('id', "The schedule's id");
  return {
    [`${root}/batch/{csid}/schedules`]: {
      post: operation({
        id: 'createSchedule',
        summary: 'Schedule invocations of a batch job: once (`at`) or repeatedly (`every`)',
        tag: SCHEDULES_TAG,
        parameters: [CSID],
        body: documentBody(SCHEDULE_REQUEST, {
          schedule: { every: '30 9 * * *', timezone: 'Europe/Paris', invocationContext: { mode: 'nocontext' } },
        }),
        responses: { 201: documentAnswer('The schedule', SCHEDULE_DOCUMENT, { headers: headers('Location') }) },
        errors: [404],
      }),
      get: operation({
        id: 'listDefinitionSchedules',
        summary: "A batch job's schedules, newest first",
        tag: SCHEDULES_TAG,
        parameters: [CSID, ...PAGING],
        responses: { 200: documentAnswer('One page of schedules', named('ScheduleList', commonList(SCHEDULE_LIST_SPEC))) },
        errors: [400, 404],
      }),
    },
    [`${root}/schedules`]: {
      get: operation({
        id: 'listSchedules',
        summary: "The tenant's schedules, newest first",
        tag: SCHEDULES_TAG,
        parameters: PAGING,
        responses: { 200: documentAnswer('One page of schedules', named('ScheduleList', commonList(SCHEDULE_LIST_SPEC))) },
        errors: [400],
      }),
    },
    [`${root}/schedules/{id}`]: {
      get: operation({
        id: 'getSchedule',
        summary: 'Read a schedule, with its next and last firing',
        tag: SCHEDULES_TAG,
        parameters: [id],
        responses: { 200: documentAnswer('The schedule', SCHEDULE_DOCUMENT) },
        errors: [404],
      }),
      delete: operation({
        id: 'deleteSchedule',
        summary: 'Stop and remove a schedule',
        tag: SCHEDULES_TAG,
        parameters: [id],
        responses: { 204: emptyAnswer('Removed') },
        errors: [404],
      }),
    },
  };
}
