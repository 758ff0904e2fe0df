/**
 * `/batch`: batch job definitions (src/http/routes/batchRouter.ts), their bulk administration
 * (batchAdminRouter.ts) and transfer between installations (definitionTransferRouter.ts).
 */
import { BATCH_INVOCABLES_NAMESPACE, BATCH_LIST_SPEC, BATCH_NAMESPACE } from '../../../codec/index.js';
import { DUPE_RULES } from '../../../domain/definitionTransfer.js';
import { INVOCATION_MODES } from '../../../domain/types.js';
import { DEFINITION_EXAMPLE, DEFINITION_LIST_EXAMPLE } from '../examples.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, documentBody, emptyAnswer, operation, pathParameter, queryParameter, ref, type Paths } from '../operation.js';
import { PAGING } from '../parameters.js';
import { headers } from '../responses.js';
import { commonList, documentNode, element, oneOrMany, partsDocument, rootDocument, textFields } from '../schemas.js';
import { workflowPaths } from './workflowPaths.js';

const TAG = 'Batch job definitions';
const CSID = pathParameter('csid', "The definition's csid, or one of its aliases");

/** A definition as sent: `batch_common` and the optional `batch_invocables` part. */
const BATCH_NODE = documentNode(
  'batch',
  { 'ns2:batch_common': ref('schemas', 'BatchCommon'), 'ns2:batch_invocables': ref('schemas', 'BatchInvocables') },
  ['ns2:batch_common'],
);
const BATCH_DOCUMENT = named('BatchDocument', element('document', BATCH_NODE));

/** A definition as answered: its parts, the read-only core and, on a GET, the caller's `account_permission`. */
const BATCH_ANSWER = named('BatchAnswer', partsDocument('batch', {
  'ns2:batch_common': { type: 'object', description: 'The fields of `BatchCommon`, every value as text.' },
  'ns2:batch_invocables': { type: 'object', description: 'The fields of `BatchInvocables`, every value as text.' },
  'ns2:collectionspace_core': { type: 'object', description: 'Read-only: tenant, URI, who created and updated it and when, revision, workflow state.' },
  'ns2:account_permission': { type: 'object', description: "The caller's account and permissions on `batch` (GET only)." },
}));

const BATCH_EXAMPLE = {
  document: {
    '@name': 'batch',
    'ns2:batch_common': {
      '@xmlns:ns2': BATCH_NAMESPACE,
      name: 'Create and Link Loan Out',
      forDocTypes: { forDocType: ['CollectionObject'] },
      supportsSingleDoc: true,
      supportsDocList: true,
      createsNewFocus: true,
      className: 'org.collectionspace.services.batch.nuxeo.CreateAndLinkLoanOutBatchJob',
    },
    'ns2:batch_invocables': { '@xmlns:ns2': BATCH_INVOCABLES_NAMESPACE, itemTimeoutMs: 60000 },
  },
};

const BULK_RESPONSES = named('BatchBulkResponses', element(
  'batch_bulk_responses',
  {
    type: 'object',
    properties: {
      response: oneOrMany(
        textFields(['@formId', '@operation', '@status', 'csid', 'uri', 'alias', 'movedFrom'], {
          error: { type: 'object', description: 'The `error` element this entry alone would have been answered with.' },
        }),
      ),
    },
  },
));

const LIST_FILTERS = [
  queryParameter('doctype', 'Definitions whose `forDocTypes` contains it (case-sensitive)'),
  {
    ...queryParameter('mode', 'Definitions enabling any of these modes', { type: 'array', items: { type: 'string', enum: [...INVOCATION_MODES] } }),
    explode: true,
  },
  { ...queryParameter('inv', 'An alias of `mode`', { type: 'array', items: { type: 'string', enum: [...INVOCATION_MODES] } }), explode: true },
  queryParameter('classname', 'Definitions naming exactly this class'),
  queryParameter('combine', 'OR the doctype, mode and classname filters instead of AND-ing them', { type: 'string', enum: ['or'] }),
  queryParameter('as', 'Advanced search (NXQL subset), AND-ed with the other filters, e.g. `(batch_common:name ILIKE "%loan%")`'),
  queryParameter('wf_deleted', '`false` leaves soft-deleted definitions out', { type: 'string', enum: ['true', 'false'] }),
  queryParameter('wf_only_deleted', '`true` lists only soft-deleted definitions', { type: 'string', enum: ['true', 'false'] }),
  queryParameter('sortBy', '`name` or `updatedAt` (also `batch_common:name`, `collectionspace_core:updatedAt`), optionally followed by ` ASC` or ` DESC`; default `updatedAt DESC`'),
  ...PAGING,
];

