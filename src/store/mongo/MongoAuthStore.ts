/**
 * The MongoDB auth store: tenants, roles and API tokens here, users in MongoUserStore.ts. Every value that
 * reaches a filter goes through `requireString`, so no request can smuggle in an operator.
 */
import type { Collection, CollectionOptions, Db, Filter } from 'mongodb';
import type { Page, Paging } from '../../domain/paging.js';
import type { TenantId } from '../../domain/types.js';
import type { AuthStore, OAuthRevocationStore, RoleStore, TenantStore, TokenStore } from '../authTypes.js';
import type { NewToken, RoleInput, RoleRecord, TenantRecord, TokenRecord } from '../../domain/accounts.js';
import type { Clock } from '../queryRules.js';
import { newCsid, requireString } from '../queryRules.js';
import {
  insertUnique,
  toRoleRecord,
  toTenantRecord,
  toTokenRecord,
  type RoleDocument,
  type TenantDocument,
  type TokenDocument,
  type UserDocument,
} from './authDocuments.js';
import { findPage } from './operations.js';
import { MONGO_DEFAULTS } from './defaults.js';
import type { MongoGenerations } from './generations.js';
import { MongoUserStore } from './MongoUserStore.js';
import { MongoOAuthRevocations, type OAuthRevocationDocument } from './MongoOAuthRevocations.js';

class MongoTenantStore implements TenantStore {
  constructor(
    private readonly tenants: Collection<TenantDocument>,
    private readonly now: Clock,
    private readonly changed: () => Promise<void>,
  ) {}

  async create(tenant: { id: TenantId; name: string }, actor: string): Promise<TenantRecord> {
    const document: TenantDocument = {
      _id: requireString(tenant.id, 'tenant'),
      name: tenant.name,
      disabled: false,
      createdAt: this.now(),
      createdBy: actor,
    };
    await insertUnique(this.tenants, document, 'Tenant', tenant.id);
    await this.changed();
    return toTenantRecord(document);
  }

  async get(id: TenantId): Promise<TenantRecord | undefined> {
    const document = await this.tenants.findOne({ _id: requireString(id, 'tenant') });
    return document === null ? undefined : toTenantRecord(document);
  }

  list(paging: Paging): Promise<Page<TenantRecord>> {
    return findPage(this.tenants, {}, { _id: 1 }, paging, toTenantRecord);
  }

  async setDisabled(id: TenantId, disabled: boolean): Promise<TenantRecord | undefined> {
    const document = await this.tenants.findOneAndUpdate(
      { _id: requireString(id, 'tenant') },
      { $set: { disabled } },
      { returnDocument: 'after' },
    );
    await this.changed();
    return document === null ? undefined : toTenantRecord(document);
  }
}

function roleFilter(tenant: TenantId, name: string): Filter<RoleDocument> {
  return { tenantId: requireString(tenant, 'tenant'), name: requireString(name, 'role') };
}

function roleContent(role: RoleInput) {
  return {
    displayName: role.displayName,
    permissions: role.permissions.map(({ resource, actions }) => ({ resource, actions: [...actions] })),
  };
}

class MongoRoleStore implements RoleStore {
  constructor(
    private readonly roles: Collection<RoleDocument>,
    private readonly now: Clock,
    private readonly changed: () => Promise<void>,
  ) {}

  async create(tenant: TenantId, role: RoleInput, actor: string): Promise<RoleRecord> {
    const at = this.now();
    const document: RoleDocument = {
      _id: newCsid(),
      tenantId: requireString(tenant, 'tenant'),
      name: requireString(role.name, 'role'),
      ...roleContent(role),
      ...(role.description !== undefined && { description: role.description }),
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
    };
    await insertUnique(this.roles, document, 'Role', role.name);
    await this.changed();
    return toRoleRecord(document);
  }

  async get(tenant: TenantId, name: string): Promise<RoleRecord | undefined> {
    const document = await this.roles.findOne(roleFilter(tenant, name));
    return document === null ? undefined : toRoleRecord(document);
  }

  async getMany(tenant: TenantId, names: readonly string[]): Promise<RoleRecord[]> {
    if (names.length === 0) return [];
    const wanted = names.map((name) => requireString(name, 'role'));
    const documents = await this.roles.find({ tenantId: requireString(tenant, 'tenant'), name: { $in: wanted } }).toArray();
    return documents.map(toRoleRecord);
  }

