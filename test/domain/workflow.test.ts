import { expect } from 'chai';
import { DomainError, ValidationError } from '../../src/domain/errors.js';
import { allowedTransitions, checkWorkflowTransition, nextWorkflowState } from '../../src/domain/workflow.js';

describe('domain: workflow (cs_default)', () => {
  it('goes project --delete--> deleted --undelete--> project', () => {
    expect(nextWorkflowState('project', 'delete', 'Job')).to.equal('deleted');
    expect(nextWorkflowState('deleted', 'undelete', 'Job')).to.equal('project');
    expect(allowedTransitions('project')).to.deep.equal(['delete']);
    expect(allowedTransitions('deleted')).to.deep.equal(['undelete']);
  });

  it('refuses a transition the state does not allow as a conflict, naming what is allowed', () => {
    const refusal = (() => {
      try {
        nextWorkflowState('deleted', 'delete', "Batch job 'x'");
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(refusal).to.be.instanceOf(DomainError).and.include({ code: 'CONFLICT' });
    expect((refusal as Error).message).to.equal("Batch job 'x' is 'deleted': 'delete' applies only to 'project' (allowed now: undelete)");
  });

  it('knows only its own transitions, not inherited object keys', () => {
    expect(checkWorkflowTransition('delete')).to.equal('delete');
    for (const name of ['lock', 'toString', '']) expect(() => checkWorkflowTransition(name)).to.throw(ValidationError);
  });
});
