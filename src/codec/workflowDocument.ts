/**
 * A record's workflow sub-resource (`GET /{service}/{csid}/workflow`, and the answer to
 * `PUT …/workflow/{transition}`), as CollectionSpace writes it: `<document name="workflow">` holding
 * `ns2:workflow_common` with the life cycle policy and the record's current state.
 */
import type { CoreFields } from '../domain/types.js';
import { CORE_PART_KEY, corePart } from './documentEnvelope.js';
import { PART_PREFIX, WORKFLOW_NAMESPACE } from './namespaces.js';
import type { DocTree } from './tree.js';

/** CollectionSpace's default life cycle: `project` ⇄ `deleted`. */
export const LIFE_CYCLE_POLICY = 'cs_default';

/** @param uri the record's own URI; the workflow's is that plus `/workflow` */
export function encodeWorkflowDocument(uri: string, core: CoreFields): DocTree {
  return {
    document: {
      '@name': 'workflow',
      [`${PART_PREFIX}:workflow_common`]: {
        [`@xmlns:${PART_PREFIX}`]: WORKFLOW_NAMESPACE,
        lifeCyclePolicy: LIFE_CYCLE_POLICY,
        currentLifeCycleState: core.workflowState,
      },
      [CORE_PART_KEY]: corePart(`${uri}/workflow`, core),
    },
  };
}
