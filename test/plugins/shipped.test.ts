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
    ]);
  });

  it('resolve the CollectionSpace class names', async () => {
    const registry = new PluginRegistry();
    registry.apply(await loadPlugins(SHIPPED_PLUGINS_DIR));
    expect(registry.resolve('org.collectionspace.services.batch.nuxeo.CreateAndLinkLoanOutBatchJob')?.className).to.equal(
      'create-and-link-loan-out',
    );
    expect(registry.resolve('org.collectionspace.services.batch.nuxeo.TestBatchJob')?.className).to.equal('noop');
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
  });
});
