/**
 * Records and relations of the client's data: what the REST routes and plugins both use, scoped to one tenant
 * per call. Relations must name records that exist, so plugins never see dangling links.
 */
import { DomainError, NotFoundError, quoted } from '../domain/errors.js';
import type { Page, Paging } from '../domain/paging.js';
import type { RecordFile, RecordRun } from '../domain/recordItems.js';
import {
  GROUP_DOCTYPE,
  type RecordFields,
  type Relation,
  type StoredRecord,
  type StoredRelation,
  type TenantId,
} from '../domain/types.js';
import { checkWorkflowTransition, nextWorkflowState } from '../domain/workflow.js';
import type { RecordFilter, RecordQuery, Store, WriteOptions } from '../store/types.js';

/** How many rows one store call reads when a caller wants "all" of something. */
const SCAN_PAGE_SIZE = 1000;

/** Looks `csids` up `SCAN_PAGE_SIZE` at a time (a store query takes that many); answers what was found and what not. */
async function inChunks<T>(
  csids: readonly string[],
  read: (chunk: readonly string[]) => Promise<Iterable<[string, T]>>,
): Promise<{ found: Map<string, T>; missing: string[] }> {
  const found = new Map<string, T>();
  for (let start = 0; start < csids.length; start += SCAN_PAGE_SIZE) {
    for (const [csid, value] of await read(csids.slice(start, start + SCAN_PAGE_SIZE))) found.set(csid, value);
  }
  return { found, missing: csids.filter((csid) => !found.has(csid)) };
}

export class RecordService {
  constructor(private readonly store: Store) {}

  create(tenant: TenantId, docType: string, fields: RecordFields, actor: string): Promise<StoredRecord> {
    return this.store.records.create(tenant, docType, fields, actor);
  }

  /** The record, or `undefined` when there is none (of that docType, when given). */
  find(tenant: TenantId, csid: string, docType?: string): Promise<StoredRecord | undefined> {
    return this.store.records.get(tenant, csid, docType);
  }

  async get(tenant: TenantId, csid: string, docType?: string): Promise<StoredRecord> {
    const record = await this.find(tenant, csid, docType);
    if (record === undefined) throw new NotFoundError(docType ?? 'Record', csid);
    return record;
  }

  /** The file a document item brought with the record, if it has one (of `docType`, when given). */
  findFile(tenant: TenantId, csid: string, docType?: string): Promise<RecordFile | undefined> {
    return this.store.records.file(tenant, csid, docType);
  }

  /** The file a document item brought with the record (`POST /runs/{id}/documents`). */
  async file(tenant: TenantId, csid: string, docType: string): Promise<RecordFile> {
    const file = await this.findFile(tenant, csid, docType);
    if (file !== undefined) return file;
    await this.get(tenant, csid, docType);
    throw new DomainError('NOT_FOUND', `${docType} ${quoted(csid)} has no file`);
  }

  /** The runs of the tenant that acted on the record, newest first, each with the record's item status. */
  async runsOf(tenant: TenantId, csid: string, docType: string, paging: Paging): Promise<Page<RecordRun>> {
    await this.get(tenant, csid, docType);
    return this.store.runs.recordRuns(tenant, csid, paging);
  }

  /** The records among `csids` that exist, and the csids that do not. */
  getMany(tenant: TenantId, csids: readonly string[]): Promise<{ found: Map<string, StoredRecord>; missing: string[] }> {
    return inChunks(csids, async (chunk) => (await this.store.records.getMany(tenant, chunk)).map((record) => [record.csid, record]));
  }

  /** The doc type of each of `csids` that exists, and those that do not; no record is read whole. */
  docTypesOf(tenant: TenantId, csids: readonly string[]): Promise<{ found: Map<string, string>; missing: string[] }> {
    return inChunks(csids, (chunk) => this.store.records.docTypesOf(tenant, chunk));
  }

