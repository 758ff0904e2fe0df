/**
 * Documents of the admin API: `<tenant>`, `<user>`, `<role>`, `<token>`, `<roles>` and `<password>`, in XML or
 * in the same tree as JSON (`{"user": {...}}`), checked against `schemas/admin-*.json`. Secrets only ever go in:
 * no encoder writes a password or a hash, and a token's bearer value only in the answer that creates it.
 */
import roleSchema from '../../schemas/admin-role.json' with { type: 'json' };
import rolesSchema from '../../schemas/admin-roles.json' with { type: 'json' };
import tenantSchema from '../../schemas/admin-tenant.json' with { type: 'json' };
import tokenSchema from '../../schemas/admin-token.json' with { type: 'json' };
import userSchema from '../../schemas/admin-user.json' with { type: 'json' };
import { actionsFromLetters, lettersFromActions } from '../domain/accountRules.js';
import type { TenantId } from '../domain/types.js';
import type { RoleInput, RoleRecord, TenantRecord, TokenRecord, UserRecord } from '../domain/accounts.js';
import type { ListSpec } from './commonList.js';
import { rootNamed } from './documentEnvelope.js';
import { createSchemaCheck, validationFailed } from './schemaValidator.js';
import { isDocNode, type DocNode, type DocTree, type DocValue } from './tree.js';

/** The content of the one root element, which must be named `name`; an empty element reads as `{}`/`''`. */
function rootContent(tree: DocTree, name: string): DocValue {
  return rootNamed(tree, name).value;
}

/**
 * The root's fields, empty ones (`<description/>`, `null`) dropped. Only the top level is pruned: a nested
 * `{"$ne": null}` must stay an object so that the schema refuses it rather than it silently vanishing.
 */
function rootNode(tree: DocTree, name: string): DocNode {
  const value = rootContent(tree, name);
  if (value === '' || value === null) return {};
  if (!isDocNode(value)) throw validationFailed(name, [{ path: name, message: 'must be an element with fields' }]);
  const node: DocNode = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined && field !== '' && field !== null) node[key] = field;
  }
  return node;
}

interface TenantWire {
  id: string;
  name: string;
}
interface UserWire {
  username: string;
  password: string;
  roles?: { role?: string[] };
}
interface RolesWire {
  role?: string[];
}
interface RoleWire {
  name: string;
  displayName?: string;
  description?: string;
  permissions?: { permission?: Array<{ resource: string; actionGroup: string }> };
}
interface TokenWire {
  label: string;
  username?: string;
  expiresAt?: string;
}

const checkTenant = createSchemaCheck<TenantWire>(tenantSchema, 'tenant');
const checkUser = createSchemaCheck<UserWire>(userSchema, 'user');
const checkRoles = createSchemaCheck<RolesWire>(rolesSchema, 'roles');
const checkRole = createSchemaCheck<RoleWire>(roleSchema, 'role');
const checkToken = createSchemaCheck<TokenWire>(tokenSchema, 'token');

export function decodeTenantDocument(tree: DocTree): { id: string; name: string } {
  const wire = checkTenant(rootNode(tree, 'tenant'));
  return { id: wire.id.trim(), name: wire.name.trim() };
}

export function decodeUserDocument(tree: DocTree): { username: string; password: string; roles: string[] } {
  const wire = checkUser(rootNode(tree, 'user'));
  return { username: wire.username.trim(), password: wire.password, roles: (wire.roles?.role ?? []).map((r) => r.trim()) };
}

/** `<roles><role>a</role>...</roles>`; `<roles/>` is no roles. */
export function decodeRolesDocument(tree: DocTree): string[] {
  return (checkRoles(rootNode(tree, 'roles')).role ?? []).map((role) => role.trim());
}

/** `<password>secret</password>` (JSON `{"password": "secret"}`). */
export function decodePasswordDocument(tree: DocTree): string {
  const value = rootContent(tree, 'password');
  if (typeof value !== 'string' || value === '') {
    throw validationFailed('password', [{ path: 'password', message: 'must be the new password as text' }]);
  }
  return value;
}

export function decodeRoleDocument(tree: DocTree): RoleInput {
  const wire = checkRole(rootNode(tree, 'role'));
  const name = wire.name.trim();
  const role: RoleInput = {
    name,
    displayName: wire.displayName?.trim() ?? name,
    permissions: (wire.permissions?.permission ?? []).map((permission, index) => ({
      resource: permission.resource.trim(),
      actions: actionsFromLetters(permission.actionGroup, `role/permissions/permission[${index}]/actionGroup`),
    })),
  };
  if (wire.description !== undefined) role.description = wire.description;
  return role;
}