export function definitionPaths(root: string): Paths {
  const batch = `${root}/batch`;
  return {
    [batch]: {
      get: operation({
        id: 'listDefinitions',
        summary: "List the tenant's batch jobs",
        tag: TAG,
        parameters: LIST_FILTERS,
        responses: { 200: documentAnswer('One page of definitions', named('BatchList', commonList(BATCH_LIST_SPEC)), { example: DEFINITION_LIST_EXAMPLE }) },
        errors: [400],
      }),
      post: operation({
        id: 'createDefinition',
        summary: 'Create a batch job',
        tag: TAG,
        body: documentBody(BATCH_DOCUMENT, BATCH_EXAMPLE),
        responses: { 201: emptyAnswer('Created', headers('Location', 'ETag')) },
      }),
      delete: operation({
        id: 'deleteAllDefinitions',
        summary: 'Delete every batch job of the tenant, each on its own',
        tag: TAG,
        parameters: [{ ...queryParameter('confirm', 'Must be `all`: without it nothing is deleted', { type: 'string', enum: ['all'] }), required: true }],
        responses: { 200: documentAnswer('One `response` per definition', BULK_RESPONSES) },
        errors: [400],
      }),
    },
    [`${batch}/{csid}`]: {
      get: operation({
        id: 'getDefinition',
        summary: 'Read a batch job',
        tag: TAG,
        parameters: [CSID],
        responses: { 200: documentAnswer('The definition', BATCH_ANSWER, { headers: headers('ETag'), example: DEFINITION_EXAMPLE }) },
        errors: [404],
      }),
      put: operation({
        id: 'updateDefinition',
        summary: 'Update a batch job (fields not sent keep their values)',
        tag: TAG,
        parameters: [CSID, ref('parameters', 'IfMatch')],
        body: documentBody(BATCH_DOCUMENT, BATCH_EXAMPLE),
        responses: { 200: documentAnswer('The updated definition', BATCH_ANSWER, { headers: headers('ETag'), example: DEFINITION_EXAMPLE }) },
        errors: [404, 409, 412],
      }),
      delete: operation({
        id: 'deleteDefinition',
        summary: 'Delete a batch job',
        tag: TAG,
        parameters: [CSID, ref('parameters', 'IfMatch')],
        responses: { 200: emptyAnswer('Deleted') },
        errors: [404, 412],
      }),
    },
    ...workflowPaths(`${batch}/{csid}`, 'batch job', 'Definition', [CSID], false),
    [`${batch}/bulk`]: {
      post: operation({
        id: 'bulkDefinitions',
        summary: 'Create, update, delete and alias batch jobs in one request, each entry answered on its own',
        tag: TAG,
        body: documentBody(rootDocument('BatchBulk'), {
          batch_bulk: { entry: [{ '@formId': 'loan-out', '@operation': 'create', ...BATCH_EXAMPLE }, { '@formId': 'old', '@operation': 'delete', '@csid': '00000000-0000-4000-8000-000000000000' }] },
        }),
        responses: { 200: documentAnswer('One `response` per entry, with the status it alone would have had', BULK_RESPONSES) },
      }),
    },
    [`${batch}/forms/create`]: {
      get: operation({
        id: 'definitionCreateForm',
        summary: 'What a new batch job may hold: the JSON Schema of each part, every loaded plugin with its modes and doc types',
        tag: TAG,
        responses: { 200: documentAnswer('The `batch_forms` document', element('batch_forms')) },
      }),
    },
    [`${batch}/forms/update`]: {
      get: operation({
        id: 'definitionUpdateForms',
        summary: 'The create form plus, per named definition, its revision and stored document',
        tag: TAG,
        parameters: [{ ...queryParameter('csid', '1 to 100 csids or aliases', { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 100 }), required: true, explode: true }],
        responses: { 200: documentAnswer('The `batch_forms` document', element('batch_forms')) },
        errors: [400, 404],
      }),
    },
    [`${batch}/export`]: {
      get: operation({
        id: 'exportDefinitions',
        summary: 'The tenant\'s definitions as one `batch-definitions` document: those named by `csid`, or those the list filters select',
        tag: TAG,
        parameters: [{ ...queryParameter('csid', 'Definitions to export, each once (not combined with the list filters)', { type: 'array', items: { type: 'string' } }), explode: true }, ...LIST_FILTERS],
        responses: { 200: documentAnswer('The definitions', element('batch-definitions')) },
        errors: [400, 404],
      }),
    },
    [`${batch}/import`]: {
      post: operation({
        id: 'importDefinitions',
        summary: 'Store a `batch-definitions` document into this tenant, with a report per definition',
        tag: TAG,
        parameters: [queryParameter('dupe', 'What to do with a definition whose csid or name is already here: create another (the default), skip it, or update it', { type: 'string', enum: [...DUPE_RULES] })],
        body: documentBody(element('batch-definitions', { type: 'object', properties: { document: oneOrMany(BATCH_NODE) } }), {
          'batch-definitions': { document: [BATCH_EXAMPLE.document] },
        }),
        responses: {
          200: documentAnswer('Every definition was stored or skipped', element('batch-import-report')),
          207: documentAnswer('Some definitions failed: see their entries', element('batch-import-report')),
        },
      }),
    },
  };
}