  async update(
    tenant: TenantId,
    csid: string,
    fields: RecordFields,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord> {
    const updated = await this.store.records.update(tenant, csid, fields, options);
    if (updated === undefined) throw new NotFoundError(options.docType ?? 'Record', csid);
    return updated;
  }

  /**
   * A client's update (PUT): sets the fields sent and keeps every other one, as CollectionSpace's
   * `RemoteDocumentModelHandlerImpl.fillPart` does; an empty field sent is kept empty, since clearing is data.
   * Fails the precondition when the record changed since `current` was read.
   */
  put(tenant: TenantId, current: StoredRecord, sent: RecordFields, options: { actor: string }): Promise<StoredRecord> {
    return this.update(tenant, current.csid, { ...current.fields, ...sent }, {
      ...options,
      docType: current.docType,
      expectedRevision: current.core.revision,
    });
  }

  /**
   * Follows a workflow transition of the record (`delete` soft-deletes, `undelete` restores), as CollectionSpace's
   * `PUT {csid}/workflow/{transition}` does; the same life cycle as definitions (src/domain/workflow.ts).
   */
  async transition(tenant: TenantId, csid: string, name: string, options: { actor: string; docType?: string }): Promise<StoredRecord> {
    const known = checkWorkflowTransition(name);
    const current = await this.get(tenant, csid, options.docType);
    const state = nextWorkflowState(current.core.workflowState, known, `${current.docType} '${csid}'`);
    const moved = await this.store.records.setWorkflowState(tenant, csid, state, { ...options, expectedRevision: current.core.revision });
    if (moved === undefined) throw new NotFoundError(options.docType ?? 'Record', csid);
    return moved;
  }

  /** Deletes the record and its relations; `false` when there was none. */
  remove(tenant: TenantId, csid: string, options: { docType?: string; expectedRevision?: number } = {}): Promise<boolean> {
    return this.store.records.delete(tenant, csid, options);
  }

  async delete(tenant: TenantId, csid: string, options: { docType?: string; expectedRevision?: number } = {}): Promise<void> {
    if (!(await this.remove(tenant, csid, options))) throw new NotFoundError(options.docType ?? 'Record', csid);
  }

  list(tenant: TenantId, query: RecordQuery): Promise<Page<StoredRecord>> {
    return this.store.records.list(tenant, query);
  }

  /**
   * Every matching record, oldest first, one batch of rows in memory at a time. The store resumes each batch
   * after the last record read, so records created meanwhile make it neither repeat nor skip one.
   */
  scan(tenant: TenantId, query: RecordFilter): AsyncIterable<StoredRecord> {
    return this.store.records.scan(tenant, query, { batchSize: SCAN_PAGE_SIZE });
  }

  /** The csids of `scan`, cheaper: a batch job queuing records it reads later. */
  scanCsids(tenant: TenantId, query: RecordFilter): AsyncIterable<string> {
    return this.store.records.scanCsids(tenant, query, { batchSize: SCAN_PAGE_SIZE });
  }

  async relate(tenant: TenantId, relation: Relation, actor: string): Promise<StoredRelation> {
    const { missing } = await this.docTypesOf(tenant, [relation.subjectCsid, relation.objectCsid]);
    if (missing.length > 0) throw new NotFoundError('Record', missing.join(', '));
    return this.store.relations.create(tenant, relation, actor);
  }

  async getRelation(tenant: TenantId, csid: string): Promise<StoredRelation> {
    const relation = await this.store.relations.get(tenant, csid);
    if (relation === undefined) throw new NotFoundError('Relation', csid);
    return relation;
  }

  async deleteRelation(tenant: TenantId, csid: string): Promise<void> {
    if (!(await this.store.relations.delete(tenant, csid))) throw new NotFoundError('Relation', csid);
  }

  listRelations(
    tenant: TenantId,
    query: { subjectCsid?: string; objectCsid?: string; relationshipType?: string; paging: Paging },
  ): Promise<Page<StoredRelation>> {
    return this.store.relations.list(tenant, query);
  }

  /**
   * Records related to `csid` in either direction (CollectionSpace often stores both directions; each related
   * record is returned once), optionally only through `relationshipType` and of `docType` (case-insensitive).
   */
  async findRelated(
    tenant: TenantId,
    csid: string,
    options: { relationshipType?: string; docType?: string } = {},
  ): Promise<StoredRecord[]> {
    const wanted = options.docType?.toLowerCase();
    const related = new Set<string>();
    const collect = async (side: 'subjectCsid' | 'objectCsid') => {
      for (let pageNum = 0; ; pageNum += 1) {
        const page = await this.store.relations.list(tenant, {
          [side]: csid,
          ...(options.relationshipType !== undefined && { relationshipType: options.relationshipType }),
          paging: { pageNum, pageSize: SCAN_PAGE_SIZE },
        });
        for (const relation of page.items) {
          const [otherCsid, otherType] =
            side === 'subjectCsid'
              ? [relation.objectCsid, relation.objectDocumentType]
              : [relation.subjectCsid, relation.subjectDocumentType];
          if (otherCsid !== csid && (wanted === undefined || otherType.toLowerCase() === wanted)) related.add(otherCsid);
        }
        if ((pageNum + 1) * SCAN_PAGE_SIZE >= page.totalItems) return;
      }
    };
    await collect('subjectCsid');
    await collect('objectCsid');
    const { found } = await this.getMany(tenant, [...related]);
    // Relation order, not lookup order, so results are stable between calls.
    return [...related].flatMap((id) => found.get(id) ?? []).filter(
      (record) => wanted === undefined || record.docType.toLowerCase() === wanted,
    );
  }

  /** The records a Group is related to (either direction), or a 404 when `groupCsid` is not a Group. */
  async groupMembers(tenant: TenantId, groupCsid: string): Promise<StoredRecord[]> {
    await this.get(tenant, groupCsid, GROUP_DOCTYPE);
    return this.findRelated(tenant, groupCsid);
  }
}

