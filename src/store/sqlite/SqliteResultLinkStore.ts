import type { LinkScope, ResultLink } from '../../domain/resultLinks.js';
import type { TenantId } from '../../domain/types.js';
import { newLinkId, requireString } from '../queryRules.js';
import type { NewResultLink, ResultLinkStore } from '../resultLinkTypes.js';
import type { StatementCache } from './statements.js';
import { returnedRow } from './statements.js';

interface ResultLinkRow {
  id: string;
  tenant_id: string;
  run_id: string;
  scope: string;
  created_by: string;
  created_at: string;
  expires_at: string;
}

const COLUMNS = 'id, tenant_id, run_id, scope, created_by, created_at, expires_at';

const SQL = {
  insert: `INSERT INTO result_links (${COLUMNS}) VALUES (@id, @tenantId, @runId, @scope, @createdBy, @createdAt, @expiresAt)
    RETURNING ${COLUMNS}`,
  get: `SELECT ${COLUMNS} FROM result_links WHERE id = ? AND tenant_id = ?`,
  list: `SELECT ${COLUMNS} FROM result_links WHERE run_id = ? AND tenant_id = ? ORDER BY created_at DESC, id DESC`,
  delete: 'DELETE FROM result_links WHERE id = ? AND run_id = ? AND tenant_id = ?',
} as const;

function toLink(row: ResultLinkRow): ResultLink {
  return {
    id: row.id,
    tenant: row.tenant_id as TenantId,
    runId: row.run_id,
    scope: row.scope as LinkScope,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}

export class SqliteResultLinkStore implements ResultLinkStore {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #delete;

  constructor(statements: StatementCache) {
    this.#insert = statements.prepare<ResultLinkRow>(SQL.insert);
    this.#get = statements.prepare<ResultLinkRow>(SQL.get);
    this.#list = statements.prepare<ResultLinkRow>(SQL.list);
    this.#delete = statements.prepare(SQL.delete);
  }

  async create(tenant: TenantId, link: NewResultLink, now: Date): Promise<ResultLink> {
    const row = this.#insert.get({
      id: newLinkId(),
      tenantId: tenant,
      runId: requireString(link.runId, 'runId'),
      scope: link.scope,
      createdBy: link.createdBy,
      createdAt: now.toISOString(),
      expiresAt: link.expiresAt.toISOString(),
    });
    return toLink(returnedRow(row));
  }

  async get(tenant: TenantId, id: string): Promise<ResultLink | undefined> {
    const row = this.#get.get(requireString(id, 'id'), tenant);
    return row === undefined ? undefined : toLink(row);
  }

  async list(tenant: TenantId, runId: string): Promise<ResultLink[]> {
    return this.#list.all(requireString(runId, 'runId'), tenant).map(toLink);
  }

  async delete(tenant: TenantId, runId: string, id: string): Promise<boolean> {
    return this.#delete.run(requireString(id, 'id'), requireString(runId, 'runId'), tenant).changes > 0;
  }
}

