import type { Page } from '../../domain/paging.js';
import type { RecordFile } from '../../domain/recordItems.js';
import type { RecordFields, StoredRecord, TenantId, WorkflowState } from '../../domain/types.js';
import type { DeleteOptions, RecordFilter, RecordQuery, RecordStore, WriteOptions } from '../types.js';
import type { Clock } from '../queryRules.js';
import { assertRevision, createdCore, distinctCsids, docTypeKey, newCsid } from '../queryRules.js';
import type { RecordRow } from './mappers.js';
import { toCoreParams, toStoredRecord } from './mappers.js';
import { RECORD_FILE_SQL, RECORD_SQL, recordListSql, recordScanSql } from './sql.js';
import type { StatementCache } from './statements.js';
import { returnedRow } from './statements.js';

type KeyedRecordRow = RecordRow & { doc_type_key: string };

interface RecordFileRow {
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  content: Buffer;
  doc_type_key: string;
}

/** Whether a record is of `docType`, when one is given (case-insensitively). */
function isOfType(row: Pick<KeyedRecordRow, 'doc_type_key'>, docType: string | undefined): boolean {
  return docType === undefined || row.doc_type_key === docTypeKey(docType);
}

export class SqliteRecordStore implements RecordStore {
  readonly #statements: StatementCache;
  readonly #now: Clock;
  readonly #insert;
  readonly #get;
  readonly #revision;
  readonly #getMany;
  readonly #docTypesOf;
  readonly #update;
  readonly #setWorkflowState;
  readonly #delete;
  readonly #deleteSubjectRelations;
  readonly #deleteObjectRelations;
  readonly #file;

  constructor(statements: StatementCache, now: Clock) {
    this.#statements = statements;
    this.#now = now;
    this.#insert = statements.prepare<RecordRow>(RECORD_SQL.insert);
    this.#get = statements.prepare<KeyedRecordRow>(RECORD_SQL.get);
    this.#revision = statements.prepare<Pick<KeyedRecordRow, 'revision' | 'doc_type_key'>>(RECORD_SQL.revision);
    this.#getMany = statements.prepare<RecordRow>(RECORD_SQL.getMany);
    this.#docTypesOf = statements.prepare<Pick<RecordRow, 'csid' | 'doc_type'>>(RECORD_SQL.docTypesOf);
    this.#update = statements.prepare<RecordRow>(RECORD_SQL.update);
    this.#setWorkflowState = statements.prepare<RecordRow>(RECORD_SQL.setWorkflowState);
    this.#delete = statements.prepare(RECORD_SQL.delete);
    this.#deleteSubjectRelations = statements.prepare(RECORD_SQL.deleteSubjectRelations);
    this.#deleteObjectRelations = statements.prepare(RECORD_SQL.deleteObjectRelations);
    this.#file = statements.prepare<RecordFileRow>(RECORD_FILE_SQL.get);
  }

