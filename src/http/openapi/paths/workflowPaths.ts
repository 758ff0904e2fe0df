/** The workflow sub-resource a batch job and a record share (src/http/routes/workflowRoutes.ts). */
import { WORKFLOW_TRANSITIONS } from '../../../domain/workflow.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, operation, pathParameter, type OpenApiObject, type Paths } from '../operation.js';
import { headers } from '../responses.js';
import { partsDocument, textFields } from '../schemas.js';

const WORKFLOW_DOCUMENT = named('WorkflowDocument', partsDocument('workflow', {
  'ns2:workflow_common': textFields(['@xmlns:ns2', 'lifeCyclePolicy', 'currentLifeCycleState']),
}));

const WORKFLOW_EXAMPLE = {
  document: {
    '@name': 'workflow',
    'ns2:workflow_common': { '@xmlns:ns2': 'http://collectionspace.org/services/workflow', lifeCyclePolicy: 'cs_default', currentLifeCycleState: 'deleted' },
  },
};

/**
 * `{base}/workflow` and `{base}/workflow/{transition}` for documents at `base` (which ends in `{csid}`).
 * @param what names the documents in summaries, e.g. `batch job`
 * @param idPrefix makes operation ids unique, e.g. `Definition`
 */
export function workflowPaths(base: string, what: string, idPrefix: string, baseParameters: OpenApiObject[], etag: boolean): Paths {
  const transitions = Object.keys(WORKFLOW_TRANSITIONS);
  return {
    [`${base}/workflow`]: {
      get: operation({
        id: `get${idPrefix}Workflow`,
        summary: `The ${what}'s workflow state (life cycle \`cs_default\`)`,
        tag: 'Workflow',
        parameters: baseParameters,
        responses: { 200: documentAnswer('The workflow document', WORKFLOW_DOCUMENT, { example: WORKFLOW_EXAMPLE }) },
        errors: [404],
      }),
    },
    [`${base}/workflow/{transition}`]: {
      put: operation({
        id: `transition${idPrefix}`,
        summary: `Soft delete (\`delete\`, needs the delete right) or undelete (\`undelete\`, the update right) the ${what}`,
        tag: 'Workflow',
        description: 'The body, if any, is ignored, as CollectionSpace ignores it. Any other transition is refused (400) before anything is read.',
        parameters: [...baseParameters, pathParameter('transition', 'The transition to follow', { type: 'string', enum: transitions })],
        responses: {
          200: documentAnswer('The workflow document after the transition', WORKFLOW_DOCUMENT, {
            example: WORKFLOW_EXAMPLE,
            ...(etag && { headers: headers('ETag') }),
          }),
        },
        errors: [400, 404, 409],
      }),
    },
  };
}