export function decodeTokenDocument(tree: DocTree): { label: string; username?: string; expiresAt?: Date } {
  const wire = checkToken(rootNode(tree, 'token'));
  const token: { label: string; username?: string; expiresAt?: Date } = { label: wire.label };
  if (wire.username !== undefined) token.username = wire.username.trim();
  if (wire.expiresAt !== undefined) {
    const time = Date.parse(wire.expiresAt);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(wire.expiresAt) || Number.isNaN(time)) {
      throw validationFailed('token', [{ path: 'token/expiresAt', message: 'must be an ISO-8601 date-time' }]);
    }
    token.expiresAt = new Date(time);
  }
  return token;
}

const iso = (date: Date | undefined) => date?.toISOString();

export function encodeTenant(tenant: TenantRecord): DocTree {
  return {
    tenant: {
      id: tenant.id,
      name: tenant.name,
      disabled: tenant.disabled,
      createdAt: iso(tenant.createdAt),
      createdBy: tenant.createdBy,
    },
  };
}

function rolesIn(user: UserRecord, tenant: TenantId): string[] {
  return user.memberships.find((membership) => membership.tenant === tenant)?.roles ?? [];
}

/**
 * A user as seen from `tenant`: the roles held there, and no other tenant's name. The account itself (disabled,
 * who created and last changed it, when) belongs to the user's default tenant and is shown only there: another
 * tenant sees a member's username and roles, and nothing of what other tenants' administrators did.
 */
export function encodeUser(user: UserRecord, tenant: TenantId): DocTree {
  const held = rolesIn(user, tenant);
  const roles = held.length > 0 ? { role: held } : undefined;
  if (user.defaultTenant !== tenant) return { user: { username: user.username, roles } };
  return {
    user: {
      username: user.username,
      defaultTenant: tenant,
      disabled: user.disabled,
      roles,
      createdAt: iso(user.createdAt),
      createdBy: user.createdBy,
      updatedAt: iso(user.updatedAt),
      updatedBy: user.updatedBy,
    },
  };
}

export function encodeRole(role: RoleRecord): DocTree {
  return {
    role: {
      name: role.name,
      displayName: role.displayName,
      description: role.description,
      permissions:
        role.permissions.length > 0
          ? {
              permission: role.permissions.map(({ resource, actions }) => ({
                resource,
                actionGroup: lettersFromActions(actions),
              })),
            }
          : undefined,
      createdAt: iso(role.createdAt),
      updatedAt: iso(role.updatedAt),
      updatedBy: role.updatedBy,
    },
  };
}

/** @param bearer the token itself, only in the answer to its creation. */
export function encodeToken(token: TokenRecord, bearer?: string): DocTree {
  return {
    token: {
      id: token.id,
      token: bearer,
      label: token.label,
      username: token.username,
      createdAt: iso(token.createdAt),
      createdBy: token.createdBy,
      expiresAt: iso(token.expiresAt),
      revokedAt: iso(token.revokedAt),
    },
  };
}

export const TENANT_LIST_SPEC: ListSpec<TenantRecord> = {
  fieldsReturned: ['id', 'name', 'disabled', 'createdAt'],
  toItem: (tenant) => ({ id: tenant.id, name: tenant.name, disabled: tenant.disabled, createdAt: iso(tenant.createdAt) }),
};

export function userListSpec(tenant: TenantId): ListSpec<UserRecord> {
  return {
    fieldsReturned: ['username', 'disabled', 'roles', 'updatedAt'],
    // As in encodeUser, the account's fields only where it is at home.
    toItem: (user) => ({
      username: user.username,
      disabled: user.defaultTenant === tenant ? user.disabled : undefined,
      // List items are flat, so the roles go comma-separated.
      roles: rolesIn(user, tenant).join(','),
      updatedAt: user.defaultTenant === tenant ? iso(user.updatedAt) : undefined,
    }),
  };
}

export const ROLE_LIST_SPEC: ListSpec<RoleRecord> = {
  fieldsReturned: ['name', 'displayName', 'description', 'updatedAt'],
  toItem: (role) => ({ name: role.name, displayName: role.displayName, description: role.description, updatedAt: iso(role.updatedAt) }),
};

export const TOKEN_LIST_SPEC: ListSpec<TokenRecord> = {
  fieldsReturned: ['id', 'label', 'username', 'createdAt', 'expiresAt', 'revokedAt'],
  toItem: (token) => ({
    id: token.id,
    label: token.label,
    username: token.username,
    createdAt: iso(token.createdAt),
    expiresAt: iso(token.expiresAt),
    revokedAt: iso(token.revokedAt),
  }),
};
