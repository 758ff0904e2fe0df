/**
 * The `RecordsService` a plugin gets for one attempt at one run item: writes are staged here, not sent to the
 * store, and go to the store with the item's outcome (`ItemOutcome.writes`, applied by `RunStore.complete` in one
 * transaction with it), or never. Reads see the store overlaid with the attempt's own writes. Once the attempt
 * has ended (`seal`: it finished, failed, timed out, was cancelled or taken over) further writes throw, so a
 * plugin that ignores its signal cannot write late.
 *
 * Created records and relations get their csid at once, derived from the item's idempotency key and the create's
 * ordinal: a replayed attempt (a retry, a crash) creates the same csids, and a create whose csid is already
 * stored is skipped. Updates and deletes remember the revision the item first read the record at (the item's own
 * record counts as read when it was claimed); at commit a record no longer at that revision is a conflict.
 */
import { DomainError, NotFoundError, ValidationError } from '../domain/errors.js';
import { nameBasedUuid } from '../domain/recordItems.js';
import { GROUP_DOCTYPE, type Csid, type RecordFields, type Relation, type StoredRecord, type TenantId } from '../domain/types.js';
import type { ItemInfo, RecordFileContent, RecordsService } from '../plugins/contract.js';
import { createdCore, docTypeKey, fieldEqualities, requireString, systemClock, type Clock } from '../store/queryRules.js';
import type { ItemWrites } from '../store/runTypes.js';
import type { RecordService } from './recordService.js';

/** The UUID v5 namespace of staged csids (a fixed random UUID): they cannot collide with another scheme's. */
const STAGED_CSID_NAMESPACE = Buffer.from('4f0b6c3e9d2a4e7b8c51a0f3d6e2b7c9', 'hex');

/** A UUID v5 (SHA-1, RFC 9562) of `kind` number `ordinal` created by the item with `idempotencyKey`. */
export function stagedCsid(idempotencyKey: string, kind: 'record' | 'relation', ordinal: number): Csid {
  return nameBasedUuid(STAGED_CSID_NAMESPACE, `${idempotencyKey}\n${kind}\n${ordinal}`);
}

/** What an attempt staged; allocated on its first write, so an item that writes nothing costs nothing here. */
interface Staging {
  created: Map<string, StoredRecord>;
  /** Stored records the item changed, as it made them, with the revision it read them at. */
  updated: Map<string, { record: StoredRecord; expectedRevision: number }>;
  /** Stored records the item deleted, with the revision it read them at. */
  deleted: Map<string, number>;
  relations: Map<string, Relation>;
  ordinals: { record: number; relation: number };
}

export interface StagedRecordsOptions {
  records: RecordService;
  tenant: TenantId;
  /** Who creates and updates: the user who started the run. */
  user: string;
  item: ItemInfo;
  /** The record a per-record item works on, as the worker read it when it claimed the item. */
  given?: StoredRecord;
  now?: Clock;
}

/** A copy the plugin may change without changing what is staged. */
function copyOf(record: StoredRecord): StoredRecord {
  return { ...record, fields: structuredClone(record.fields), core: { ...record.core } };
}

