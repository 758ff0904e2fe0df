import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';
import { earlierDocTypes, NO_RUN_ORDER, parseRunOrder } from '../../src/domain/runOrder.js';
import type { TenantId } from '../../src/domain/types.js';

const DEFAULT = 'default' as TenantId;
const OTHER = 'museum-b' as TenantId;

describe('run order (RUN_ORDER)', () => {
  it("reads each tenant's doc types in order, in lower case, with '*' for every other tenant", () => {
    const order = parseRunOrder(' default: Block, Chain ,Wholesaler,Customer ; *:Person,Organization;');
    expect([...order.entries()]).to.deep.equal([
      ['default', ['block', 'chain', 'wholesaler', 'customer']],
      ['*', ['person', 'organization']],
    ]);
  });

  it('says which doc types come before a run of a doc type, in any case, and none outside the order', () => {
    const order = parseRunOrder('default:Block,Chain,Wholesaler,Customer;*:Person,Organization');
    expect(earlierDocTypes(order, DEFAULT, 'customer')).to.deep.equal(['block', 'chain', 'wholesaler']);
    expect(earlierDocTypes(order, DEFAULT, ' Chain ')).to.deep.equal(['block']);
    expect(earlierDocTypes(order, DEFAULT, 'Block')).to.deep.equal([]);
    expect(earlierDocTypes(order, DEFAULT, 'CollectionObject')).to.deep.equal([]);
    expect(earlierDocTypes(order, DEFAULT, undefined)).to.deep.equal([]);
    expect(earlierDocTypes(order, OTHER, 'Organization')).to.deep.equal(['person']);
    expect(earlierDocTypes(order, OTHER, 'Customer')).to.deep.equal([]);
    expect(earlierDocTypes(NO_RUN_ORDER, DEFAULT, 'Customer')).to.deep.equal([]);
  });

  it('refuses an entry without a tenant, a tenant given twice, a blank or repeated doc type', () => {
    expect(() => parseRunOrder('Block,Chain')).to.throw("'Block,Chain' is not 'tenant:DocType,DocType,…'");
    expect(() => parseRunOrder(':Block')).to.throw('is not');
    expect(() => parseRunOrder('a:Block;a:Chain')).to.throw("tenant 'a' is given twice");
    expect(() => parseRunOrder('a:Block,,Chain')).to.throw('has a blank doc type');
    expect(() => parseRunOrder('a:Block,block')).to.throw("lists 'block' twice");
  });

  it('is read from RUN_ORDER with RUN_AFTER_FAILURE at start-up, a wrong value stopping the service with the reason', () => {
    const config = loadConfig({ RUN_ORDER: 'default:Block,Customer', RUN_AFTER_FAILURE: 'Start' });
    expect([...config.runOrder.entries()]).to.deep.equal([['default', ['block', 'customer']]]);
    expect(config.runAfterFailure).to.equal('start');
    const defaults = loadConfig({});
    expect(defaults.runOrder.size).to.equal(0);
    expect(defaults.runAfterFailure).to.equal('fail');
    expect(() => loadConfig({ RUN_ORDER: 'Block,Customer' })).to.throw(ConfigError, "RUN_ORDER must be 'tenant:DocType,DocType,…' entries separated by ';'");
    expect(() => loadConfig({ RUN_AFTER_FAILURE: 'retry' })).to.throw(ConfigError, "RUN_AFTER_FAILURE must be fail or start, got 'retry'");
  });
});
