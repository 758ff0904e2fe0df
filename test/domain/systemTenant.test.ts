import { expect } from 'chai';
import type { Permission } from '../../src/domain/access.js';
import { isSystemAdministrator } from '../../src/domain/systemTenant.js';
import type { TenantId } from '../../src/domain/types.js';

describe('domain: system tenant', () => {
  const admin: Permission[] = [{ resource: '*', actions: ['read', 'update'] }];
  const inTenant = (tenant: string, permissions: Permission[]) => ({ tenant: tenant as TenantId, permissions });

  it('makes administrators of the default tenant, and only them, administrators of the whole service', () => {
    expect(isSystemAdministrator(inTenant('default', admin), 'read')).to.equal(true);
    expect(isSystemAdministrator(inTenant('museum-b', admin), 'read'), "another tenant's administrator").to.equal(false);
    expect(isSystemAdministrator(inTenant('default', admin), 'create'), 'an action the roles lack').to.equal(false);
    expect(isSystemAdministrator(inTenant('default', [{ resource: 'runs', actions: ['read'] }]), 'read')).to.equal(false);
  });
});
