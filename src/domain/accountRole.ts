/**
 * CollectionSpace's `account_role`: an account and the roles it holds, which cspace-ui reads at login
 * (`accounts/{accountId}/accountroles`, `JpaStorageUtils.getAccountRoles`) for the role names a record form's
 * per-role settings compare against. Here the roles are those the caller holds in the request's tenant: one
 * account never sees another's roles, nor roles it holds in another tenant.
 */
import type { Caller } from './access.js';
import { accountValueOf, type AccountValue } from './accountPermission.js';
import type { TenantId } from './types.js';

/** A role as CollectionSpace's `role_value` names it. */
export interface RoleValue {
  /** The role's id: its name, unique in its tenant, under which `/admin/roles/{name}` finds it. */
  roleId: string;
  roleName: string;
  /** What a definition's `forRoles` matches. */
  displayName: string;
  tenantId: TenantId;
}

export interface AccountRole {
  account: AccountValue;
  roles: RoleValue[];
}

/** A role the caller holds, as the store keeps it. */
export interface HeldRole {
  name: string;
  displayName: string;
}

export function accountRoles(caller: Pick<Caller, 'tenant' | 'user'>, held: readonly HeldRole[]): AccountRole {
  return {
    account: accountValueOf(caller),
    roles: held.map(({ name, displayName }) => ({ roleId: name, roleName: name, displayName, tenantId: caller.tenant })),
  };
}
