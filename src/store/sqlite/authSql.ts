/**
 * SQL and row mapping of the SQLite auth store (tables from migration 3 in schema.ts). Fixed statements only:
 * every value is a `?` or `@name` parameter.
 */
import type { Action, Permission } from '../../domain/access.js';
import type { TenantId } from '../../domain/types.js';
import type { Membership, RoleRecord, TenantRecord, TokenRecord } from '../../domain/accounts.js';

export interface TenantRow {
  id: string;
  name: string;
  disabled: number;
  created_at: string;
  created_by: string;
}

export interface UserRow {
  username: string;
  default_tenant: string;
  password_hash: string;
  disabled: number;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface MembershipRow {
  tenant_id: string;
  roles: string;
}

export interface RoleRow {
  tenant_id: string;
  name: string;
  display_name: string;
  description: string | null;
  permissions: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface TokenRow {
  id: string;
  tenant_id: string;
  username: string;
  label: string;
  secret_hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const TENANT = 'id, name, disabled, created_at, created_by';
const USER = 'username, default_tenant, password_hash, disabled, created_at, created_by, updated_at, updated_by';
const USER_U = USER.split(', ').map((column) => `u.${column}`).join(', ');
const ROLE = 'tenant_id, name, display_name, description, permissions, created_at, created_by, updated_at, updated_by';
const TOKEN = 'id, tenant_id, username, label, secret_hash, created_at, created_by, expires_at, revoked_at';

/** Migration 18's table; `until` in epoch milliseconds. */
export const OAUTH_REVOCATION_SQL = {
  purge: 'DELETE FROM oauth_revocations WHERE until <= ?',
  insert: 'INSERT INTO oauth_revocations (id, until) VALUES (?, ?) ON CONFLICT DO NOTHING',
  anyRevoked: 'SELECT EXISTS (SELECT 1 FROM oauth_revocations WHERE id IN (SELECT value FROM json_each(?)) AND until > ?)',
};

export const TENANT_SQL = {
  insert: `INSERT INTO tenants (${TENANT}) VALUES (@id, @name, 0, @createdAt, @createdBy)
    ON CONFLICT DO NOTHING RETURNING ${TENANT}`,
  get: `SELECT ${TENANT} FROM tenants WHERE id = ?`,
  count: 'SELECT COUNT(*) FROM tenants',
  page: `SELECT ${TENANT} FROM tenants ORDER BY id LIMIT ? OFFSET ?`,
  setDisabled: `UPDATE tenants SET disabled = ? WHERE id = ? RETURNING ${TENANT}`,
} as const;

export const USER_SQL = {
  insert: `INSERT INTO users (${USER})
    VALUES (@username, @defaultTenant, @passwordHash, 0, @at, @actor, @at, @actor)
    ON CONFLICT DO NOTHING RETURNING ${USER}`,
  find: `SELECT ${USER} FROM users WHERE username = ?`,
  getInTenant: `SELECT ${USER_U} FROM users u JOIN memberships m ON m.username = u.username
    WHERE m.tenant_id = ? AND u.username = ?`,
  countInTenant: 'SELECT COUNT(*) FROM memberships WHERE tenant_id = ?',
  pageInTenant: `SELECT ${USER_U} FROM users u JOIN memberships m ON m.username = u.username
    WHERE m.tenant_id = ? ORDER BY u.username LIMIT ? OFFSET ?`,
  setPassword: `UPDATE users SET password_hash = ?, updated_at = ?, updated_by = ?
    WHERE default_tenant = ? AND username = ? RETURNING ${USER}`,
  setDisabled: `UPDATE users SET disabled = ?, updated_at = ?, updated_by = ?
    WHERE default_tenant = ? AND username = ? RETURNING ${USER}`,
  touch: 'UPDATE users SET updated_at = ?, updated_by = ? WHERE username = ?',
  any: 'SELECT EXISTS (SELECT 1 FROM users)',
  memberships: 'SELECT tenant_id, roles FROM memberships WHERE username = ? ORDER BY tenant_id',
  upsertMembership: `INSERT INTO memberships (tenant_id, username, roles) VALUES (?, ?, ?)
    ON CONFLICT (tenant_id, username) DO UPDATE SET roles = excluded.roles`,
  setRoles: 'UPDATE memberships SET roles = ? WHERE tenant_id = ? AND username = ?',
  removeMembership: 'DELETE FROM memberships WHERE tenant_id = ? AND username = ?',
  countWithRole: `SELECT COUNT(*) FROM memberships m, json_each(m.roles) r WHERE m.tenant_id = ? AND r.value = ?`,
} as const;

export const ROLE_SQL = {
  insert: `INSERT INTO roles (${ROLE})
    VALUES (@tenantId, @name, @displayName, @description, @permissions, @at, @actor, @at, @actor)
    ON CONFLICT DO NOTHING RETURNING ${ROLE}`,
  get: `SELECT ${ROLE} FROM roles WHERE tenant_id = ? AND name = ?`,
  getMany: `SELECT ${ROLE} FROM roles WHERE tenant_id = ? AND name IN (SELECT value FROM json_each(?))`,
  count: 'SELECT COUNT(*) FROM roles WHERE tenant_id = ?',
  page: `SELECT ${ROLE} FROM roles WHERE tenant_id = ? ORDER BY name LIMIT ? OFFSET ?`,
  update: `UPDATE roles SET display_name = @displayName, description = @description, permissions = @permissions,
    updated_at = @at, updated_by = @actor WHERE tenant_id = @tenantId AND name = @name RETURNING ${ROLE}`,
  delete: 'DELETE FROM roles WHERE tenant_id = ? AND name = ?',
} as const;

export const TOKEN_SQL = {
  insert: `INSERT INTO api_tokens (${TOKEN})
    VALUES (@id, @tenantId, @username, @label, @secretHash, @at, @actor, @expiresAt, NULL)
    ON CONFLICT DO NOTHING RETURNING ${TOKEN}`,
  find: `SELECT ${TOKEN} FROM api_tokens WHERE id = ?`,
  get: `SELECT ${TOKEN} FROM api_tokens WHERE tenant_id = ? AND id = ?`,
  count: 'SELECT COUNT(*) FROM api_tokens WHERE tenant_id = ? AND (? IS NULL OR username = ?)',
  page: `SELECT ${TOKEN} FROM api_tokens WHERE tenant_id = ? AND (? IS NULL OR username = ?)
    ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
  revoke: `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ? RETURNING ${TOKEN}`,
} as const;

export function toTenant(row: TenantRow): TenantRecord {
  return {
    id: row.id as TenantId,
    name: row.name,
    disabled: row.disabled === 1,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
  };
}

export function toMembership(row: MembershipRow): Membership {
  return { tenant: row.tenant_id as TenantId, roles: JSON.parse(row.roles) as string[] };
}

export function toRole(row: RoleRow): RoleRecord {
  const role: RoleRecord = {
    tenant: row.tenant_id as TenantId,
    name: row.name,
    displayName: row.display_name,
    permissions: (JSON.parse(row.permissions) as Permission[]).map((p) => ({
      resource: p.resource,
      actions: [...p.actions] as Action[],
    })),
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
  if (row.description !== null) role.description = row.description;
  return role;
}

export function toToken(row: TokenRow): TokenRecord {
  const token: TokenRecord = {
    id: row.id,
    tenant: row.tenant_id as TenantId,
    username: row.username,
    label: row.label,
    secretHash: row.secret_hash,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
  };
  if (row.expires_at !== null) token.expiresAt = new Date(row.expires_at);
  if (row.revoked_at !== null) token.revokedAt = new Date(row.revoked_at);
  return token;
}
