/**
 * The roles every tenant starts with, named as CollectionSpace names them (AuthorizationCommon's
 * ROLE_TENANT_ADMINISTRATOR and ROLE_TENANT_READER), so that a definition's `forRoles` copied from a
 * CollectionSpace install matches here. Name and display name are the same: CollectionSpace's display names.
 *
 * Stores created before these names held one default role, `administrator` (display name `ADMINISTRATOR`);
 * `upgradeDefaultRoles` moves them over at start-up, through the store interface, so both engines upgrade alike.
 */
import { ACTIONS, ANY_RESOURCE } from '../../domain/access.js';
import { DomainError } from '../../domain/errors.js';
import { allPages } from '../../domain/paging.js';
import type { TenantId } from '../../domain/types.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { RoleInput } from '../../domain/accounts.js';

/** Every action on every resource of the tenant; whoever creates a tenant holds it there. */
export const ADMINISTRATOR_ROLE: RoleInput = {
  name: 'TENANT_ADMINISTRATOR',
  displayName: 'TENANT_ADMINISTRATOR',
  description: 'Every action on every resource of this tenant',
  permissions: [{ resource: ANY_RESOURCE, actions: [...ACTIONS] }],
};

/** Reads and lists definitions, records and runs; changes nothing, invokes nothing, sees no accounts. */
export const READER_ROLE: RoleInput = {
  name: 'TENANT_READER',
  displayName: 'TENANT_READER',
  description: 'Reads definitions, records and runs of this tenant',
  permissions: ['definitions', 'records', 'runs'].map((resource) => ({ resource, actions: ['read', 'list'] })),
};

export const DEFAULT_ROLES: readonly RoleInput[] = [ADMINISTRATOR_ROLE, READER_ROLE];

/** The one default role of stores created before CollectionSpace's names. */
const OLD_ADMINISTRATOR = { name: 'administrator', displayName: 'ADMINISTRATOR' } as const;

/** Runs `create` and treats "already exists" as done, so two processes starting at once both succeed. */
export async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'CONFLICT')) throw error;
  }
}

/** A tenant's default roles (idempotent). */
export async function ensureDefaultRoles(store: AuthStore, tenant: TenantId, actor: string): Promise<void> {
  for (const role of DEFAULT_ROLES) await ensure(() => store.roles.create(tenant, role, actor));
}

export interface RoleUpgradeHooks {
  /**
   * Called before a tenant's old role goes, so that what names its display name (definitions' `forRoles`) can
   * follow; called again if a start stopped half-way, so it must be idempotent.
   */
  renameDisplayName?: (tenant: TenantId, rename: { from: string; to: string }) => Promise<void>;
}

/**
 * Moves one tenant off the old `administrator` role: its holders get TENANT_ADMINISTRATOR in its place, then the
 * old role goes. The old role is recognised by its name and its untouched display name; a renamed one is the
 * operator's and stays. Safe to run again after a crash half-way: the old role is deleted last.
 * Answers how many members were moved, `undefined` when the tenant has no old role.
 */
async function upgradeTenant(store: AuthStore, tenant: TenantId, actor: string, hooks: RoleUpgradeHooks): Promise<number | undefined> {
  const old = await store.roles.get(tenant, OLD_ADMINISTRATOR.name);
  if (old?.displayName !== OLD_ADMINISTRATOR.displayName) return undefined;
  await hooks.renameDisplayName?.(tenant, { from: OLD_ADMINISTRATOR.displayName, to: ADMINISTRATOR_ROLE.displayName });
  const holders: Array<{ username: string; roles: string[] }> = [];
  for await (const user of allPages((paging) => store.users.list(tenant, paging))) {
    const roles = user.memberships.find((membership) => membership.tenant === tenant)?.roles ?? [];
    if (roles.includes(OLD_ADMINISTRATOR.name)) holders.push({ username: user.username, roles });
  }
  for (const { username, roles } of holders) {
    const moved = roles.map((role) => (role === OLD_ADMINISTRATOR.name ? ADMINISTRATOR_ROLE.name : role));
    await store.users.setRoles(tenant, username, [...new Set(moved)], actor);
  }
  await store.roles.delete(tenant, OLD_ADMINISTRATOR.name);
  return holders.length;
}

/**
 * Gives every tenant CollectionSpace's default roles (as CollectionSpace does at each start: one deleted comes
 * back), moving stores created with the old role name over. Answers the tenants that were upgraded, with how
 * many members each had moved.
 */
export async function upgradeDefaultRoles(
  store: AuthStore,
  actor: string,
  hooks: RoleUpgradeHooks = {},
): Promise<Array<{ tenant: TenantId; moved: number }>> {
  const tenants: TenantId[] = [];
  for await (const tenant of allPages((paging) => store.tenants.list(paging))) tenants.push(tenant.id);
  const upgraded: Array<{ tenant: TenantId; moved: number }> = [];
  for (const tenant of tenants) {
    await ensureDefaultRoles(store, tenant, actor);
    const moved = await upgradeTenant(store, tenant, actor, hooks);
    if (moved !== undefined) upgraded.push({ tenant, moved });
  }
  return upgraded;
}