/** Fields as the store keeps them (JSON), refused here rather than at commit, where they would fail a whole batch. */
function plainFields(fields: unknown): RecordFields {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    throw new ValidationError("A record's fields must be an object");
  }
  try {
    return JSON.parse(JSON.stringify(fields)) as RecordFields;
  } catch (err) {
    throw new ValidationError(`A record's fields must be JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The order of `RecordStore.scan`: oldest first, then by csid. */
function byCreation(a: StoredRecord, b: StoredRecord): number {
  const time = a.core.createdAt.getTime() - b.core.createdAt.getTime();
  if (time !== 0) return time;
  return a.csid < b.csid ? -1 : a.csid > b.csid ? 1 : 0;
}

export class StagedRecords implements RecordsService {
  readonly #records: RecordService;
  readonly #tenant: TenantId;
  readonly #user: string;
  readonly #item: ItemInfo;
  readonly #given: StoredRecord | undefined;
  readonly #now: Clock;
  #staging: Staging | undefined;
  /** The revision each stored record was first read at, but the given record's. */
  #read: Map<string, number> | undefined;
  #sealed = false;

  constructor(options: StagedRecordsOptions) {
    this.#records = options.records;
    this.#tenant = options.tenant;
    this.#user = options.user;
    this.#item = options.item;
    this.#given = options.given;
    this.#now = options.now ?? systemClock;
  }

  /** Ends the attempt: later writes throw. Answers what it staged, for a completed item's outcome. */
  seal(): ItemWrites | undefined {
    this.#sealed = true;
    const staging = this.#staging;
    if (staging === undefined) return undefined;
    return {
      actor: this.#user,
      creates: [...staging.created.values()].map(({ csid, docType, fields }) => ({ csid, docType, fields })),
      updates: [...staging.updated.values()].map(({ record, expectedRevision }) => ({ csid: record.csid, fields: record.fields, expectedRevision })),
      relations: [...staging.relations].map(([csid, relation]) => ({ csid, relation })),
      deletes: [...staging.deleted].map(([csid, expectedRevision]) => ({ csid, expectedRevision })),
    };
  }

  async create(docType: string, fields: RecordFields): Promise<StoredRecord> {
    docTypeKey(docType);
    const clean = plainFields(fields);
    const staging = this.#writable();
    const csid = stagedCsid(this.#item.idempotencyKey, 'record', staging.ordinals.record++);
    const record: StoredRecord = { csid, docType, fields: clean, core: createdCore(this.#tenant, this.#user, this.#now()) };
    staging.created.set(csid, record);
    return copyOf(record);
  }

  async get(csid: string, docType?: string): Promise<StoredRecord | undefined> {
    const staged = this.#stagedVersion(csid);
    if (staged === 'deleted') return undefined;
    if (staged !== undefined) return docType === undefined || docTypeKey(docType) === docTypeKey(staged.docType) ? copyOf(staged) : undefined;
    const record = await this.#records.find(this.#tenant, csid, docType);
    return record === undefined ? undefined : this.#saw(record);
  }

  /** A stored record's file; a record this attempt deleted has none any more, one it created never had one. */
  async file(csid: string): Promise<RecordFileContent | undefined> {
    requireString(csid, 'csid');
    if (this.#stagedVersion(csid) === 'deleted' || this.#staging?.created.has(csid) === true) return undefined;
    return this.#records.findFile(this.#tenant, csid);
  }

  async update(csid: string, fields: RecordFields): Promise<StoredRecord> {
    requireString(csid, 'csid');
    const clean = plainFields(fields);
    this.#assertOpen();
    const stored = await this.#current(csid);
    // Other calls of this attempt may have staged the record meanwhile, or the attempt may have ended.
    this.#assertOpen();
    const staged = this.#stagedVersion(csid);
    const base = staged === 'deleted' ? undefined : (staged ?? stored);
    if (base === undefined) throw new NotFoundError('Record', csid);
    const staging = this.#writable();
    const core = { ...base.core, updatedAt: this.#now(), updatedBy: this.#user };
    if (staging.created.has(csid)) {
      const record = { ...base, fields: clean, core };
      staging.created.set(csid, record);
      return copyOf(record);
    }
    // However often the item updates a record, it is one update at commit: one revision more than it read.
    const expectedRevision = this.#revisionRead(csid) as number;
    const record = { ...base, fields: clean, core: { ...core, revision: expectedRevision + 1 } };
    staging.updated.set(csid, { record, expectedRevision });
    return copyOf(record);
  }

  async delete(csid: string): Promise<boolean> {
    requireString(csid, 'csid');
    this.#assertOpen();
    const stored = await this.#current(csid);
    this.#assertOpen();
    const staged = this.#stagedVersion(csid);
    if (staged === 'deleted' || (staged ?? stored) === undefined) return false;
    const staging = this.#writable();
    // As in the store, a record's relations go with it.
    for (const [relationCsid, relation] of staging.relations) {
      if (relation.subjectCsid === csid || relation.objectCsid === csid) staging.relations.delete(relationCsid);
    }
    if (staging.created.delete(csid)) return true;
    staging.updated.delete(csid);
    staging.deleted.set(csid, this.#revisionRead(csid) as number);
    return true;
  }

  async find(docType: string, fieldEquals?: Record<string, string>, options?: { limit?: number }): Promise<StoredRecord[]> {
    const wanted = docTypeKey(docType);
    const equalities = fieldEqualities(fieldEquals);
    // As the store matches: the doc type case-insensitively, and string fields only.
    const matches = (record: StoredRecord) => docTypeKey(record.docType) === wanted && equalities.every(([key, value]) => record.fields[key] === value);
    const ahead = this.#stagedRecords().filter(matches).sort(byCreation);
    const limit = options?.limit;
    const found: StoredRecord[] = [];
    const full = () => limit !== undefined && found.length >= limit;
    const takeStagedBefore = (stored: StoredRecord | undefined) => {
      while (!full() && ahead.length > 0 && (stored === undefined || byCreation(ahead[0] as StoredRecord, stored) < 0)) {
        found.push(copyOf(ahead.shift() as StoredRecord));
      }
    };
    for await (const stored of this.#records.scan(this.#tenant, { docTypes: [docType], ...(fieldEquals !== undefined && { fieldEquals }) })) {
      takeStagedBefore(stored);
      if (full()) break;
      // A staged record is deleted, or among `ahead` in its staged version when that still matches.
      if (this.#stagedVersion(stored.csid) === undefined) found.push(this.#saw(stored));
    }
    takeStagedBefore(undefined);
    return found;
  }

  async relate(subject: { csid: string; docType: string }, relationshipType: string, object: { csid: string; docType: string }): Promise<string> {
    const relation: Relation = {
      subjectCsid: requireString(subject?.csid, 'subject.csid') as Csid,
      subjectDocumentType: requireString(subject?.docType, 'subject.docType'),
      relationshipType: requireString(relationshipType, 'relationshipType'),
      objectCsid: requireString(object?.csid, 'object.csid') as Csid,
      objectDocumentType: requireString(object?.docType, 'object.docType'),
    };
    this.#assertOpen();
    const ends = [...new Set<string>([relation.subjectCsid, relation.objectCsid])];
    const found = await Promise.all(ends.map((csid) => this.#current(csid)));
    this.#assertOpen();
    const missing = ends.filter((csid, index) => this.#stagedVersion(csid) === 'deleted' || (this.#stagedVersion(csid) ?? found[index]) === undefined);
    if (missing.length > 0) throw new NotFoundError('Record', missing.join(', '));
    const staging = this.#writable();
    const csid = stagedCsid(this.#item.idempotencyKey, 'relation', staging.ordinals.relation++);
    staging.relations.set(csid, relation);
    return csid;
  }

  async findRelated(csid: string, options: { relationshipType?: string; docType?: string } = {}): Promise<StoredRecord[]> {
    if (this.#stagedVersion(csid) === 'deleted') return [];
    const wanted = options.docType === undefined ? undefined : docTypeKey(options.docType);
    const related = new Map<string, StoredRecord>();
    for (const stored of await this.#records.findRelated(this.#tenant, csid, options)) {
      const staged = this.#stagedVersion(stored.csid);
      if (staged === 'deleted') continue;
      related.set(stored.csid, staged === undefined ? this.#saw(stored) : copyOf(staged));
    }
    for (const relation of this.#staging?.relations.values() ?? []) {
      if (options.relationshipType !== undefined && relation.relationshipType !== options.relationshipType) continue;
      const other =
        relation.subjectCsid === csid
          ? { csid: relation.objectCsid, docType: relation.objectDocumentType }
          : relation.objectCsid === csid
            ? { csid: relation.subjectCsid, docType: relation.subjectDocumentType }
            : undefined;
      if (other === undefined || other.csid === csid || related.has(other.csid)) continue;
      if (wanted !== undefined && docTypeKey(other.docType) !== wanted) continue;
      const record = await this.get(other.csid);
      if (record !== undefined && (wanted === undefined || docTypeKey(record.docType) === wanted)) related.set(other.csid, record);
    }
    return [...related.values()];
  }

  async groupMembers(groupCsid: string): Promise<StoredRecord[]> {
    if ((await this.get(groupCsid, GROUP_DOCTYPE)) === undefined) throw new NotFoundError(GROUP_DOCTYPE, groupCsid);
    return this.findRelated(groupCsid);
  }

  /** The staging, once checked that the attempt has not ended. */
  #writable(): Staging {
    this.#assertOpen();
    this.#staging ??= { created: new Map(), updated: new Map(), deleted: new Map(), relations: new Map(), ordinals: { record: 0, relation: 0 } };
    return this.#staging;
  }

  #assertOpen(): void {
    if (this.#sealed) {
      const { key, runId, attempt } = this.#item;
      throw new DomainError(
        'CONFLICT',
        `Attempt ${attempt} at item '${key}' of run '${runId}' has ended (finished, failed, timed out, cancelled or taken over): its writes are refused`,
      );
    }
  }

  /** The attempt's version of a record: `deleted`, the record as staged, or `undefined` when it did not write it. */
  #stagedVersion(csid: string): StoredRecord | 'deleted' | undefined {
    const staging = this.#staging;
    if (staging === undefined) return undefined;
    if (staging.deleted.has(csid)) return 'deleted';
    return staging.created.get(csid) ?? staging.updated.get(csid)?.record;
  }

  #stagedRecords(): StoredRecord[] {
    const staging = this.#staging;
    return staging === undefined ? [] : [...staging.created.values(), ...[...staging.updated.values()].map((update) => update.record)];
  }

  /**
   * The record a write starts from: the staged version, the given record, or the stored one (noting the revision
   * read). Stale ones are caught at commit by their revision.
   */
  async #current(csid: string): Promise<StoredRecord | undefined> {
    const staged = this.#stagedVersion(csid);
    if (staged === 'deleted') return undefined;
    if (staged !== undefined) return staged;
    if (this.#given?.csid === csid) return this.#given;
    const record = await this.#records.find(this.#tenant, csid);
    return record === undefined ? undefined : this.#saw(record);
  }

  #revisionRead(csid: string): number | undefined {
    return this.#given?.csid === csid ? this.#given.core.revision : this.#read?.get(csid);
  }

  /** Notes the revision of a stored record the first time the attempt reads it. */
  #saw(record: StoredRecord): StoredRecord {
    if (this.#revisionRead(record.csid) === undefined) (this.#read ??= new Map()).set(record.csid, record.core.revision);
    return record;
  }
}
