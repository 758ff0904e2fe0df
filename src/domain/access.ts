/**
 * Who may do what: callers, roles' permissions, and CollectionSpace's record-level rule for invoking a batch job
 * (reference 6.2). Pure functions, no I/O; src/http and src/services ask these questions.
 *
 * Glossary
 * - **caller**: the authenticated user acting in one tenant, with the roles they hold there.
 * - **role**: a named set of permissions in one tenant. Its display name is what `forRoles` lists.
 * - **permission**: actions allowed on one resource. The runtime's own resources are `definitions`, `records`,
 *   `runs`, `invoke` and `admin`; any other name (e.g. `collectionobjects`, `batch/invoke`) may be granted so that
 *   a definition's `resourceActionGroupList` can require it. The resource `*` stands for every resource.
 */
import type { BatchDefinition, TenantId } from './types.js';

export const RESOURCES = ['definitions', 'records', 'runs', 'invoke', 'admin'] as const;
/** A resource the runtime's own routes check. */
export type Resource = (typeof RESOURCES)[number];

/** Grants every action on every resource (the bootstrap administrator role holds it). */
export const ANY_RESOURCE = '*';

export const ACTIONS = ['create', 'read', 'update', 'delete', 'list', 'invoke'] as const;
export type Action = (typeof ACTIONS)[number];

/** CollectionSpace's action letters in `actionGroup` (C→POST, R→GET, U→PUT, D→DELETE, L→SEARCH, I→RUN). */
export const ACTION_BY_LETTER: Readonly<Record<string, Action>> = {
  C: 'create',
  R: 'read',
  U: 'update',
  D: 'delete',
  L: 'list',
  I: 'invoke',
};

export interface Permission {
  /** One of `RESOURCES`, `*`, or any other resource name a definition may require. */
  resource: string;
  actions: Action[];
}

export interface Caller {
  /** The tenant this request acts in; everything it reads or writes is scoped to it. */
  tenant: TenantId;
  user: string;
  /** Display names of the roles the user holds in `tenant`. */
  roles: string[];
  /** The union of those roles' permissions. */
  permissions: Permission[];
  /** Every tenant the user may act in (the acting one included). */
  tenants: TenantId[];
}

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

/** Whether `permissions` allow `action` on `resource` (resource names compare exactly; `*` matches any). */
export function holdsPermission(permissions: readonly Permission[], resource: string, action: Action): boolean {
  return permissions.some(
    (permission) =>
      (permission.resource === resource || permission.resource === ANY_RESOURCE) && permission.actions.includes(action),
  );
}

/**
 * CollectionSpace's record-level check before running a job (BatchDocumentModelHandler.isAuthoritzed):
 * - `forRoles` non-empty → allowed iff the caller holds a role whose display name matches one (case-insensitive);
 * - else `resourceActionGroupList` non-empty → allowed iff the caller holds every action of every letter on each
 *   listed resource (an unknown letter is never held);
 * - else allowed.
 * The `invoke` permission and the active-run limit are the other parts of `invokeRefusal`, which every path asks.
 */
export function canInvokeDefinition(
  caller: Pick<Caller, 'roles' | 'permissions'>,
  definition: Pick<BatchDefinition, 'forRoles' | 'resourceActionGroupList'>,
): boolean {
  if (definition.forRoles.length > 0) {
    const held = new Set(caller.roles.map((role) => role.toLowerCase()));
    return definition.forRoles.some((role) => held.has(role.toLowerCase()));
  }
  if (definition.resourceActionGroupList.length > 0) {
    return definition.resourceActionGroupList.every(({ resourceName, actionGroup }) =>
      [...actionGroup].every((letter) => {
        const action = ACTION_BY_LETTER[letter];
        return action !== undefined && holdsPermission(caller.permissions, resourceName, action);
      }),
    );
  }
  return true;
}

/** The permission every path that makes a plugin run needs first: `invoke` on `invoke`. */
export function holdsInvokePermission(permissions: readonly Permission[]): boolean {
  return holdsPermission(permissions, 'invoke', 'invoke');
}

/** A user's runs that are active (`Waiting`, `Queued` or `InProgress`) in a tenant, and how many are allowed (0: no limit). */
export interface ActiveRuns {
  count: number;
  limit: number;
}

/** Why a caller may not make a definition's plugin run now. */
export type InvokeRefusal = 'invoke-permission' | 'job-restriction' | 'active-run-limit';

/**
 * The one rule for "may this caller make this definition's plugin run now", whatever the path: invoke (at once, in
 * the background, an open run), add items to or close an open run, rerun, create a schedule, a schedule's firing,
 * a multi-tenant invoke, and a worker taking a run up as its creator. `caller` is an enabled user acting in an
 * enabled tenant they belong to (authentication, or `AuthService.callerIn`, establishes that before a caller
 * exists), with the roles they hold there now. In order:
 * 1. the `invoke` permission;
 * 2. the definition's restrictions (`canInvokeDefinition`);
 * 3. for a request that creates or restarts work (`activeRuns` given), fewer active runs than the limit.
 * Answers `undefined` when allowed.
 */
export function invokeRefusal(
  caller: Pick<Caller, 'roles' | 'permissions'>,
  definition: Pick<BatchDefinition, 'forRoles' | 'resourceActionGroupList'>,
  activeRuns?: ActiveRuns,
): InvokeRefusal | undefined {
  if (!holdsInvokePermission(caller.permissions)) return 'invoke-permission';
  if (!canInvokeDefinition(caller, definition)) return 'job-restriction';
  if (activeRuns !== undefined && activeRuns.limit > 0 && activeRuns.count >= activeRuns.limit) return 'active-run-limit';
  return undefined;
}

/** The permissions of several roles as one list (duplicates are harmless to `holdsPermission`). */
export function mergePermissions(roles: ReadonlyArray<{ permissions: readonly Permission[] }>): Permission[] {
  return roles.flatMap((role) => role.permissions.map((permission) => ({ ...permission, actions: [...permission.actions] })));
}
