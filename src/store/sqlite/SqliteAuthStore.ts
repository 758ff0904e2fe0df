/**
 * The SQLite auth store: tenants, users with their memberships, roles and API tokens, over the store's one
 * connection. A duplicate id is detected by `ON CONFLICT DO NOTHING RETURNING` returning no row.
 */
import type { Page, Paging } from '../../domain/paging.js';
import type { TenantId } from '../../domain/types.js';
import type { AuthStore, OAuthRevocationStore, RoleStore, TenantStore, TokenStore } from '../authTypes.js';
import type { NewToken, RoleInput, RoleRecord, TenantRecord, TokenRecord } from '../../domain/accounts.js';
import { alreadyExists } from '../authRules.js';
import type { Clock } from '../queryRules.js';
import { requireString } from '../queryRules.js';
import {
  OAUTH_REVOCATION_SQL,
  ROLE_SQL,
  TENANT_SQL,
  TOKEN_SQL,
  toRole,
  toTenant,
  toToken,
  type RoleRow,
  type TenantRow,
  type TokenRow,
} from './authSql.js';
import { SqliteUserStore } from './SqliteUserStore.js';
import type { StatementCache } from './statements.js';

class SqliteTenantStore implements TenantStore {
  constructor(
    private readonly statements: StatementCache,
    private readonly now: Clock,
  ) {}

  async create(tenant: { id: TenantId; name: string }, actor: string): Promise<TenantRecord> {
    const params = { id: requireString(tenant.id, 'tenant'), name: tenant.name, createdAt: this.now().toISOString(), createdBy: actor };
    const row = this.statements.prepare<TenantRow>(TENANT_SQL.insert).get(params);
    if (row === undefined) throw alreadyExists('Tenant', tenant.id);
    return toTenant(row);
  }

  async get(id: TenantId): Promise<TenantRecord | undefined> {
    const row = this.statements.prepare<TenantRow>(TENANT_SQL.get).get(requireString(id, 'tenant'));
    return row === undefined ? undefined : toTenant(row);
  }

  async list(paging: Paging): Promise<Page<TenantRecord>> {
    return this.statements.page<TenantRow, TenantRecord>(
      { text: TENANT_SQL.count, values: [] },
      { text: TENANT_SQL.page, values: [] },
      paging,
      toTenant,
    );
  }

  async setDisabled(id: TenantId, disabled: boolean): Promise<TenantRecord | undefined> {
    const row = this.statements.prepare<TenantRow>(TENANT_SQL.setDisabled).get(disabled ? 1 : 0, requireString(id, 'tenant'));
    return row === undefined ? undefined : toTenant(row);
  }
}

function roleParams(tenant: TenantId, role: RoleInput, actor: string, at: Date) {
  return {
    tenantId: requireString(tenant, 'tenant'),
    name: requireString(role.name, 'role'),
    displayName: role.displayName,
    description: role.description ?? null,
    permissions: JSON.stringify(role.permissions.map(({ resource, actions }) => ({ resource, actions }))),
    at: at.toISOString(),
    actor,
  };
}

class SqliteRoleStore implements RoleStore {
  constructor(
    private readonly statements: StatementCache,
    private readonly now: Clock,
  ) {}

  async create(tenant: TenantId, role: RoleInput, actor: string): Promise<RoleRecord> {
    const row = this.statements.prepare<RoleRow>(ROLE_SQL.insert).get(roleParams(tenant, role, actor, this.now()));
    if (row === undefined) throw alreadyExists('Role', role.name);
    return toRole(row);
  }

  async get(tenant: TenantId, name: string): Promise<RoleRecord | undefined> {
    const row = this.statements.prepare<RoleRow>(ROLE_SQL.get).get(requireString(tenant, 'tenant'), requireString(name, 'role'));
    return row === undefined ? undefined : toRole(row);
  }

  async getMany(tenant: TenantId, names: readonly string[]): Promise<RoleRecord[]> {
    if (names.length === 0) return [];
    const wanted = JSON.stringify(names.map((name) => requireString(name, 'role')));
    return this.statements.prepare<RoleRow>(ROLE_SQL.getMany).all(requireString(tenant, 'tenant'), wanted).map(toRole);
  }