  list(tenant: TenantId, paging: Paging): Promise<Page<RoleRecord>> {
    return findPage(this.roles, { tenantId: requireString(tenant, 'tenant') }, { name: 1 }, paging, toRoleRecord);
  }

  async update(tenant: TenantId, role: RoleInput, actor: string): Promise<RoleRecord | undefined> {
    const set = { ...roleContent(role), updatedAt: this.now(), updatedBy: actor };
    const update =
      role.description === undefined
        ? { $set: set, $unset: { description: '' as const } }
        : { $set: { ...set, description: role.description } };
    const document = await this.roles.findOneAndUpdate(roleFilter(tenant, role.name), update, { returnDocument: 'after' });
    await this.changed();
    return document === null ? undefined : toRoleRecord(document);
  }

  async delete(tenant: TenantId, name: string): Promise<boolean> {
    const { deletedCount } = await this.roles.deleteOne(roleFilter(tenant, name));
    await this.changed();
    return deletedCount > 0;
  }
}

class MongoTokenStore implements TokenStore {
  constructor(
    private readonly tokens: Collection<TokenDocument>,
    private readonly now: Clock,
  ) {}

  async create(tenant: TenantId, token: NewToken, actor: string): Promise<TokenRecord> {
    const document: TokenDocument = {
      _id: requireString(token.id, 'token'),
      tenantId: requireString(tenant, 'tenant'),
      username: token.username,
      label: token.label,
      secretHash: token.secretHash,
      createdAt: this.now(),
      createdBy: actor,
      ...(token.expiresAt !== undefined && { expiresAt: token.expiresAt }),
    };
    await insertUnique(this.tokens, document, 'Token', token.id);
    return toTokenRecord(document);
  }

  async find(id: string): Promise<TokenRecord | undefined> {
    const document = await this.tokens.findOne({ _id: requireString(id, 'token') });
    return document === null ? undefined : toTokenRecord(document);
  }

  async get(tenant: TenantId, id: string): Promise<TokenRecord | undefined> {
    const document = await this.tokens.findOne({ _id: requireString(id, 'token'), tenantId: requireString(tenant, 'tenant') });
    return document === null ? undefined : toTokenRecord(document);
  }

  list(tenant: TenantId, query: { username?: string; paging: Paging }): Promise<Page<TokenRecord>> {
    const filter: Filter<TokenDocument> = { tenantId: requireString(tenant, 'tenant') };
    if (query.username !== undefined) filter.username = requireString(query.username, 'username');
    return findPage(this.tokens, filter, { createdAt: -1, _id: -1 }, query.paging, toTokenRecord);
  }

  async revoke(tenant: TenantId, id: string, at: Date): Promise<TokenRecord | undefined> {
    const filter = { _id: requireString(id, 'token'), tenantId: requireString(tenant, 'tenant') };
    // Only the first revocation sets the time; later ones read the token as it is.
    await this.tokens.updateOne({ ...filter, revokedAt: { $exists: false } }, { $set: { revokedAt: at } });
    return this.get(tenant, id);
  }
}

export class MongoAuthStore implements AuthStore {
  readonly tenants: TenantStore;
  readonly users: MongoUserStore;
  readonly roles: RoleStore;
  readonly tokens: TokenStore;
  readonly oauthRevocations: OAuthRevocationStore;

  /**
   * Every write of a tenant, user (or membership) or role, and every OAuth revocation, moves `generations`' auth
   * counter on once it is done.
   */
  constructor(db: Db, now: Clock, collectionOptions: CollectionOptions, generations: MongoGenerations) {
    const names = MONGO_DEFAULTS.collections;
    const changed = () => generations.moveOn('auth');
    this.tenants = new MongoTenantStore(db.collection<TenantDocument>(names.tenants, collectionOptions), now, changed);
    this.users = new MongoUserStore(db.collection<UserDocument>(names.users, collectionOptions), now, changed);
    this.roles = new MongoRoleStore(db.collection<RoleDocument>(names.roles, collectionOptions), now, changed);
    this.tokens = new MongoTokenStore(db.collection<TokenDocument>(names.apiTokens, collectionOptions), now);
    this.oauthRevocations = new MongoOAuthRevocations(db.collection<OAuthRevocationDocument>(names.oauthRevocations, collectionOptions), changed);
  }
}