  async create(tenant: TenantId, docType: string, fields: RecordFields, actor: string): Promise<StoredRecord> {
    const params = {
      ...toCoreParams(newCsid(), createdCore(tenant, actor, this.#now())),
      docType,
      docTypeKey: docTypeKey(docType),
      fields: JSON.stringify(fields),
    };
    return toStoredRecord(returnedRow(this.#insert.get(params)));
  }

  async get(tenant: TenantId, csid: string, docType?: string): Promise<StoredRecord | undefined> {
    const row = this.#get.get(csid, tenant);
    return row === undefined || !isOfType(row, docType) ? undefined : toStoredRecord(row);
  }

  async getMany(tenant: TenantId, csids: readonly string[]): Promise<StoredRecord[]> {
    const wanted = distinctCsids(csids);
    if (wanted.length === 0) return [];
    return this.#getMany.all(tenant, JSON.stringify(wanted)).map(toStoredRecord);
  }

  async docTypesOf(tenant: TenantId, csids: readonly string[]): Promise<Map<string, string>> {
    const wanted = distinctCsids(csids);
    if (wanted.length === 0) return new Map();
    return new Map(this.#docTypesOf.all(tenant, JSON.stringify(wanted)).map((row) => [row.csid, row.doc_type]));
  }

  async update(
    tenant: TenantId,
    csid: string,
    fields: RecordFields,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined> {
    return this.#writeAtRevision(tenant, csid, options, (stamp) => this.#update.get({ ...stamp, fields: JSON.stringify(fields) }));
  }

  async setWorkflowState(
    tenant: TenantId,
    csid: string,
    workflowState: WorkflowState,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined> {
    return this.#writeAtRevision(tenant, csid, options, (stamp) => this.#setWorkflowState.get({ ...stamp, workflowState }));
  }

  /**
   * Runs `write` (an UPDATE … RETURNING of the record, given its key and who changes it when) in one transaction
   * with the revision check; `undefined` when the record is not there.
   */
  #writeAtRevision(
    tenant: TenantId,
    csid: string,
    options: WriteOptions & { docType?: string },
    write: (stamp: { csid: string; tenantId: TenantId; updatedAt: string; updatedBy: string }) => RecordRow | undefined,
  ): StoredRecord | undefined {
    const row = this.#statements.write(() => {
      const revision = this.#revisionOf(tenant, csid, options.docType);
      if (revision === undefined) return undefined;
      assertRevision('record', csid, revision, options.expectedRevision);
      return returnedRow(write({ csid, tenantId: tenant, updatedAt: this.#now().toISOString(), updatedBy: options.actor }));
    });
    return row === undefined ? undefined : toStoredRecord(row);
  }

  async file(tenant: TenantId, csid: string, docType?: string): Promise<RecordFile | undefined> {
    const row = this.#file.get(csid, tenant);
    if (row === undefined || !isOfType(row, docType)) return undefined;
    return { name: row.name, mediaType: row.media_type, size: row.size, sha256: row.sha256, content: row.content };
  }

  /** The record's file goes with it (the foreign key's cascade). */
  async delete(tenant: TenantId, csid: string, options: DeleteOptions & { docType?: string } = {}): Promise<boolean> {
    return this.#statements.write(() => {
      const revision = this.#revisionOf(tenant, csid, options.docType);
      if (revision === undefined) return false;
      assertRevision('record', csid, revision, options.expectedRevision);
      this.#deleteSubjectRelations.run(tenant, csid);
      this.#deleteObjectRelations.run(tenant, csid);
      return this.#delete.run(csid, tenant).changes > 0;
    });
  }

  async list(tenant: TenantId, query: RecordQuery): Promise<Page<StoredRecord>> {
    const sql = recordListSql(tenant, query);
    return this.#statements.page(sql.count, sql.select, query.paging, toStoredRecord, { cache: query.advancedSearch === undefined });
  }

  async *scan(tenant: TenantId, query: RecordFilter, options: { batchSize: number }): AsyncGenerator<StoredRecord> {
    for await (const row of this.#scanRows<RecordRow>(tenant, query, options)) yield toStoredRecord(row);
  }

  async *scanCsids(tenant: TenantId, query: RecordFilter, options: { batchSize: number }): AsyncGenerator<string> {
    for await (const row of this.#scanRows<Pick<RecordRow, 'csid' | 'created_at'>>(tenant, query, options, 'csid, created_at')) yield row.csid;
  }

  async *#scanRows<Row extends Pick<RecordRow, 'csid' | 'created_at'>>(
    tenant: TenantId,
    query: RecordFilter,
    options: { batchSize: number },
    columns?: string,
  ): AsyncGenerator<Row> {
    const limit = Math.max(1, Math.trunc(options.batchSize));
    const sql = recordScanSql(tenant, query, columns);
    const after = this.#statements.prepare<Row>(sql.after.text);
    let rows = this.#statements.prepare<Row>(sql.first.text).all(...sql.first.values, limit);
    for (;;) {
      yield* rows;
      const last = rows.at(-1);
      if (last === undefined || rows.length < limit) return;
      rows = after.all(...sql.after.values, last.created_at, last.csid, limit);
    }
  }

  /** The record's revision when it exists in this tenant and, if `docType` is given, is of that type. */
  #revisionOf(tenant: TenantId, csid: string, docType: string | undefined): number | undefined {
    const row = this.#revision.get(csid, tenant);
    return row === undefined || !isOfType(row, docType) ? undefined : row.revision;
  }
}
