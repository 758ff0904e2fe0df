/**
 * An item's staged store writes (`ItemWrites`) applied on MongoDB for `MongoRunStore.complete`: checked first,
 * then written. In a transaction (replica set or sharded cluster) the check and the writes share one snapshot
 * and commit with the item's outcome. Without one (a standalone server) each write is idempotent on its own:
 * creates and relations are upserts of their deterministic csids, updates and deletes are filtered by the
 * revision the item read, so a write is never applied twice nor over another writer's change; but an item's
 * writes are no longer all or nothing (see the README, Storage).
 */
import { Binary, type ClientSession, type Collection } from 'mongodb';
import type { ItemRecord } from '../../domain/recordItems.js';
import type { Csid, TenantId } from '../../domain/types.js';
import { createdCore, requireString } from '../queryRules.js';
import { changedRecord, goneRecord, type WriteConflict } from '../runRules.js';
import type { ItemWrites } from '../runTypes.js';
import type { RecordDocument, RecordFileDocument, RelationDocument } from './mappers.js';
import { toRecordDocument, toRelationDocument } from './mappers.js';

export class MongoItemWrites {
  readonly #records: Collection<RecordDocument>;
  readonly #relations: Collection<RelationDocument>;
  readonly #files: Collection<RecordFileDocument>;

  constructor(records: Collection<RecordDocument>, relations: Collection<RelationDocument>, files: Collection<RecordFileDocument>) {
    this.#records = records;
    this.#relations = relations;
    this.#files = files;
  }

  /**
   * Document items' records and their files (`RunStore.addRecordItems`): files first, then records, each an upsert
   * of its csid, so a retry finishes what an attempt began, and a file is only ever served once its record exists.
   * Answers the csids whose records this call created (not those already stored).
   */
  async createRecords(tenant: TenantId, records: readonly ItemRecord[], actor: string, now: Date): Promise<string[]> {
    const tenantId = requireString(tenant, 'tenant');
    const files = records.flatMap(({ csid, file }) => {
      if (file === undefined) return [];
      const { content, ...described } = file;
      const document = { tenantId, ...described, content: new Binary(content) };
      return [{ updateOne: { filter: { _id: csid as string }, update: { $setOnInsert: document }, upsert: true } }];
    });
    if (files.length > 0) await this.#files.bulkWrite(files, { ordered: true });
    const core = createdCore(tenant, actor, now);
    const upserts = records.map(({ csid, docType, fields }) => {
      const { _id, ...document } = toRecordDocument(csid, docType, fields, core);
      return { updateOne: { filter: { _id }, update: { $setOnInsert: document }, upsert: true } };
    });
    const { upsertedIds } = await this.#records.bulkWrite(upserts, { ordered: true });
    return Object.values(upsertedIds).map(String);
  }

  /** Takes back records `createRecords` created, with their files, when their items were refused. */
  async removeRecords(tenant: TenantId, csids: readonly string[]): Promise<void> {
    if (csids.length === 0) return;
    const tenantId = requireString(tenant, 'tenant');
    await this.#records.deleteMany({ tenantId, _id: { $in: [...csids] } });
    await this.#files.deleteMany({ tenantId, _id: { $in: [...csids] } });
  }

  /**
   * Applies `writes`, or throws `WriteConflict` having applied none when a record updated or deleted is no longer
   * at the revision the item read, or a record a relation names (other than the item's own creates) is gone.
   */
  async apply(tenant: TenantId, writes: ItemWrites, now: Date, session: ClientSession | undefined): Promise<void> {
    const conflict = await this.#conflict(tenant, writes, session);
    if (conflict !== undefined) throw conflict;
    const tenantId = requireString(tenant, 'tenant');
    const core = createdCore(tenant, writes.actor, now);
    if (writes.creates.length > 0) {
      const upserts = writes.creates.map(({ csid, docType, fields }) => {
        const { _id, ...document } = toRecordDocument(csid as Csid, docType, fields, core);
        return { updateOne: { filter: { _id }, update: { $setOnInsert: document }, upsert: true } };
      });
      await this.#records.bulkWrite(upserts, { ordered: true, session });
    }
    for (const { csid, fields, expectedRevision } of writes.updates) {
      const { matchedCount } = await this.#records.updateOne(
        { _id: csid, tenantId, revision: expectedRevision },
        { $set: { fields: structuredClone(fields), updatedAt: now, updatedBy: writes.actor }, $inc: { revision: 1 } },
        { session },
      );
      if (matchedCount === 0) throw missed(csid, session);
    }
    if (writes.relations.length > 0) {
      const upserts = writes.relations.map(({ csid, relation }) => {
        const { _id, ...document } = toRelationDocument(csid as Csid, relation, core);
        return { updateOne: { filter: { _id }, update: { $setOnInsert: document }, upsert: true } };
      });
      await this.#relations.bulkWrite(upserts, { ordered: true, session });
    }
    for (const { csid, expectedRevision } of writes.deletes) {
      await this.#relations.deleteMany({ tenantId, $or: [{ subjectCsid: csid }, { objectCsid: csid }] }, { session });
      const { deletedCount } = await this.#records.deleteOne({ _id: csid, tenantId, revision: expectedRevision }, { session });
      if (deletedCount === 0) throw missed(csid, session);
      await this.#files.deleteOne({ _id: csid, tenantId }, { session });
    }
  }

  /** The first conflict among `writes`, read in one query. */
  async #conflict(tenant: TenantId, writes: ItemWrites, session: ClientSession | undefined): Promise<WriteConflict | undefined> {
    const created = new Set(writes.creates.map((create) => create.csid));
    const expected = new Map([...writes.updates, ...writes.deletes].map((write) => [write.csid, write.expectedRevision]));
    const ends = writes.relations
      .flatMap(({ relation }) => [relation.subjectCsid as string, relation.objectCsid as string])
      .filter((csid) => !created.has(csid));
    const wanted = [...new Set([...expected.keys(), ...ends])];
    if (wanted.length === 0) return undefined;
    const found = await this.#records
      .find({ tenantId: requireString(tenant, 'tenant'), _id: { $in: wanted } }, { session, projection: { revision: 1 } })
      .toArray();
    const revisions = new Map(found.map((document) => [document._id, document.revision]));
    for (const [csid, revision] of expected) if (revisions.get(csid) !== revision) return changedRecord(csid);
    for (const csid of ends) if (!revisions.has(csid)) return goneRecord(csid);
    return undefined;
  }
}

/**
 * A write filtered by the revision the check just read matched nothing: another writer got in between. Only
 * possible without a transaction (which shares one snapshot with the check): a conflict found late, the writes
 * before it already applied. In a transaction, aborting it is the safe answer.
 */
function missed(csid: string, session: ClientSession | undefined): Error {
  return session === undefined ? changedRecord(csid) : new Error(`Record '${csid}' changed inside the transaction applying an item's writes`);
}
