import type { Page } from '../../domain/paging.js';
import type { Relation, StoredRelation, TenantId } from '../../domain/types.js';
import type { RelationQuery, RelationStore } from '../types.js';
import type { Clock } from '../queryRules.js';
import { createdCore, newCsid } from '../queryRules.js';
import type { RelationRow } from './mappers.js';
import { toCoreParams, toStoredRelation } from './mappers.js';
import { RELATION_SQL, relationListSql } from './sql.js';
import type { StatementCache } from './statements.js';
import { returnedRow } from './statements.js';

export class SqliteRelationStore implements RelationStore {
  readonly #statements: StatementCache;
  readonly #now: Clock;
  readonly #insert;
  readonly #get;
  readonly #delete;

  constructor(statements: StatementCache, now: Clock) {
    this.#statements = statements;
    this.#now = now;
    this.#insert = statements.prepare<RelationRow>(RELATION_SQL.insert);
    this.#get = statements.prepare<RelationRow>(RELATION_SQL.get);
    this.#delete = statements.prepare(RELATION_SQL.delete);
  }

  async create(tenant: TenantId, relation: Relation, actor: string): Promise<StoredRelation> {
    const params = {
      ...toCoreParams(newCsid(), createdCore(tenant, actor, this.#now())),
      subjectCsid: relation.subjectCsid,
      subjectDocumentType: relation.subjectDocumentType,
      relationshipType: relation.relationshipType,
      objectCsid: relation.objectCsid,
      objectDocumentType: relation.objectDocumentType,
    };
    return toStoredRelation(returnedRow(this.#insert.get(params)));
  }

  async get(tenant: TenantId, csid: string): Promise<StoredRelation | undefined> {
    const row = this.#get.get(csid, tenant);
    return row === undefined ? undefined : toStoredRelation(row);
  }

  async delete(tenant: TenantId, csid: string): Promise<boolean> {
    return this.#delete.run(csid, tenant).changes > 0;
  }

  async list(tenant: TenantId, query: RelationQuery): Promise<Page<StoredRelation>> {
    const sql = relationListSql(tenant, query);
    return this.#statements.page(sql.count, sql.select, query.paging, toStoredRelation);
  }
}
