/** The documents of runs and schedules, shared by the invocation, schedule and run paths. */
import { INVOCABLE_NAMESPACE, RUN_LIST_SPEC, SCHEDULE_LIST_SPEC } from '../../../codec/index.js';
import { ITEM_STATUSES, RUN_STATUSES } from '../../../domain/runs.js';
import { named } from '../namedSchemas.js';
import { element, oneOrMany, onlyTextFields, rootDocument, textFields } from '../schemas.js';
import type { OpenApiObject } from '../operation.js';

/** An `invocationContext` as answered (every value as text). */
const ANSWERED_CONTEXT = textFields(['@xmlns:ns2', 'mode', 'docType', 'singleCSID', 'groupCSID'], {
  listCSIDs: { type: 'object', properties: { csid: oneOrMany({ type: 'string' }) } },
  params: { type: 'object', properties: { param: oneOrMany(textFields(['key', 'value'])) } },
});

const INVOCATION_RESULT_FIELDS = ['@xmlns:ns2', 'primaryURICreated', 'userNote', 'numAffected'];

/** `ns2:invocationResults`: what the plugin said it did. */
export const INVOCATION_RESULTS = named('InvocationResults', element('ns2:invocationResults', textFields(INVOCATION_RESULT_FIELDS)));

/** Runs a run follows or waits for: the ids the caller may see (all, with `runs` `L`; else their own), and a count of the others. */
const FOLLOWED_RUNS = {
  type: 'object',
  properties: { runId: oneOrMany({ type: 'string' }), otherRuns: { type: 'string', description: 'How many other runs, whose ids the caller may not see' } },
};

/** The `ns2:run` document: a run's state, counts and (when small enough) results. */
export const RUN_DOCUMENT = named(
  'Run',
  element(
    'ns2:run',
    onlyTextFields([...RUN_LIST_SPEC.fieldsReturned, '@xmlns:ns2', 'statusText', 'open', 'canReRun', 'reruns', 'startedAt', 'purgeDateTime', 'noOfItemsAffected', 'resultsLink', 'resultsSize', 'afterFailure'], {
      status: { type: 'string', enum: [...RUN_STATUSES] },
      after: { ...FOLLOWED_RUNS, description: 'The runs it follows (README "Ordered runs")' },
      waitingFor: { ...FOLLOWED_RUNS, description: 'While it is Waiting: the runs it follows still active' },
      invocationContext: ANSWERED_CONTEXT,
      invocationResults: textFields(INVOCATION_RESULT_FIELDS.slice(1)),
      jobItemErrors: { type: 'object', description: 'The first failed items with their errors', properties: { itemError: oneOrMany(textFields(['csid', 'message'])) } },
    }),
  ),
);

/** `ns2:invocationContext` as a request body. */
export const CONTEXT_BODY = named('InvocationContextDocument', rootDocument('InvocationContext', 'ns2:'));

export const CONTEXT_EXAMPLE = {
  'ns2:invocationContext': {
    '@xmlns:ns2': INVOCABLE_NAMESPACE,
    mode: 'list',
    docType: 'CollectionObject',
    listCSIDs: { csid: ['1e624d79-2f3a-4a4e-9d7b-0c6f9a1d2e3f', '7b0c2d44-6f1e-4c1d-8a2b-3e4f5a6b7c8d'] },
    params: { param: [{ key: 'inventoryStatus', value: 'missing' }] },
  },
};

/** The `ns2:schedule` document. */
export const SCHEDULE_DOCUMENT = named(
  'Schedule',
  element(
    'ns2:schedule',
    textFields([...SCHEDULE_LIST_SPEC.fieldsReturned, '@xmlns:ns2', 'createdAt', 'lastRunUri', 'failedAt', 'failReason'], { invocationContext: ANSWERED_CONTEXT }),
  ),
);

/** A `<schedule>` to create: when (`at` or `every`, optional `timezone`) and what (`invocationContext`). */
export const SCHEDULE_REQUEST: OpenApiObject = named('ScheduleRequest', element('schedule', {
  type: 'object',
  required: ['invocationContext'],
  properties: {
    at: { type: 'string', format: 'date-time', description: 'Once, at this time (ISO-8601 with a zone)' },
    every: { type: 'string', description: 'Repeatedly: an interval (`10 minutes`, `1 hour 30 minutes`) or a cron expression (`30 9 * * *`, `@daily`)' },
    timezone: { type: 'string', description: 'IANA time zone of a cron expression, e.g. `Europe/Paris`' },
    invocationContext: { $ref: '#/components/schemas/InvocationContext' },
  },
  additionalProperties: false,
}));

export const ITEM_STATUS_SCHEMA = { type: 'string', enum: [...ITEM_STATUSES] };
export const RUN_STATUS_SCHEMA = { type: 'string', enum: [...RUN_STATUSES] };
