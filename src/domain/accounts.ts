/**
 * Tenants, users, roles and API tokens as the service and its codecs see them. Secrets appear only as the salted
 * hashes the caller computed (src/services/auth/secretHash.ts). The storage interface is src/store/authTypes.ts.
 */
import type { Permission } from './access.js';
import type { TenantId } from './types.js';

export interface TenantRecord {
  id: TenantId;
  name: string;
  disabled: boolean;
  createdAt: Date;
  createdBy: string;
}

/** The roles a user holds in one tenant they may act in. */
export interface Membership {
  tenant: TenantId;
  /** Role names (not display names) in that tenant. */
  roles: string[];
}

export interface UserRecord {
  username: string;
  /** Where Basic authentication acts unless the request names another allowed tenant. */
  defaultTenant: TenantId;
  passwordHash: string;
  disabled: boolean;
  /** Always includes `defaultTenant`; ordered by tenant id. */
  memberships: Membership[];
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface NewUser {
  username: string;
  defaultTenant: TenantId;
  passwordHash: string;
  /** Roles in `defaultTenant`. */
  roles: string[];
}

export interface RoleRecord {
  tenant: TenantId;
  /** Unique within the tenant; what memberships refer to. */
  name: string;
  /** What a definition's `forRoles` matches (case-insensitively). */
  displayName: string;
  description?: string;
  permissions: Permission[];
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface RoleInput {
  name: string;
  displayName: string;
  description?: string;
  permissions: Permission[];
}

export interface TokenRecord {
  /** Public part of the token, also its id in URLs. */
  id: string;
  tenant: TenantId;
  /** The user the token acts as; it holds that user's roles in `tenant`, as they are at each request. */
  username: string;
  label: string;
  secretHash: string;
  createdAt: Date;
  createdBy: string;
  expiresAt?: Date;
  revokedAt?: Date;
}

export type NewToken = Pick<TokenRecord, 'id' | 'username' | 'label' | 'secretHash' | 'expiresAt'>;
