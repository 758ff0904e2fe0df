/**
 * Users and their tenant memberships in SQLite. A user row and its memberships are read together; writes that
 * touch both run in one immediate transaction.
 */
import type { Page, Paging } from '../../domain/paging.js';
import type { TenantId } from '../../domain/types.js';
import type { UserStore } from '../authTypes.js';
import type { NewUser, UserRecord } from '../../domain/accounts.js';
import { alreadyExists } from '../authRules.js';
import type { Clock } from '../queryRules.js';
import { requireString } from '../queryRules.js';
import { USER_SQL, toMembership, type MembershipRow, type UserRow } from './authSql.js';
import type { StatementCache } from './statements.js';

function roleList(roles: readonly string[]): string {
  return JSON.stringify(roles.map((role) => requireString(role, 'role')));
}

export class SqliteUserStore implements UserStore {
  constructor(
    private readonly statements: StatementCache,
    private readonly now: Clock,
  ) {}

  async create(user: NewUser, actor: string): Promise<UserRecord> {
    const username = requireString(user.username, 'username');
    const tenant = requireString(user.defaultTenant, 'tenant');
    const row = this.statements.write(() => {
      const params = { username, defaultTenant: tenant, passwordHash: user.passwordHash, at: this.now().toISOString(), actor };
      const inserted = this.statements.prepare<UserRow>(USER_SQL.insert).get(params);
      if (inserted !== undefined) this.statements.prepare(USER_SQL.upsertMembership).run(tenant, username, roleList(user.roles));
      return inserted;
    });
    if (row === undefined) throw alreadyExists('User', username);
    return this.#withMemberships(row);
  }

  async find(username: string): Promise<UserRecord | undefined> {
    const row = this.statements.prepare<UserRow>(USER_SQL.find).get(requireString(username, 'username'));
    return row === undefined ? undefined : this.#withMemberships(row);
  }

  async get(tenant: TenantId, username: string): Promise<UserRecord | undefined> {
    const row = this.statements
      .prepare<UserRow>(USER_SQL.getInTenant)
      .get(requireString(tenant, 'tenant'), requireString(username, 'username'));
    return row === undefined ? undefined : this.#withMemberships(row);
  }

  async list(tenant: TenantId, paging: Paging): Promise<Page<UserRecord>> {
    const values = [requireString(tenant, 'tenant')];
    return this.statements.page<UserRow, UserRecord>(
      { text: USER_SQL.countInTenant, values },
      { text: USER_SQL.pageInTenant, values },
      paging,
      (row) => this.#withMemberships(row),
    );
  }

  async setPassword(tenant: TenantId, username: string, passwordHash: string, actor: string): Promise<UserRecord | undefined> {
    const row = this.statements
      .prepare<UserRow>(USER_SQL.setPassword)
      .get(passwordHash, this.now().toISOString(), actor, requireString(tenant, 'tenant'), requireString(username, 'username'));
    return row === undefined ? undefined : this.#withMemberships(row);
  }

  async setDisabled(tenant: TenantId, username: string, disabled: boolean, actor: string): Promise<UserRecord | undefined> {
    const row = this.statements
      .prepare<UserRow>(USER_SQL.setDisabled)
      .get(disabled ? 1 : 0, this.now().toISOString(), actor, requireString(tenant, 'tenant'), requireString(username, 'username'));
    return row === undefined ? undefined : this.#withMemberships(row);
  }

  async setRoles(tenant: TenantId, username: string, roles: string[], actor: string): Promise<UserRecord | undefined> {
    const changed = this.statements.write(() => {
      const result = this.statements
        .prepare(USER_SQL.setRoles)
        .run(roleList(roles), requireString(tenant, 'tenant'), requireString(username, 'username'));
      if (result.changes > 0) this.#touch(username, actor);
      return result.changes > 0;
    });
    return changed ? this.find(username) : undefined;
  }

  async addMembership(tenant: TenantId, username: string, roles: string[], actor: string): Promise<UserRecord | undefined> {
    const added = this.statements.write(() => {
      if (this.statements.prepare<UserRow>(USER_SQL.find).get(requireString(username, 'username')) === undefined) return false;
      this.statements.prepare(USER_SQL.upsertMembership).run(requireString(tenant, 'tenant'), username, roleList(roles));
      this.#touch(username, actor);
      return true;
    });
    return added ? this.find(username) : undefined;
  }

  async removeMembership(tenant: TenantId, username: string, actor: string): Promise<boolean> {
    return this.statements.write(() => {
      const result = this.statements
        .prepare(USER_SQL.removeMembership)
        .run(requireString(tenant, 'tenant'), requireString(username, 'username'));
      if (result.changes > 0) this.#touch(username, actor);
      return result.changes > 0;
    });
  }

  async countWithRole(tenant: TenantId, role: string): Promise<number> {
    const count = this.statements
      .prepare<number>(USER_SQL.countWithRole)
      .pluck()
      .get(requireString(tenant, 'tenant'), requireString(role, 'role'));
    return count ?? 0;
  }

  async any(): Promise<boolean> {
    return this.statements.prepare<number>(USER_SQL.any).pluck().get() === 1;
  }

  #touch(username: string, actor: string): void {
    this.statements.prepare(USER_SQL.touch).run(this.now().toISOString(), actor, username);
  }

  #withMemberships(row: UserRow): UserRecord {
    const memberships = this.statements.prepare<MembershipRow>(USER_SQL.memberships).all(row.username).map(toMembership);
    return {
      username: row.username,
      defaultTenant: row.default_tenant as TenantId,
      passwordHash: row.password_hash,
      disabled: row.disabled === 1,
      memberships,
      createdAt: new Date(row.created_at),
      createdBy: row.created_by,
      updatedAt: new Date(row.updated_at),
      updatedBy: row.updated_by,
    };
  }
}
