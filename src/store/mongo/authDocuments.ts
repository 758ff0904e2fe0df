/**
 * MongoDB document shapes of the auth store and their mapping to records. Users embed their memberships, so one
 * read gives everything authentication needs; roles are unique per tenant through an index. Also the unique
 * insert the auth collections share (their paged find is `findPage` in operations.ts).
 */
import type { Collection } from 'mongodb';
import { isDuplicateKey } from './operations.js';
import type { Action } from '../../domain/access.js';
import type { TenantId } from '../../domain/types.js';
import type { Membership, RoleRecord, TenantRecord, TokenRecord, UserRecord } from '../../domain/accounts.js';
import { alreadyExists } from '../authRules.js';

export interface TenantDocument {
  _id: string;
  name: string;
  disabled: boolean;
  createdAt: Date;
  createdBy: string;
}

export interface UserDocument {
  /** The username. */
  _id: string;
  defaultTenant: string;
  passwordHash: string;
  disabled: boolean;
  memberships: Array<{ tenant: string; roles: string[] }>;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

/** A role as stored: the record's fields, its tenant under `tenantId` and its id beside them. */
export interface RoleDocument extends Omit<RoleRecord, 'tenant'> {
  _id: string;
  tenantId: string;
}

export interface TokenDocument {
  _id: string;
  tenantId: string;
  username: string;
  label: string;
  secretHash: string;
  createdAt: Date;
  createdBy: string;
  expiresAt?: Date;
  revokedAt?: Date;
}

export function toTenantRecord(document: TenantDocument): TenantRecord {
  return {
    id: document._id as TenantId,
    name: document.name,
    disabled: document.disabled,
    createdAt: document.createdAt,
    createdBy: document.createdBy,
  };
}

export function toUserRecord(document: UserDocument): UserRecord {
  const memberships: Membership[] = document.memberships
    .map(({ tenant, roles }) => ({ tenant: tenant as TenantId, roles: [...roles] }))
    .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  return {
    username: document._id,
    defaultTenant: document.defaultTenant as TenantId,
    passwordHash: document.passwordHash,
    disabled: document.disabled,
    memberships,
    createdAt: document.createdAt,
    createdBy: document.createdBy,
    updatedAt: document.updatedAt,
    updatedBy: document.updatedBy,
  };
}

export function toRoleRecord(document: RoleDocument): RoleRecord {
  const role: RoleRecord = {
    tenant: document.tenantId as TenantId,
    name: document.name,
    displayName: document.displayName,
    permissions: document.permissions.map((p) => ({ resource: p.resource, actions: [...p.actions] as Action[] })),
    createdAt: document.createdAt,
    createdBy: document.createdBy,
    updatedAt: document.updatedAt,
    updatedBy: document.updatedBy,
  };
  if (document.description !== undefined && document.description !== null) role.description = document.description;
  return role;
}

export function toTokenRecord(document: TokenDocument): TokenRecord {
  const token: TokenRecord = {
    id: document._id,
    tenant: document.tenantId as TenantId,
    username: document.username,
    label: document.label,
    secretHash: document.secretHash,
    createdAt: document.createdAt,
    createdBy: document.createdBy,
  };
  if (document.expiresAt instanceof Date) token.expiresAt = document.expiresAt;
  if (document.revokedAt instanceof Date) token.revokedAt = document.revokedAt;
  return token;
}

/** Inserts, turning a duplicate key into the store's CONFLICT error. */
export async function insertUnique<T extends { _id: string }>(
  collection: Collection<T>,
  document: T,
  what: string,
  id: string,
): Promise<void> {
  try {
    // The driver's OptionalUnlessRequiredId cannot see that T always carries its own _id.
    await collection.insertOne(document as Parameters<Collection<T>['insertOne']>[0]);
  } catch (error) {
    if (isDuplicateKey(error)) throw alreadyExists(what, id);
    throw error;
  }
}

