/**
 * The storage interface of tenants, users, roles and API tokens. Secrets are stored only as the salted hashes
 * the caller computed (src/services/auth/secretHash.ts); the store never sees a password or a token.
 *
 * Scoping: tenants are global. A username is global too (Basic authentication names no tenant), but a user
 * is seen through a tenant only when they are a member of it, and their password and disabled flag can only
 * be changed through their default tenant. Roles and tokens belong to one tenant each.
 */
import type { Page, Paging } from '../domain/paging.js';
import type { TenantId } from '../domain/types.js';
import type {
  NewToken, NewUser, RoleInput, RoleRecord, TenantRecord, TokenRecord, UserRecord,
} from '../domain/accounts.js';

export interface TenantStore {
  /** @throws DomainError CONFLICT when a tenant with that id exists. */
  create(tenant: { id: TenantId; name: string }, actor: string): Promise<TenantRecord>;
  get(id: TenantId): Promise<TenantRecord | undefined>;
  /** Ordered by id. */
  list(paging: Paging): Promise<Page<TenantRecord>>;
  /** `undefined` when there is no such tenant. */
  setDisabled(id: TenantId, disabled: boolean): Promise<TenantRecord | undefined>;
}

export interface UserStore {
  /** @throws DomainError CONFLICT when the username is taken (in any tenant). */
  create(user: NewUser, actor: string): Promise<UserRecord>;
  /**
   * The user whatever their tenants: only authentication may look users up this way, and the user admin to decide
   * whether its caller may see them at all.
   */
  find(username: string): Promise<UserRecord | undefined>;
  /** The user when they are a member of `tenant`. */
  get(tenant: TenantId, username: string): Promise<UserRecord | undefined>;
  /** Members of `tenant`, ordered by username. */
  list(tenant: TenantId, paging: Paging): Promise<Page<UserRecord>>;
  /** Only for a user whose default tenant is `tenant`; `undefined` otherwise. */
  setPassword(tenant: TenantId, username: string, passwordHash: string, actor: string): Promise<UserRecord | undefined>;
  /** Only for a user whose default tenant is `tenant`; `undefined` otherwise. */
  setDisabled(tenant: TenantId, username: string, disabled: boolean, actor: string): Promise<UserRecord | undefined>;
  /** Replaces the roles of a member of `tenant`; `undefined` when they are not one. */
  setRoles(tenant: TenantId, username: string, roles: string[], actor: string): Promise<UserRecord | undefined>;
  /** Makes an existing user a member of `tenant` (or replaces their roles there); `undefined` for an unknown user. */
  addMembership(tenant: TenantId, username: string, roles: string[], actor: string): Promise<UserRecord | undefined>;
  /** `false` when they were not a member. The default tenant's membership is never removed (the service refuses). */
  removeMembership(tenant: TenantId, username: string, actor: string): Promise<boolean>;
  /** How many members of `tenant` hold `role` there. */
  countWithRole(tenant: TenantId, role: string): Promise<number>;
  /** Whether any user exists at all (first start bootstraps when none does). */
  any(): Promise<boolean>;
}

export interface RoleStore {
  /** @throws DomainError CONFLICT when the tenant has a role with that name. */
  create(tenant: TenantId, role: RoleInput, actor: string): Promise<RoleRecord>;
  get(tenant: TenantId, name: string): Promise<RoleRecord | undefined>;
  /** The roles among `names` that exist in `tenant`, in no particular order. */
  getMany(tenant: TenantId, names: readonly string[]): Promise<RoleRecord[]>;
  /** Ordered by name. */
  list(tenant: TenantId, paging: Paging): Promise<Page<RoleRecord>>;
  /** Replaces display name, description and permissions (the name stays); `undefined` when not found. */
  update(tenant: TenantId, role: RoleInput, actor: string): Promise<RoleRecord | undefined>;
  delete(tenant: TenantId, name: string): Promise<boolean>;
}

export interface TokenStore {
  create(tenant: TenantId, token: NewToken, actor: string): Promise<TokenRecord>;
  /** The token whatever its tenant: only authentication may look tokens up this way. */
  find(id: string): Promise<TokenRecord | undefined>;
  get(tenant: TenantId, id: string): Promise<TokenRecord | undefined>;
  /** Newest first; revoked tokens included (they show `revokedAt`). */
  list(tenant: TenantId, query: { username?: string; paging: Paging }): Promise<Page<TokenRecord>>;
  /** Sets `revokedAt` once; `undefined` when not found. A revoked token stays revoked (a second call changes nothing). */
  revoke(tenant: TenantId, id: string, at: Date): Promise<TokenRecord | undefined>;
}

/**
 * Revoked OAuth credentials that are checked, not looked up: a JWT access token proves itself by its signature, so
 * its revocation, or its grant's, is kept here until every token it refuses has expired. Ids are the caller's
 * (say `grant:<id>`, `token:<jti>`). A revocation moves the auth generation on, as any other change to who may act.
 */
export interface OAuthRevocationStore {
  /** Records `id` revoked until `until`. Recording it again changes no answer (the first `until` holds). */
  revoke(id: string, until: Date): Promise<void>;
  /** Whether any of `ids` is revoked at `at` (recorded with an `until` later than `at`). */
  anyRevoked(ids: readonly string[], at: Date): Promise<boolean>;
}

export interface AuthStore {
  readonly tenants: TenantStore;
  readonly users: UserStore;
  readonly roles: RoleStore;
  readonly tokens: TokenStore;
  readonly oauthRevocations: OAuthRevocationStore;
}