  async list(tenant: TenantId, paging: Paging): Promise<Page<RoleRecord>> {
    const values = [requireString(tenant, 'tenant')];
    return this.statements.page<RoleRow, RoleRecord>(
      { text: ROLE_SQL.count, values },
      { text: ROLE_SQL.page, values },
      paging,
      toRole,
    );
  }

  async update(tenant: TenantId, role: RoleInput, actor: string): Promise<RoleRecord | undefined> {
    const row = this.statements.prepare<RoleRow>(ROLE_SQL.update).get(roleParams(tenant, role, actor, this.now()));
    return row === undefined ? undefined : toRole(row);
  }

  async delete(tenant: TenantId, name: string): Promise<boolean> {
    return this.statements.prepare(ROLE_SQL.delete).run(requireString(tenant, 'tenant'), requireString(name, 'role')).changes > 0;
  }
}

class SqliteTokenStore implements TokenStore {
  constructor(
    private readonly statements: StatementCache,
    private readonly now: Clock,
  ) {}

  async create(tenant: TenantId, token: NewToken, actor: string): Promise<TokenRecord> {
    const row = this.statements.prepare<TokenRow>(TOKEN_SQL.insert).get({
      id: requireString(token.id, 'token'),
      tenantId: requireString(tenant, 'tenant'),
      username: token.username,
      label: token.label,
      secretHash: token.secretHash,
      at: this.now().toISOString(),
      actor,
      expiresAt: token.expiresAt?.toISOString() ?? null,
    });
    if (row === undefined) throw alreadyExists('Token', token.id);
    return toToken(row);
  }

  async find(id: string): Promise<TokenRecord | undefined> {
    const row = this.statements.prepare<TokenRow>(TOKEN_SQL.find).get(requireString(id, 'token'));
    return row === undefined ? undefined : toToken(row);
  }

  async get(tenant: TenantId, id: string): Promise<TokenRecord | undefined> {
    const row = this.statements.prepare<TokenRow>(TOKEN_SQL.get).get(requireString(tenant, 'tenant'), requireString(id, 'token'));
    return row === undefined ? undefined : toToken(row);
  }

  async list(tenant: TenantId, query: { username?: string; paging: Paging }): Promise<Page<TokenRecord>> {
    const username = query.username === undefined ? null : requireString(query.username, 'username');
    const values = [requireString(tenant, 'tenant'), username, username];
    return this.statements.page<TokenRow, TokenRecord>(
      { text: TOKEN_SQL.count, values },
      { text: TOKEN_SQL.page, values },
      query.paging,
      toToken,
    );
  }

  async revoke(tenant: TenantId, id: string, at: Date): Promise<TokenRecord | undefined> {
    const row = this.statements
      .prepare<TokenRow>(TOKEN_SQL.revoke)
      .get(at.toISOString(), requireString(tenant, 'tenant'), requireString(id, 'token'));
    return row === undefined ? undefined : toToken(row);
  }
}

class SqliteOAuthRevocationStore implements OAuthRevocationStore {
  constructor(
    private readonly statements: StatementCache,
    private readonly now: Clock,
  ) {}

  async revoke(id: string, until: Date): Promise<void> {
    const key = requireString(id, 'revocation');
    this.statements.write(() => {
      // Expired ones go as new ones come: the table holds what may still refuse a live token.
      this.statements.prepare(OAUTH_REVOCATION_SQL.purge).run(this.now().getTime());
      this.statements.prepare(OAUTH_REVOCATION_SQL.insert).run(key, until.getTime());
    });
  }

  async anyRevoked(ids: readonly string[], at: Date): Promise<boolean> {
    const keys = ids.map((id) => requireString(id, 'revocation'));
    return this.statements.prepare<number>(OAUTH_REVOCATION_SQL.anyRevoked).pluck().get(JSON.stringify(keys), at.getTime()) === 1;
  }
}

export class SqliteAuthStore implements AuthStore {
  readonly tenants: TenantStore;
  readonly users: SqliteUserStore;
  readonly roles: RoleStore;
  readonly tokens: TokenStore;
  readonly oauthRevocations: OAuthRevocationStore;

  constructor(statements: StatementCache, now: Clock) {
    this.tenants = new SqliteTenantStore(statements, now);
    this.users = new SqliteUserStore(statements, now);
    this.roles = new SqliteRoleStore(statements, now);
    this.tokens = new SqliteTokenStore(statements, now);
    this.oauthRevocations = new SqliteOAuthRevocationStore(statements, now);
  }
}
