import type { Collection, Filter } from 'mongodb';
import type { Page } from '../../domain/paging.js';
import type { Relation, StoredRelation, TenantId } from '../../domain/types.js';
import type { RelationQuery, RelationStore } from '../types.js';
import type { Clock } from '../queryRules.js';
import { createdCore, newCsid, requireString } from '../queryRules.js';
import type { RelationDocument } from './mappers.js';
import { toRelationDocument, toStoredRelation } from './mappers.js';
import { byCsid, findPage } from './operations.js';

function listFilter(tenant: TenantId, query: RelationQuery): Filter<RelationDocument> {
  const filter: Filter<RelationDocument> = { tenantId: requireString(tenant, 'tenant') };
  if (query.subjectCsid !== undefined) filter.subjectCsid = requireString(query.subjectCsid, 'subjectCsid');
  if (query.objectCsid !== undefined) filter.objectCsid = requireString(query.objectCsid, 'objectCsid');
  if (query.relationshipType !== undefined) {
    filter.relationshipType = requireString(query.relationshipType, 'relationshipType');
  }
  return filter;
}

export class MongoRelationStore implements RelationStore {
  readonly #relations: Collection<RelationDocument>;
  readonly #now: Clock;

  constructor(relations: Collection<RelationDocument>, now: Clock) {
    this.#relations = relations;
    this.#now = now;
  }

  async create(tenant: TenantId, relation: Relation, actor: string): Promise<StoredRelation> {
    const document = toRelationDocument(newCsid(), relation, createdCore(tenant, actor, this.#now()));
    await this.#relations.insertOne(document);
    return toStoredRelation(document);
  }

  async get(tenant: TenantId, csid: string): Promise<StoredRelation | undefined> {
    const document = await this.#relations.findOne(byCsid(tenant, csid));
    return document === null ? undefined : toStoredRelation(document);
  }

  async delete(tenant: TenantId, csid: string): Promise<boolean> {
    const { deletedCount } = await this.#relations.deleteOne(byCsid(tenant, csid));
    return deletedCount > 0;
  }

  /**
   * Oldest first. Relations created within the same millisecond fall back to csid order: stable across
   * pages, though not necessarily their insertion order (SQLite keeps that via rowid).
   */
  async list(tenant: TenantId, query: RelationQuery): Promise<Page<StoredRelation>> {
    const sort = { createdAt: 1, _id: 1 } as const;
    return findPage(this.#relations, listFilter(tenant, query), sort, query.paging, toStoredRelation);
  }
}
