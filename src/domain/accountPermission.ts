/**
 * CollectionSpace's `account_permission`: the calling account and its permissions on the resource a document
 * belongs to, which CollectionSpace adds to every single document it reads
 * (`RemoteDocumentModelHandlerImpl.addAccountPermissionsPart`, through `JpaStorageUtils.getAccountPermissions`).
 *
 * CollectionSpace lists each (role, permission) pair of the caller whose resource is the document's service
 * (`batch`, `collectionobjects`, …). Here the same question is asked of the caller's roles in the request's tenant:
 * each permission on the runtime resource that guards those documents (`definitions` for `batch`, `records` for
 * the record services), or on `*`, is listed under CollectionSpace's resource name. A permission on some other
 * resource (even one literally named `batch`) guards nothing these documents offer, so it is not listed.
 * Only the caller's own account and roles are read: nothing about another user or tenant can appear.
 */
import { ANY_RESOURCE, type Caller, type Resource } from './access.js';
import { lettersFromActions } from './accountRules.js';
import type { TenantId } from './types.js';

export interface AccountValue {
  /** The account's id: its username, under which `/admin/users/{username}` finds it. */
  accountId: string;
  /** What a client shows; accounts here have no display name, so the username. */
  screenName: string;
  userId: string;
  /** The tenant the request acts in. */
  tenantId: TenantId;
}

export interface PermissionValue {
  /** Built as CollectionSpace builds its permissions' ids (`AuthorizationCommon.createPermission`). */
  permissionId: string;
  /** CollectionSpace's resource name, e.g. `batch`. */
  resourceName: string;
  /** CollectionSpace action letters, e.g. `RL`. */
  actionGroup: string;
}

export interface AccountPermission {
  account: AccountValue;
  permissions: PermissionValue[];
}

/** Which documents the part describes: the runtime resource that guards them, and CollectionSpace's name for it. */
export interface PermissionTarget {
  resource: Resource;
  resourceName: string;
}

/** Batch job definitions: CollectionSpace's `batch` service, guarded here by `definitions`. */
export const BATCH_PERMISSION_TARGET: PermissionTarget = { resource: 'definitions', resourceName: 'batch' };

/**
 * The caller's account and permissions on `target`. Two roles granting the same letters give one entry (they would
 * differ only by CollectionSpace's relationship id, which has no counterpart here).
 */
export function accountPermissionOn(caller: Pick<Caller, 'tenant' | 'user' | 'permissions'>, target: PermissionTarget): AccountPermission {
  const permissions = new Map<string, PermissionValue>();
  for (const { resource, actions } of caller.permissions) {
    if (resource !== target.resource && resource !== ANY_RESOURCE) continue;
    const actionGroup = lettersFromActions(actions);
    const permissionId = `${caller.tenant}-${target.resourceName.replaceAll('/', '_')}-${actionGroup}`;
    permissions.set(permissionId, { permissionId, resourceName: target.resourceName, actionGroup });
  }
  return {
    account: { accountId: caller.user, screenName: caller.user, userId: caller.user, tenantId: caller.tenant },
    permissions: [...permissions.values()],
  };
}
