/**
 * CollectionSpace's `account_permission`: the calling account and its permissions, which CollectionSpace adds to
 * every single document it reads, for the document's service (`RemoteDocumentModelHandlerImpl.addAccountPermissionsPart`),
 * and answers whole at `accounts/0/accountperms` (`JpaStorageUtils.getAccountPermissions`), where cspace-ui learns
 * its rights at login.
 *
 * CollectionSpace lists each (role, permission) pair of the caller, under its resource names (`batch`,
 * `collectionobjects`, …). Here the same question is asked of the caller's roles in the request's tenant: a
 * `PermissionTarget` says which runtime right each CollectionSpace letter of a resource stands for, and each role
 * permission granting some of those letters (on the runtime resource, or on `*`) is listed under CollectionSpace's
 * name. A permission on some other resource (even one literally named `batch`) guards nothing there, so it is not
 * listed. Only the caller's own account and roles are read: nothing about another user or tenant can appear.
 */
import { ACTION_BY_LETTER, ANY_RESOURCE, type Action, type Caller, type Permission, type Resource } from './access.js';
import type { TenantId } from './types.js';
import { TRANSITION_ACTIONS, type WorkflowTransition } from './workflow.js';

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

/** A runtime right: an action on one of the runtime's resources. */
export interface Right {
  resource: Resource;
  action: Action;
}

/**
 * A CollectionSpace resource as this service grants it: for each CollectionSpace action letter, the right here
 * that the request the letter stands for needs (`C` on `batch/invoke` is invoking a job: `invoke` on `invoke`).
 */
export interface PermissionTarget {
  /** CollectionSpace's resource name, e.g. `batch` or `batch/invoke`. */
  resourceName: string;
  rights: Readonly<Partial<Record<string, Right>>>;
}

/** A service whose every letter is the same action on one runtime resource (`batch`: `definitions`). */
export function serviceTarget(resourceName: string, resource: Resource): PermissionTarget {
  const rights = Object.fromEntries(Object.entries(ACTION_BY_LETTER).map(([letter, action]) => [letter, { resource, action }]));
  return { resourceName, rights };
}

// A workflow transition's resource, named as CollectionSpace's createWorkflowPermission names it
// (`/batch/*/workflow/delete`): `R` reads the workflow, `U` makes the transition (what cspace-ui checks before
// offering it).
export function transitionTarget(serviceName: string, resource: Resource, transition: WorkflowTransition): PermissionTarget {
  return {
    resourceName: `/${serviceName}/*/workflow/${transition}`,
    rights: { R: { resource, action: 'read' }, U: { resource, action: TRANSITION_ACTIONS[transition] } },
  };
}

/** Batch job definitions: CollectionSpace's `batch` service, guarded here by `definitions`. */
export const BATCH_PERMISSION_TARGET = serviceTarget('batch', 'definitions');

/**
 * CollectionSpace's `batch/invoke` (cspace-ui shows a record's batch panel with `L`, and runs a job with `C`):
 * listing and reading the jobs needs `definitions`, invoking one `invoke`.
 */
export const BATCH_INVOKE_TARGET: PermissionTarget = {
  resourceName: 'batch/invoke',
  rights: {
    C: { resource: 'invoke', action: 'invoke' },
    R: { resource: 'definitions', action: 'read' },
    L: { resource: 'definitions', action: 'list' },
  },
};

/** The letters of `target` that one permission grants, in CollectionSpace's order. */
function lettersGranted({ resource, actions }: Permission, target: PermissionTarget): string {
  return Object.keys(ACTION_BY_LETTER)
    .filter((letter) => {
      const right = target.rights[letter];
      return right !== undefined && (resource === right.resource || resource === ANY_RESOURCE) && actions.includes(right.action);
    })
    .join('');
}

/**
 * The caller's account and, for each target, one permission per role permission granting some of its letters.
 * Two roles granting the same letters give one entry (they would differ only by CollectionSpace's relationship id,
 * which has no counterpart here).
 */
export function accountPermissions(
  caller: Pick<Caller, 'tenant' | 'user' | 'permissions'>,
  targets: readonly PermissionTarget[],
): AccountPermission {
  const permissions = new Map<string, PermissionValue>();
  for (const target of targets) {
    for (const permission of caller.permissions) {
      const actionGroup = lettersGranted(permission, target);
      if (actionGroup === '') continue;
      const permissionId = `${caller.tenant}-${target.resourceName.replaceAll('/', '_')}-${actionGroup}`;
      permissions.set(permissionId, { permissionId, resourceName: target.resourceName, actionGroup });
    }
  }
  return { account: accountValueOf(caller), permissions: [...permissions.values()] };
}

/** The caller's account as CollectionSpace's `account_value` names it (in `account_permission` and `account_role`). */
export function accountValueOf(caller: Pick<Caller, 'tenant' | 'user'>): AccountValue {
  return { accountId: caller.user, screenName: caller.user, userId: caller.user, tenantId: caller.tenant };
}

/** The caller's account and permissions on the one service a document belongs to. */
export function accountPermissionOn(caller: Pick<Caller, 'tenant' | 'user' | 'permissions'>, target: PermissionTarget): AccountPermission {
  return accountPermissions(caller, [target]);
}
