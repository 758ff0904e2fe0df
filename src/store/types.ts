/**
 * The storage interface the rest of Invocables uses. Engines live in one folder each (`sqlite/`, `mongo/`)
 * and must pass the shared conformance suite in `test/store/`. Nothing engine-specific leaks through here:
 * ids are strings, times are `Date`s, and every method is scoped by a tenant.
 */
import type {
  BatchDefinition,
  InvocationMode,
  RecordFields,
  Relation,
  StoredDefinition,
  StoredRecord,
  StoredRelation,
  TenantId,
  WorkflowState,
} from '../domain/types.js';
import type { Page, Paging } from '../domain/paging.js';
import type { RecordFile } from '../domain/recordItems.js';
import type { DefinitionSearch, RecordSearch } from '../domain/searchFields.js';
import type { AuthStore } from './authTypes.js';
import type { ResultLinkStore } from './resultLinkTypes.js';
import type { RunStore } from './runTypes.js';
import type { ScheduleStore } from './scheduleTypes.js';
import type { IdempotencyStore } from './idempotencyTypes.js';
import type { StoreHealth } from './health.js';

export type StoreEngine = 'sqlite' | 'mongodb';

/** Who makes a change, and the revision the caller last saw (for `If-Match`). */
export interface WriteOptions {
  actor: string;
  /** When set and the stored revision differs, the write fails with `PreconditionFailedError` and changes nothing. */
  expectedRevision?: number;
}

export interface DeleteOptions {
  expectedRevision?: number;
}

export type SortDirection = 'asc' | 'desc';

export interface DefinitionQuery {
  /** Matches when any of `forDocTypes` equals it (case-sensitive, as CollectionSpace lists do). */
  docType?: string;
  /** Matches when any of these modes is enabled (always OR-ed among themselves). */
  modes?: InvocationMode[];
  /** Matches `className` exactly. */
  className?: string;
  /** How the docType, modes and className clauses combine. @defaultValue 'and' */
  combine?: 'and' | 'or';
  /** The `as` condition, AND-ed with the clauses above (src/domain/searchFields.ts says what it may name). */
  advancedSearch?: DefinitionSearch;
  /**
   * Workflow filter, AND-ed with the others whatever `combine` says: `active` leaves soft-deleted definitions out
   * (`wf_deleted=false`), `deleted` lists only them (`wf_only_deleted=true`); absent, every definition matches.
   */
  workflow?: 'active' | 'deleted';
  /** @defaultValue { field: 'updatedAt', direction: 'desc' } */
  sort?: { field: 'name' | 'updatedAt'; direction: SortDirection };
  paging: Paging;
}

/** What `createUnlessNamed` did: stored the definition, or found others of its name. */
export type NamedCreate = { created: StoredDefinition } | { named: [string, ...string[]] };

