/**
 * An item's staged store writes (`ItemWrites`) applied on SQLite, inside the run store's `complete` transaction
 * (the records, relations and runs share one database). Each item's writes get a savepoint of their own, so a
 * conflicting item's writes roll back alone while the batch's other items go on.
 */
import type { Csid, TenantId } from '../../domain/types.js';
import { createdCore, docTypeKey } from '../queryRules.js';
import { changedRecord, goneRecord } from '../runRules.js';
import type { ItemWrites } from '../runTypes.js';
import { toCoreParams } from './mappers.js';
import { RECORD_SQL, RELATION_SQL } from './sql.js';
import type { StatementCache } from './statements.js';

export class SqliteItemWrites {
  readonly #statements: StatementCache;
  readonly #insertRecord;
  readonly #updateRecord;
  readonly #revision;
  readonly #deleteRecord;
  readonly #deleteSubjectRelations;
  readonly #deleteObjectRelations;
  readonly #insertRelation;

  constructor(statements: StatementCache) {
    this.#statements = statements;
    this.#insertRecord = statements.prepare(RECORD_SQL.insertIfAbsent);
    this.#updateRecord = statements.prepare(RECORD_SQL.updateAtRevision);
    this.#revision = statements.prepare<{ revision: number }>(RECORD_SQL.revision);
    this.#deleteRecord = statements.prepare(RECORD_SQL.delete);
    this.#deleteSubjectRelations = statements.prepare(RECORD_SQL.deleteSubjectRelations);
    this.#deleteObjectRelations = statements.prepare(RECORD_SQL.deleteObjectRelations);
    this.#insertRelation = statements.prepare(RELATION_SQL.insertIfAbsent);
  }

  /**
   * Applies every one of `writes` or none; called inside a write transaction. Throws `WriteConflict`, having
   * applied none, when a record updated or deleted is no longer at the revision the item read, or a record a
   * relation names does not exist (once the item's own creates are in).
   */
  apply(tenant: TenantId, writes: ItemWrites, now: Date): void {
    this.#statements.savepoint(() => {
      const core = createdCore(tenant, writes.actor, now);
      const updatedAt = now.toISOString();
      for (const { csid, docType, fields } of writes.creates) {
        this.#insertRecord.run({ ...toCoreParams(csid as Csid, core), docType, docTypeKey: docTypeKey(docType), fields: JSON.stringify(fields) });
      }
      for (const { csid, fields, expectedRevision } of writes.updates) {
        const params = { csid, tenantId: tenant, fields: JSON.stringify(fields), updatedAt, updatedBy: writes.actor, expectedRevision };
        if (this.#updateRecord.run(params).changes === 0) throw changedRecord(csid);
      }
      for (const { csid, relation } of writes.relations) {
        for (const end of [relation.subjectCsid, relation.objectCsid]) {
          if (this.#revision.get(end, tenant) === undefined) throw goneRecord(end);
        }
        this.#insertRelation.run({ ...toCoreParams(csid as Csid, core), ...relation });
      }
      for (const { csid, expectedRevision } of writes.deletes) {
        if (this.#revision.get(csid, tenant)?.revision !== expectedRevision) throw changedRecord(csid);
        this.#deleteSubjectRelations.run(tenant, csid);
        this.#deleteObjectRelations.run(tenant, csid);
        this.#deleteRecord.run(csid, tenant);
      }
    });
  }
}
