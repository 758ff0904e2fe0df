/**
 * First start: when no user exists at all, create the system tenant, its administrator role and the
 * administrator account. Later starts change nothing, so `ADMIN_PASSWORD` only matters the first time.
 */
import { randomBytes } from 'node:crypto';
import { ACTIONS, ANY_RESOURCE } from '../../domain/access.js';
import { checkPassword, checkUsername } from '../../domain/accountRules.js';
import { DomainError } from '../../domain/errors.js';
import { SYSTEM_TENANT } from '../../domain/systemTenant.js';
import { SYSTEM_ACTOR, type TenantId } from '../../domain/types.js';
import type { AuthStore, RoleInput } from '../../store/authTypes.js';
import { hashSecret } from './secretHash.js';

/** The tenant created on first start; its administrators also manage tenants (src/domain/systemTenant.ts). */
export { SYSTEM_TENANT };

/** Every tenant starts with this role; whoever creates the tenant holds it there. */
export const ADMINISTRATOR_ROLE: RoleInput = {
  name: 'administrator',
  displayName: 'ADMINISTRATOR',
  description: 'Every action on every resource of this tenant',
  permissions: [{ resource: ANY_RESOURCE, actions: [...ACTIONS] }],
};

export interface BootstrapResult {
  /** Set when this start created the administrator. */
  createdUser?: string;
  /** Set only when the password was generated: the one moment it can be shown. */
  generatedPassword?: string;
}

/** Runs `create` and treats "already exists" as done, so two processes starting at once both succeed. */
async function ensure(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'CONFLICT')) throw error;
  }
}

/** A tenant's administrator role (idempotent). */
export async function ensureAdministratorRole(store: AuthStore, tenant: TenantId, actor: string): Promise<void> {
  await ensure(() => store.roles.create(tenant, ADMINISTRATOR_ROLE, actor));
}

/** A tenant and its administrator role (idempotent). */
async function ensureTenant(store: AuthStore, id: TenantId, name: string, actor: string): Promise<void> {
  await ensure(() => store.tenants.create({ id, name }, actor));
  await ensureAdministratorRole(store, id, actor);
}

export async function bootstrapAuth(
  store: AuthStore,
  admin: { username: string; password: string | undefined },
): Promise<BootstrapResult> {
  if (await store.users.any()) return {};
  const username = checkUsername(admin.username, 'ADMIN_USER');
  const generatedPassword = admin.password === undefined ? randomBytes(18).toString('base64url') : undefined;
  const password = checkPassword(admin.password ?? generatedPassword ?? '', 'ADMIN_PASSWORD');
  await ensureTenant(store, SYSTEM_TENANT, 'Default tenant', SYSTEM_ACTOR);
  const passwordHash = await hashSecret(password);
  const user = { username, defaultTenant: SYSTEM_TENANT, passwordHash, roles: [ADMINISTRATOR_ROLE.name] };
  await ensure(() => store.users.create(user, SYSTEM_ACTOR));
  return generatedPassword === undefined ? { createdUser: username } : { createdUser: username, generatedPassword };
}
