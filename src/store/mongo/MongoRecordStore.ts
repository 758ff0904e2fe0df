import type { ClientSession, Collection, Filter, MongoClient, Sort } from 'mongodb';
import type { Page } from '../../domain/paging.js';
import type { RecordFile } from '../../domain/recordItems.js';
import type { RecordFields, StoredRecord, TenantId, WorkflowState } from '../../domain/types.js';
import type { DeleteOptions, RecordFilter, RecordQuery, RecordStore, WriteOptions } from '../types.js';
import type { Clock } from '../queryRules.js';
import {
  checkedRevision,
  createdCore,
  distinctCsids,
  docTypeKey,
  fieldEqualities,
  newCsid,
  requireString,
  resolveRecordSort,
  revisionConflict,
  sortFactor,
} from '../queryRules.js';
import { recordSearchFilter } from './advancedSearchFilter.js';
import type { RecordDocument, RecordFileDocument, RelationDocument } from './mappers.js';
import { toRecordDocument, toStoredRecord } from './mappers.js';
import { atRevision, byCsid, findPage, throwIfRevisionMismatch } from './operations.js';

export interface MongoRecordStoreDeps {
  records: Collection<RecordDocument>;
  relations: Collection<RelationDocument>;
  files: Collection<RecordFileDocument>;
  /** Present when the deployment supports transactions (replica set or sharded cluster). */
  client: MongoClient | undefined;
  now: Clock;
}

function recordFilter(tenant: TenantId, csid: string, docType: string | undefined): Filter<RecordDocument> {
  const filter: Filter<RecordDocument> = byCsid(tenant, csid);
  return docType === undefined ? filter : { ...filter, docTypeKey: docTypeKey(docType) };
}

function listFilter(tenant: TenantId, query: RecordFilter & Pick<RecordQuery, 'advancedSearch'>): Filter<RecordDocument> {
  const filter: Filter<RecordDocument> = { tenantId: requireString(tenant, 'tenant') };
  if (query.docTypes !== undefined) filter.docTypeKey = { $in: query.docTypes.map((docType) => docTypeKey(docType)) };
  if (query.excludeDeleted === true) filter.workflowState = { $ne: 'deleted' };
  for (const [key, value] of fieldEqualities(query.fieldEquals)) {
    // An equality on an array would match any element; SQLite matches string fields only, and so do we.
    filter[`fields.${key}`] = { $eq: value, $not: { $type: 'array' } };
  }
  if (query.advancedSearch !== undefined) filter.$and = [recordSearchFilter(query.advancedSearch)];
  return filter;
}

function listSort(query: RecordQuery): Sort {
  const sort = resolveRecordSort(query);
  const factor = sortFactor(sort.direction);
  return sort.field === 'createdAt' ? { createdAt: factor, _id: factor } : { updatedAt: factor, _id: factor };
}

export class MongoRecordStore implements RecordStore {
  readonly #records: Collection<RecordDocument>;
  readonly #relations: Collection<RelationDocument>;
  readonly #files: Collection<RecordFileDocument>;
  readonly #client: MongoClient | undefined;
  readonly #now: Clock;

  constructor(deps: MongoRecordStoreDeps) {
    this.#records = deps.records;
    this.#relations = deps.relations;
    this.#files = deps.files;
    this.#client = deps.client;
    this.#now = deps.now;
  }

