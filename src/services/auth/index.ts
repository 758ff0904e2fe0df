/**
 * Security's composition: bootstraps the first administrator, then builds the authentication service and the
 * admin services over the store's auth part. The composition root (src/service.ts) calls `startAuth` once.
 */
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type TenantId } from '../../domain/types.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { Clock } from '../../store/queryRules.js';
import type { StoreGenerations } from '../keptReads.js';
import { systemClock } from '../../store/queryRules.js';
import type { AccessTokenVerifier } from './accessTokens.js';
import { AuthService } from './authService.js';
import { bootstrapAuth } from './bootstrap.js';
import { upgradeDefaultRoles, type RoleUpgradeHooks } from './defaultRoles.js';
import { RoleAdmin } from './roleAdmin.js';
import { TenantAdmin } from './tenantAdmin.js';
import { TokenAdmin } from './tokenAdmin.js';
import { UserAdmin } from './userAdmin.js';

export interface AuthSettings {
  adminUser: string;
  adminPassword: string | undefined;
  loginMaxFailures: number;
  loginMaxFailuresPerAddress: number;
  loginMaxFailuresPerUser: number;
  loginFailureWindowMs: number;
  authCacheTtlMs: number;
}

export interface AuthServices {
  auth: AuthService;
  admin: { tenants: TenantAdmin; users: UserAdmin; roles: RoleAdmin; tokens: TokenAdmin };
}

export async function startAuth(
  store: AuthStore,
  generations: StoreGenerations,
  settings: AuthSettings,
  logger: Logger,
  hooks: { onTenantCreated?: (tenant: TenantId) => Promise<void>; now?: Clock; accessTokens?: AccessTokenVerifier } & RoleUpgradeHooks = {},
): Promise<AuthServices> {
  const now = hooks.now ?? systemClock;
  const bootstrapped = await bootstrapAuth(store, { username: settings.adminUser, password: settings.adminPassword });
  if (bootstrapped.generatedPassword !== undefined) {
    // The one time this password exists in clear outside the operator's hands; nothing logs it again.
    logger.warn(
      { username: bootstrapped.createdUser, password: bootstrapped.generatedPassword },
      'first start: created the administrator with a generated password, shown only this once; change it',
    );
  } else if (bootstrapped.createdUser !== undefined) {
    logger.info({ username: bootstrapped.createdUser }, 'first start: created the administrator from ADMIN_USER/ADMIN_PASSWORD');
  }
  const upgradeHooks = hooks.renameDisplayName === undefined ? {} : { renameDisplayName: hooks.renameDisplayName };
  for (const { tenant, moved } of await upgradeDefaultRoles(store, SYSTEM_ACTOR, upgradeHooks)) {
    logger.warn({ tenant, moved }, "upgraded the old 'administrator' role to TENANT_ADMINISTRATOR, and forRoles naming ADMINISTRATOR with it");
  }
  const auth = new AuthService(store, {
    throttle: {
      maxFailuresPerUserAddress: settings.loginMaxFailures,
      maxFailuresPerAddress: settings.loginMaxFailuresPerAddress,
      maxFailuresPerUser: settings.loginMaxFailuresPerUser,
      windowMs: settings.loginFailureWindowMs,
    },
    cache: { ttlMs: settings.authCacheTtlMs },
    now,
    generations,
    ...(hooks.accessTokens !== undefined && { accessTokens: hooks.accessTokens }),
  });
  return {
    auth,
    admin: {
      tenants: new TenantAdmin(store, hooks.onTenantCreated === undefined ? {} : { onCreated: hooks.onTenantCreated }),
      users: new UserAdmin(store, (username, tenant) => auth.callerIn(username, tenant)),
      roles: new RoleAdmin(store),
      tokens: new TokenAdmin(store, now),
    },
  };
}

export { AuthService } from './authService.js';
export type { AuthOutcome, AuthRequest, Credentials } from './authService.js';
export { AccessTokenVerifier } from './accessTokens.js';
export { SYSTEM_TENANT } from './bootstrap.js';
export { ADMINISTRATOR_ROLE, READER_ROLE } from './defaultRoles.js';
