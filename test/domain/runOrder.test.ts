import { expect } from 'chai';
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
});
