import { expect } from 'chai';
import type { Permission } from '../../src/domain/access.js';
import { accountPermissionOn, BATCH_PERMISSION_TARGET } from '../../src/domain/accountPermission.js';
import type { TenantId } from '../../src/domain/types.js';

describe('domain: accountPermissionOn (CollectionSpace account_permission)', () => {
  const caller = (permissions: Permission[], tenant = 'museum-b') => ({ tenant: tenant as TenantId, user: 'rita', permissions });

  it('describes the caller’s own account in the tenant the request acts in', () => {
    expect(accountPermissionOn(caller([]), BATCH_PERMISSION_TARGET).account).to.deep.equal({
      accountId: 'rita',
      screenName: 'rita',
      userId: 'rita',
      tenantId: 'museum-b',
    });
  });

  it('lists each permission on the guarding resource or on *, under CollectionSpace’s name, with its letters', () => {
    const { permissions } = accountPermissionOn(
      caller([
        { resource: '*', actions: ['create', 'read', 'update', 'delete', 'list', 'invoke'] },
        { resource: 'definitions', actions: ['list', 'read'] },
        { resource: 'records', actions: ['create'] },
        { resource: 'invoke', actions: ['invoke'] },
      ]),
      BATCH_PERMISSION_TARGET,
    );
    expect(permissions).to.deep.equal([
      { permissionId: 'museum-b-batch-CRUDLI', resourceName: 'batch', actionGroup: 'CRUDLI' },
      { permissionId: 'museum-b-batch-RL', resourceName: 'batch', actionGroup: 'RL' },
    ]);
  });

  it('leaves out a permission on a resource that only shares CollectionSpace’s name, since it guards nothing here', () => {
    const { permissions } = accountPermissionOn(caller([{ resource: 'batch', actions: ['read'] }]), BATCH_PERMISSION_TARGET);
    expect(permissions).to.deep.equal([]);
  });

  it('lists the same letters granted by two roles once, and writes slashes of a resource name as CollectionSpace ids do', () => {
    const reader: Permission = { resource: 'records', actions: ['read', 'list'] };
    const { permissions } = accountPermissionOn(caller([reader, { ...reader }], 'default'), {
      resource: 'records',
      resourceName: '/collectionobjects/*/workflow/',
    });
    expect(permissions).to.deep.equal([
      { permissionId: 'default-_collectionobjects_*_workflow_-RL', resourceName: '/collectionobjects/*/workflow/', actionGroup: 'RL' },
    ]);
  });
});