  async create(tenant: TenantId, docType: string, fields: RecordFields, actor: string): Promise<StoredRecord> {
    const document = toRecordDocument(newCsid(), docType, fields, createdCore(tenant, actor, this.#now()));
    await this.#records.insertOne(document);
    return toStoredRecord(document);
  }

  async get(tenant: TenantId, csid: string, docType?: string): Promise<StoredRecord | undefined> {
    const document = await this.#records.findOne(recordFilter(tenant, csid, docType));
    return document === null ? undefined : toStoredRecord(document);
  }

  async getMany(tenant: TenantId, csids: readonly string[]): Promise<StoredRecord[]> {
    const wanted = distinctCsids(csids);
    if (wanted.length === 0) return [];
    const filter = { tenantId: requireString(tenant, 'tenant'), _id: { $in: wanted } };
    const documents = await this.#records.find(filter).toArray();
    return documents.map(toStoredRecord);
  }

  async docTypesOf(tenant: TenantId, csids: readonly string[]): Promise<Map<string, string>> {
    const wanted = distinctCsids(csids);
    if (wanted.length === 0) return new Map();
    const filter = { tenantId: requireString(tenant, 'tenant'), _id: { $in: wanted } };
    const documents = await this.#records.find(filter, { projection: { _id: 1, docType: 1 } }).toArray();
    return new Map(documents.map((document) => [document._id, document.docType]));
  }

  async update(
    tenant: TenantId,
    csid: string,
    fields: RecordFields,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined> {
    return this.#setAtRevision(tenant, csid, { fields: structuredClone(fields) }, options);
  }

  async setWorkflowState(
    tenant: TenantId,
    csid: string,
    workflowState: WorkflowState,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined> {
    return this.#setAtRevision(tenant, csid, { workflowState }, options);
  }

  /** Sets `changes` (and who changed it when) on the record at the expected revision, bumping it. */
  async #setAtRevision(
    tenant: TenantId,
    csid: string,
    changes: Partial<Pick<RecordDocument, 'fields' | 'workflowState'>>,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined> {
    const filter = recordFilter(tenant, csid, options.docType);
    const expected = checkedRevision(options.expectedRevision);
    const document = await this.#records.findOneAndUpdate(
      atRevision(filter, expected),
      { $set: { ...changes, updatedAt: this.#now(), updatedBy: options.actor }, $inc: { revision: 1 } },
      { returnDocument: 'after' },
    );
    if (document !== null) return toStoredRecord(document);
    await throwIfRevisionMismatch(this.#records, filter, 'record', expected);
    return undefined;
  }

  /**
   * Deletes the record and the relations naming it. In a transaction when the deployment has them; a
   * standalone server has none, so relations go first: if the process stops half-way, the record is still
   * there and deleting it again finishes the job, whereas the other order would strand relations that no
   * later delete could find through their record.
   */
  /** Only a file whose record exists: one left by a write that stopped half-way is never served. */
  async file(tenant: TenantId, csid: string, docType?: string): Promise<RecordFile | undefined> {
    const record = await this.#records.findOne(recordFilter(tenant, csid, docType), { projection: { _id: 1 } });
    if (record === null) return undefined;
    const file = await this.#files.findOne(byCsid(tenant, csid));
    if (file === null) return undefined;
    return { name: file.name, mediaType: file.mediaType, size: file.size, sha256: file.sha256, content: Buffer.from(file.content.buffer) };
  }

  async delete(tenant: TenantId, csid: string, options: DeleteOptions & { docType?: string } = {}): Promise<boolean> {
    const filter = recordFilter(tenant, csid, options.docType);
    const expected = checkedRevision(options.expectedRevision);
    const run = (session: ClientSession | undefined) =>
      this.#deleteWithRelations(tenant, csid, filter, expected, session);
    if (this.#client === undefined) return run(undefined);
    const session = this.#client.startSession();
    try {
      return await session.withTransaction((transaction) => run(transaction));
    } finally {
      await session.endSession();
    }
  }

  async list(tenant: TenantId, query: RecordQuery): Promise<Page<StoredRecord>> {
    return findPage(this.#records, listFilter(tenant, query), listSort(query), query.paging, toStoredRecord);
  }

  async *scan(tenant: TenantId, query: RecordFilter, options: { batchSize: number }): AsyncGenerator<StoredRecord> {
    for await (const document of this.#scanCursor(tenant, query, options)) yield toStoredRecord(document);
  }

  async *scanCsids(tenant: TenantId, query: RecordFilter, options: { batchSize: number }): AsyncGenerator<string> {
    for await (const document of this.#scanCursor(tenant, query, options).project<{ _id: string }>({ _id: 1 })) yield document._id;
  }

  /** One cursor on the tenant_createdAt index; the driver fetches the next batch as this one is consumed. */
  #scanCursor(tenant: TenantId, query: RecordFilter, options: { batchSize: number }) {
    return this.#records
      .find(listFilter(tenant, query))
      .sort({ createdAt: 1, _id: 1 })
      .batchSize(Math.max(1, Math.trunc(options.batchSize)));
  }

  async #deleteWithRelations(
    tenant: TenantId,
    csid: string,
    filter: Filter<RecordDocument>,
    expected: number | undefined,
    session: ClientSession | undefined,
  ): Promise<boolean> {
    const current = await this.#records.findOne(filter, { session, projection: { revision: 1 } });
    if (current === null) return false;
    if (expected !== undefined && current.revision !== expected) {
      throw revisionConflict('record', csid, expected, current.revision);
    }
    const { tenantId, _id } = byCsid(tenant, csid);
    await this.#relations.deleteMany({ tenantId, $or: [{ subjectCsid: _id }, { objectCsid: _id }] }, { session });
    const { deletedCount } = await this.#records.deleteOne(atRevision(filter, expected), { session });
    // The record first: a file left behind by a crash in between is never served (see `file`).
    if (deletedCount > 0) {
      await this.#files.deleteOne({ tenantId, _id }, { session });
      return true;
    }
    // Without a transaction, another writer may have changed or deleted the record since the read above.
    await throwIfRevisionMismatch(this.#records, filter, 'record', expected);
    return false;
  }
}
