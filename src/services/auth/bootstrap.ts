/**
 * First start: when no user exists at all, create the system tenant, its default roles and the administrator
 * account (holding TENANT_ADMINISTRATOR). Later starts create no account, so `ADMIN_PASSWORD` only matters the
 * first time.
 */
import { randomBytes } from 'node:crypto';
import { checkPassword, checkUsername } from '../../domain/accountRules.js';
import { SYSTEM_TENANT } from '../../domain/systemTenant.js';
import { SYSTEM_ACTOR, type TenantId } from '../../domain/types.js';
import type { AuthStore } from '../../store/authTypes.js';
import { ADMINISTRATOR_ROLE, ensure, ensureDefaultRoles } from './defaultRoles.js';
import { hashSecret } from './secretHash.js';

/** The tenant created on first start; its administrators also manage tenants (src/domain/systemTenant.ts). */
export { SYSTEM_TENANT };

export interface BootstrapResult {
  /** Set when this start created the administrator. */
  createdUser?: string;
  /** Set only when the password was generated: the one moment it can be shown. */
  generatedPassword?: string;
}

/** A tenant and its default roles (idempotent). */
async function ensureTenant(store: AuthStore, id: TenantId, name: string, actor: string): Promise<void> {
  await ensure(() => store.tenants.create({ id, name }, actor));
  await ensureDefaultRoles(store, id, actor);
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
