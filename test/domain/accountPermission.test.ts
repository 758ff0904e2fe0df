import { expect } from 'chai';
import type { Permission } from '../../src/domain/access.js';
import {
  accountPermissionOn,
  accountPermissions,
  BATCH_INVOKE_TARGET,
  BATCH_PERMISSION_TARGET,
  serviceTarget,
  transitionTarget,
} from '../../src/domain/accountPermission.js';
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
    const { permissions } = accountPermissionOn(caller([reader, { ...reader }], 'default'), serviceTarget('loansout', 'records'));
    expect(permissions).to.deep.equal([{ permissionId: 'default-loansout-RL', resourceName: 'loansout', actionGroup: 'RL' }]);
    const transition = accountPermissionOn(
      caller([{ resource: 'records', actions: ['read', 'delete'] }], 'default'),
      transitionTarget('collectionobjects', 'records', 'delete'),
    );
    expect(transition.permissions).to.deep.equal([
      { permissionId: 'default-_collectionobjects_*_workflow_delete-RU', resourceName: '/collectionobjects/*/workflow/delete', actionGroup: 'RU' },
    ]);
  });
});

describe('domain: accountPermissions (CollectionSpace accounts/0/accountperms)', () => {
  const caller = (permissions: Permission[]) => ({ tenant: 'default' as TenantId, user: 'rita', permissions });

  it('gives a workflow transition U only with the action the transition needs (delete for delete, update for undelete)', () => {
    const editor = caller([{ resource: 'definitions', actions: ['read', 'update', 'list'] }]);
    const { permissions } = accountPermissions(editor, [
      transitionTarget('batch', 'definitions', 'delete'),
      transitionTarget('batch', 'definitions', 'undelete'),
    ]);
    expect(permissions.map(({ resourceName, actionGroup }) => [resourceName, actionGroup])).to.deep.equal([
      ['/batch/*/workflow/delete', 'R'],
      ['/batch/*/workflow/undelete', 'RU'],
    ]);
  });

  it('maps batch/invoke C to invoking and R, L to reading and listing the jobs, from whichever role grants them', () => {
    const invoker = caller([
      { resource: 'invoke', actions: ['invoke'] },
      { resource: 'definitions', actions: ['read', 'list', 'create'] },
    ]);
    expect(accountPermissions(invoker, [BATCH_INVOKE_TARGET]).permissions).to.deep.equal([
      { permissionId: 'default-batch_invoke-C', resourceName: 'batch/invoke', actionGroup: 'C' },
      { permissionId: 'default-batch_invoke-RL', resourceName: 'batch/invoke', actionGroup: 'RL' },
    ]);
    const administrator = caller([{ resource: '*', actions: ['create', 'read', 'update', 'delete', 'list', 'invoke'] }]);
    expect(accountPermissions(administrator, [BATCH_INVOKE_TARGET]).permissions).to.deep.equal([
      { permissionId: 'default-batch_invoke-CRL', resourceName: 'batch/invoke', actionGroup: 'CRL' },
    ]);
  });

  it('lists every target in order, and nothing for a caller without roles', () => {
    const targets = [BATCH_PERMISSION_TARGET, serviceTarget('runs', 'runs')];
    const reader = caller([{ resource: 'runs', actions: ['read'] }, { resource: 'definitions', actions: ['list'] }]);
    expect(accountPermissions(reader, targets).permissions.map(({ permissionId }) => permissionId)).to.deep.equal([
      'default-batch-L',
      'default-runs-R',
    ]);
    expect(accountPermissions(caller([]), targets)).to.deep.equal({
      account: { accountId: 'rita', screenName: 'rita', userId: 'rita', tenantId: 'default' },
      permissions: [],
    });
  });
});
