import { expect } from 'chai';
import { applyDefinitionUpdate, type DefinitionField, type DefinitionUpdate } from '../../src/domain/definitionUpdate.js';
import type { BatchDefinition, ItemPolicy } from '../../src/domain/types.js';

const CURRENT: BatchDefinition = {
  name: 'Loan out',
  notes: 'Makes a loan',
  forDocTypes: ['CollectionObject'],
  forRoles: ['TENANT_ADMINISTRATOR'],
  resourceActionGroupList: [],
  supportsSingleDoc: true,
  supportsDocList: true,
  createsNewFocus: true,
  className: 'create-and-link-loan-out',
  itemPolicy: { retries: 2, timeoutMs: 5000 },
};

function update(values: Partial<BatchDefinition>, fields: DefinitionField[], itemPolicy?: Array<keyof ItemPolicy>): DefinitionUpdate {
  const sent = { name: 'Loan out', forDocTypes: [], forRoles: [], resourceActionGroupList: [], className: 'create-and-link-loan-out', ...values };
  return { values: sent, fields: new Set(fields), ...(itemPolicy !== undefined && { itemPolicy: new Set(itemPolicy) }) };
}

describe('applyDefinitionUpdate', () => {
  it('sets the fields sent and keeps every other one, the item policy too', () => {
    const updated = applyDefinitionUpdate(CURRENT, update({ name: 'Renamed' }, ['name', 'className']));
    expect(updated).to.deep.equal({ ...CURRENT, name: 'Renamed' });
  });

  it('clears a field sent empty, and a list sent empty', () => {
    const updated = applyDefinitionUpdate(CURRENT, update({ supportsDocList: false }, ['name', 'className', 'notes', 'forRoles', 'supportsDocList', 'createsNewFocus']));
    expect(updated).to.not.have.property('notes');
    expect(updated).to.not.have.property('createsNewFocus');
    expect(updated).to.deep.include({ forRoles: [], supportsDocList: false, supportsSingleDoc: true, forDocTypes: ['CollectionObject'] });
  });

  it('sets only the item settings a batch_invocables part carries, and drops a policy left empty', () => {
    const some = applyDefinitionUpdate(CURRENT, update({ itemPolicy: { retries: 4 } }, ['name', 'className'], ['retries']));
    expect(some.itemPolicy).to.deep.equal({ retries: 4, timeoutMs: 5000 });
    const none = applyDefinitionUpdate(CURRENT, update({}, ['name', 'className'], ['retries', 'timeoutMs']));
    expect(none).to.not.have.property('itemPolicy');
  });

  it('leaves the current definition as it was', () => {
    const before = structuredClone(CURRENT);
    applyDefinitionUpdate(CURRENT, update({ notes: 'x', itemPolicy: { retries: 9 } }, ['notes'], ['retries']));
    expect(CURRENT).to.deep.equal(before);
  });
});