export interface DefinitionStore {
  /** Stores a new definition under a fresh csid at revision 1. */
  create(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<StoredDefinition>;
  /**
   * Stores a new definition as `create` does unless one of the tenant already has its name (soft-deleted ones
   * included), as one step: of two such creates of a name at once, in any processes, one stores its definition and
   * the other answers it. Answers the definition stored, or the csids of those of that name (by csid). `check` runs
   * only when the definition is to be stored, just before: what it throws is thrown, and nothing is stored. Names
   * are not unique otherwise (`create` stores any): an import's `dupe=skip|update` treats a name as one definition.
   */
  createUnlessNamed(tenant: TenantId, definition: BatchDefinition, actor: string, check: () => void): Promise<NamedCreate>;
  /** The definition whose csid or alias (`setAlias`) `id` is, or `undefined` when there is none in this tenant. */
  get(tenant: TenantId, id: string): Promise<StoredDefinition | undefined>;
  /** Replaces the definition and increments its revision; `undefined` when not found. */
  update(
    tenant: TenantId,
    csid: string,
    definition: BatchDefinition,
    options: WriteOptions,
  ): Promise<StoredDefinition | undefined>;
  /** Sets the workflow state (soft delete, undelete) and increments the revision; `undefined` when not found. */
  setWorkflowState(tenant: TenantId, csid: string, state: WorkflowState, options: WriteOptions): Promise<StoredDefinition | undefined>;
  /** Hard delete, with the definition's aliases; `false` when not found. */
  delete(tenant: TenantId, csid: string, options?: DeleteOptions): Promise<boolean>;
  /**
   * Makes `alias` a further id of definition `csid` in this tenant (OSID `aliasJobs`); an alias that named another
   * definition moves to this one. `undefined` when there is no definition `csid`; else the csid the alias named
   * before, if it named one. The caller checks the alias's shape (src/domain/definitionAliases.ts).
   * @throws DomainError CONFLICT, changing nothing, when the definition already has `maxAliases` other aliases
   */
  setAlias(tenant: TenantId, alias: string, csid: string, options: { maxAliases: number }): Promise<{ previous?: string } | undefined>;
  /** Matching definitions, one page, with the total count of all matches. */
  list(tenant: TenantId, query: DefinitionQuery): Promise<Page<StoredDefinition>>;
}

export interface RecordQuery {
  /** Matches any of these document types (case-insensitive); all types when absent. */
  docTypes?: string[];
  /** Top-level field equalities, AND-ed. Keys are plain identifiers (`[A-Za-z_][A-Za-z0-9_]*`). */
  fieldEquals?: Record<string, string>;
  /** Leaves soft-deleted records out (CollectionSpace's `wf_deleted=false`). @defaultValue false */
  excludeDeleted?: boolean;
  /** The `as` condition, AND-ed with the filters above. */
  advancedSearch?: RecordSearch;
  /** @defaultValue { field: 'updatedAt', direction: 'desc' } */
  sort?: { field: 'createdAt' | 'updatedAt'; direction: SortDirection };
  paging: Paging;
}

/** What `RecordStore.scan` matches: a list query without its page, order and advanced search. */
export type RecordFilter = Omit<RecordQuery, 'paging' | 'sort' | 'advancedSearch'>;

export interface RecordStore {
  create(tenant: TenantId, docType: string, fields: RecordFields, actor: string): Promise<StoredRecord>;
  /** With `docType`, the record must also be of that type (case-insensitive). */
  get(tenant: TenantId, csid: string, docType?: string): Promise<StoredRecord | undefined>;
  /** The records that exist among `csids`, in no particular order. */
  getMany(tenant: TenantId, csids: readonly string[]): Promise<StoredRecord[]>;
  /** The doc type of each record that exists among `csids`, by csid, without reading the records' fields. */
  docTypesOf(tenant: TenantId, csids: readonly string[]): Promise<Map<string, string>>;
  update(
    tenant: TenantId,
    csid: string,
    fields: RecordFields,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined>;
  /**
   * Moves the record to `workflowState` (CollectionSpace's soft delete and undelete), stamping the update and
   * keeping its fields; `undefined` when there is no such record.
   */
  setWorkflowState(
    tenant: TenantId,
    csid: string,
    workflowState: WorkflowState,
    options: WriteOptions & { docType?: string },
  ): Promise<StoredRecord | undefined>;
  /**
   * The file kept beside the record (a document item's upload, `RunStore.addRecordItems`); `undefined` when there
   * is no such record (of `docType`, when given) or it has no file. Deleting the record deletes its file.
   */
  file(tenant: TenantId, csid: string, docType?: string): Promise<RecordFile | undefined>;
  /** Deletes the record, its file and every relation that names it, in one transaction. */
  delete(tenant: TenantId, csid: string, options?: DeleteOptions & { docType?: string }): Promise<boolean>;
  list(tenant: TenantId, query: RecordQuery): Promise<Page<StoredRecord>>;
  /**
   * Every matching record, oldest first (createdAt, then csid), `batchSize` at a time. Each batch starts where
   * the last one ended instead of at an offset, so a record costs the same however far the scan has got.
   */
  scan(tenant: TenantId, query: RecordFilter, options: { batchSize: number }): AsyncIterable<StoredRecord>;
  /** The csids `scan` would yield, in its order, without reading the records. */
  scanCsids(tenant: TenantId, query: RecordFilter, options: { batchSize: number }): AsyncIterable<string>;
}

export interface RelationQuery {
  subjectCsid?: string;
  objectCsid?: string;
  relationshipType?: string;
  paging: Paging;
}

export interface RelationStore {
  create(tenant: TenantId, relation: Relation, actor: string): Promise<StoredRelation>;
  get(tenant: TenantId, csid: string): Promise<StoredRelation | undefined>;
  delete(tenant: TenantId, csid: string): Promise<boolean>;
  /** Oldest first, so that relation order is stable. */
  list(tenant: TenantId, query: RelationQuery): Promise<Page<StoredRelation>>;
}

/**
 * Counters the store moves on with every change to what each guards, made through this store or another process
 * sharing it: what was read of those may be kept while its counter stays the same.
 */
export interface Generations {
  /** Tenants, users (and their memberships), roles, OAuth revocations. */
  auth: number;
  /** Definitions and their aliases: whatever `DefinitionStore.get` answers. */
  definitions: number;
}

export interface Store {
  readonly engine: StoreEngine;
  readonly definitions: DefinitionStore;
  readonly records: RecordStore;
  readonly relations: RelationStore;
  /** Background runs and their items (src/store/runTypes.ts). */
  readonly runs: RunStore;
  /** Schedules of background runs (src/store/scheduleTypes.ts). */
  readonly schedules: ScheduleStore;
  /** Links to runs' results with an access scope (src/store/resultLinkTypes.ts). */
  readonly resultLinks: ResultLinkStore;
  /** Idempotency keys and the answers they replay (src/store/idempotencyTypes.ts). */
  readonly idempotency: IdempotencyStore;
  /** Tenants, users, roles and API tokens (src/store/authTypes.ts). */
  readonly auth: AuthStore;
  /** Whether the store takes writes; `health.check()` probes it now (see src/store/health.ts). */
  readonly health: StoreHealth;
  /** Every generation, read together (one statement per request). */
  generations(): Promise<Generations>;
  /** Releases the database (closes the file, or the client when the store opened it). Idempotent. */
  close(): Promise<void>;
}

