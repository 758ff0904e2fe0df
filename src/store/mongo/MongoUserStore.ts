/**
 * Users in MongoDB, one document per user with its memberships embedded: a membership change is a single-document
 * update, atomic without a transaction.
 */
import type { Collection, Filter } from 'mongodb';
import type { Page, Paging } from '../../domain/paging.js';
import type { TenantId } from '../../domain/types.js';
import type { UserStore } from '../authTypes.js';
import type { NewUser, UserRecord } from '../../domain/accounts.js';
import type { Clock } from '../queryRules.js';
import { requireString } from '../queryRules.js';
import { insertUnique, toUserRecord, type UserDocument } from './authDocuments.js';
import { findPage } from './operations.js';

function roleList(roles: readonly string[]): string[] {
  return roles.map((role) => requireString(role, 'role'));
}

/** The user, only when they are a member of `tenant`. */
function memberFilter(tenant: TenantId, username: string): Filter<UserDocument> {
  return { _id: requireString(username, 'username'), 'memberships.tenant': requireString(tenant, 'tenant') };
}

/** The user, only when `tenant` is their default tenant. */
function homeFilter(tenant: TenantId, username: string): Filter<UserDocument> {
  return { _id: requireString(username, 'username'), defaultTenant: requireString(tenant, 'tenant') };
}

export class MongoUserStore implements UserStore {
  constructor(
    private readonly users: Collection<UserDocument>,
    private readonly now: Clock,
    private readonly changed: () => Promise<void>,
  ) {}

  async create(user: NewUser, actor: string): Promise<UserRecord> {
    const at = this.now();
    const defaultTenant = requireString(user.defaultTenant, 'tenant');
    const document: UserDocument = {
      _id: requireString(user.username, 'username'),
      defaultTenant,
      passwordHash: user.passwordHash,
      disabled: false,
      memberships: [{ tenant: defaultTenant, roles: roleList(user.roles) }],
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
    };
    await insertUnique(this.users, document, 'User', user.username);
    await this.changed();
    return toUserRecord(document);
  }

  async find(username: string): Promise<UserRecord | undefined> {
    const document = await this.users.findOne({ _id: requireString(username, 'username') });
    return document === null ? undefined : toUserRecord(document);
  }

  async get(tenant: TenantId, username: string): Promise<UserRecord | undefined> {
    const document = await this.users.findOne(memberFilter(tenant, username));
    return document === null ? undefined : toUserRecord(document);
  }

  list(tenant: TenantId, paging: Paging): Promise<Page<UserRecord>> {
    return findPage(this.users, { 'memberships.tenant': requireString(tenant, 'tenant') }, { _id: 1 }, paging, toUserRecord);
  }

  setPassword(tenant: TenantId, username: string, passwordHash: string, actor: string): Promise<UserRecord | undefined> {
    return this.#update(homeFilter(tenant, username), { passwordHash }, actor);
  }

  setDisabled(tenant: TenantId, username: string, disabled: boolean, actor: string): Promise<UserRecord | undefined> {
    return this.#update(homeFilter(tenant, username), { disabled }, actor);
  }

  setRoles(tenant: TenantId, username: string, roles: string[], actor: string): Promise<UserRecord | undefined> {
    return this.#update(memberFilter(tenant, username), { 'memberships.$.roles': roleList(roles) }, actor);
  }

  async addMembership(tenant: TenantId, username: string, roles: string[], actor: string): Promise<UserRecord | undefined> {
    const tenantId = requireString(tenant, 'tenant');
    const updated = await this.#update(memberFilter(tenant, username), { 'memberships.$.roles': roleList(roles) }, actor);
    if (updated !== undefined) return updated;
    // Not a member yet: push, guarded so that a concurrent add cannot leave two memberships of one tenant.
    const filter: Filter<UserDocument> = { _id: requireString(username, 'username'), 'memberships.tenant': { $ne: tenantId } };
    const document = await this.users.findOneAndUpdate(
      filter,
      {
        $push: { memberships: { tenant: tenantId, roles: roleList(roles) } },
        $set: { updatedAt: this.now(), updatedBy: actor },
      },
      { returnDocument: 'after' },
    );
    await this.changed();
    return document === null ? this.get(tenant, username) : toUserRecord(document);
  }

  async removeMembership(tenant: TenantId, username: string, actor: string): Promise<boolean> {
    const tenantId = requireString(tenant, 'tenant');
    const { modifiedCount } = await this.users.updateOne(memberFilter(tenant, username), {
      $pull: { memberships: { tenant: tenantId } },
      $set: { updatedAt: this.now(), updatedBy: actor },
    });
    await this.changed();
    return modifiedCount > 0;
  }

  countWithRole(tenant: TenantId, role: string): Promise<number> {
    return this.users.countDocuments({
      memberships: { $elemMatch: { tenant: requireString(tenant, 'tenant'), roles: requireString(role, 'role') } },
    });
  }

  async any(): Promise<boolean> {
    return (await this.users.findOne({}, { projection: { _id: 1 } })) !== null;
  }

  async #update(filter: Filter<UserDocument>, set: Record<string, unknown>, actor: string): Promise<UserRecord | undefined> {
    const document = await this.users.findOneAndUpdate(
      filter,
      { $set: { ...set, updatedAt: this.now(), updatedBy: actor } },
      { returnDocument: 'after' },
    );
    await this.changed();
    return document === null ? undefined : toUserRecord(document);
  }
}
