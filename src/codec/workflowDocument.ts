/**
 * `<document name="workflow">`: a document's workflow as CollectionSpace's `WorkflowDocumentModelHandler` answers
 * it, `workflow_common` with `lifeCyclePolicy` and `currentLifeCycleState` (it fills nothing else).
 */
import { LIFE_CYCLE_POLICY } from '../domain/workflow.js';
import type { CoreFields } from '../domain/types.js';
import { PART_PREFIX, WORKFLOW_NAMESPACE } from './namespaces.js';
import type { DocTree } from './tree.js';

export function encodeWorkflowDocument(core: Pick<CoreFields, 'workflowState'>): DocTree {
  return {
    document: {
      '@name': 'workflow',
      [`${PART_PREFIX}:workflow_common`]: {
        [`@xmlns:${PART_PREFIX}`]: WORKFLOW_NAMESPACE,
        lifeCyclePolicy: LIFE_CYCLE_POLICY,
        currentLifeCycleState: core.workflowState,
      },
    },
  };
}
