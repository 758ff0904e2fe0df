/**
 * The workflow of a definition: CollectionSpace's `cs_default` life cycle, which batch records follow (Nuxeo's
 * `default-life-cycle-contrib.xml`). Soft delete is a transition, not a removal:
 *
 *   project --delete--> deleted --undelete--> project
 *
 * A `deleted` definition is still read, updated and invoked by its csid, as in CollectionSpace; lists asked for
 * `wf_deleted=false` leave it out. A transition the current state does not allow is a conflict.
 */
import type { Action } from './access.js';
import { DomainError, ValidationError } from './errors.js';
import type { WorkflowState } from './types.js';

/** The life cycle's name, as the workflow document gives it. */
export const LIFE_CYCLE_POLICY = 'cs_default';

export const WORKFLOW_TRANSITIONS = {
  delete: { from: 'project', to: 'deleted' },
  undelete: { from: 'deleted', to: 'project' },
} as const satisfies Record<string, { from: WorkflowState; to: WorkflowState }>;
export type WorkflowTransition = keyof typeof WORKFLOW_TRANSITIONS;

/** The permission each transition needs on the documents' resource: a soft delete is a delete, an undelete an update. */
export const TRANSITION_ACTIONS = { delete: 'delete', undelete: 'update' } as const satisfies Record<WorkflowTransition, Action>;

export function isWorkflowTransition(name: string): name is WorkflowTransition {
  return Object.hasOwn(WORKFLOW_TRANSITIONS, name);
}

/** The transitions `state` allows. */
export function allowedTransitions(state: WorkflowState): WorkflowTransition[] {
  return (Object.keys(WORKFLOW_TRANSITIONS) as WorkflowTransition[]).filter((name) => WORKFLOW_TRANSITIONS[name].from === state);
}

/** @throws ValidationError for a transition the life cycle does not have. */
export function checkWorkflowTransition(name: string): WorkflowTransition {
  if (isWorkflowTransition(name)) return name;
  throw new ValidationError(`The workflow has no transition '${name}'`, [
    { path: 'transition', message: `must be one of ${Object.keys(WORKFLOW_TRANSITIONS).join(', ')}` },
  ]);
}

/**
 * The state `transition` leads to from `state`.
 * @throws DomainError CONFLICT for a transition `state` does not allow.
 */
export function nextWorkflowState(state: WorkflowState, transition: WorkflowTransition, what: string): WorkflowState {
  const { from, to } = WORKFLOW_TRANSITIONS[transition];
  if (state !== from) {
    const allowed = allowedTransitions(state);
    throw new DomainError('CONFLICT', `${what} is '${state}': '${transition}' applies only to '${from}' (allowed now: ${allowed.join(', ') || 'none'})`);
  }
  return to;
}
