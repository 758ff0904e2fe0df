import { expect } from 'chai';
import { loadPlugins } from '../../src/plugins/loader.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { SHIPPED_PLUGINS_DIR } from './support.js';

describe('shipped plugins', () => {
  it('all load, with no failures', async () => {
    const registry = new PluginRegistry();
    registry.apply(await loadPlugins(SHIPPED_PLUGINS_DIR));
    expect(registry.failures()).to.deep.equal([]);
    expect(registry.list().map((entry) => `${entry.name} -> ${entry.plugin.className}`)).to.deep.equal([
      'create-and-link-loan-out -> create-and-link-loan-out',
      'noop -> noop',
      'update-inventory-status -> update-inventory-status',
      'update-object-location -> update-object-location',
    ]);
  });

  it('resolve the CollectionSpace class names', async () => {
    const registry = new PluginRegistry();
    registry.apply(await loadPlugins(SHIPPED_PLUGINS_DIR));
    expect(registry.resolve('org.collectionspace.services.batch.nuxeo.CreateAndLinkLoanOutBatchJob')?.className).to.equal(
      'create-and-link-loan-out',
    );
    expect(registry.resolve('org.collectionspace.services.batch.nuxeo.TestBatchJob')?.className).to.equal('noop');
    expect(registry.resolve('org.collectionspace.services.batch.nuxeo.UpdateInventoryStatusBatchJob')?.className).to.equal(
      'update-inventory-status',
    );
    expect(registry.resolve('org.collectionspace.services.batch.nuxeo.UpdateObjectLocationBatchJob')?.className).to.equal(
      'update-object-location',
    );
  });

  it('declare what CollectionSpace declares for them', async () => {
    const registry = new PluginRegistry();
    registry.apply(await loadPlugins(SHIPPED_PLUGINS_DIR));
    const loanOut = registry.resolve('create-and-link-loan-out');
    expect(loanOut?.modes).to.deep.equal(['single', 'list']);
    expect(loanOut?.docTypes).to.deep.equal(['CollectionObject']);
    expect(loanOut?.defaultDefinition).to.deep.equal({
      name: 'Create and Link Loan Out',
      forDocTypes: ['CollectionObject'],
      createsNewFocus: true,
    });
    const noop = registry.resolve('noop');
    expect(noop?.modes).to.deep.equal(['single', 'list', 'group', 'nocontext']);
    expect(noop?.defaultDefinition?.name).to.equal('No-op');
    const inventory = registry.resolve('update-inventory-status');
    expect(inventory?.modes).to.deep.equal(['list']);
    expect(inventory?.docTypes).to.deep.equal(['CollectionObject']);
    expect(inventory?.entrypoint).to.equal('processItem');
    expect(inventory?.defaultDefinition).to.deep.equal({
      name: 'Update Inventory Status',
      forDocTypes: ['CollectionObject'],
      modes: ['list'],
    });
    const location = registry.resolve('update-object-location');
    expect(location?.modes).to.deep.equal(['single', 'list', 'group', 'nocontext']);
    expect(location?.docTypes).to.deep.equal(['CollectionObject']);
    expect(location?.entrypoint).to.equal('processItem');
    expect(location?.defaultDefinition).to.deep.equal({
      name: 'Update Current Location',
      forDocTypes: ['CollectionObject'],
      modes: ['single', 'nocontext'],
    });
  });

  it('coerce and check the inventoryStatus param as the runtime will', async () => {
    const loaded = await loadPlugins(SHIPPED_PLUGINS_DIR);
    const validate = loaded.loaded.find((entry) => entry.plugin.className === 'update-inventory-status')?.validateParams;
    expect(validate).to.be.a('function');
    const one: Record<string, unknown> = { inventoryStatus: 'missing' };
    expect(validate!(one)).to.equal(true);
    expect(one).to.deep.equal({ inventoryStatus: ['missing'] });
    const repeated: Record<string, unknown> = { inventoryStatus: ['missing', 'unknown'] };
    expect(validate!(repeated)).to.equal(true);
    expect(repeated).to.deep.equal({ inventoryStatus: ['missing', 'unknown'] });
    const none: Record<string, unknown> = {};
    expect(validate!(none)).to.equal(true);
    expect(none).to.deep.equal({ inventoryStatus: [] });
    expect(validate!({ inventorystatus: 'missing' })).to.equal(false);
  });
});
