import type { Collection, Filter, Sort } from 'mongodb';
import type { Page } from '../../domain/paging.js';
import type { BatchDefinition, StoredDefinition, TenantId, WorkflowState } from '../../domain/types.js';
import { DomainError } from '../../domain/errors.js';
import type { DefinitionQuery, DefinitionStore, DeleteOptions, NamedCreate, WriteOptions } from '../types.js';
import type { Clock, DefinitionClause } from '../queryRules.js';
import {
  assertAliasRoom,
  checkedRevision,
  cleanDefinition,
  createdCore,
  describeDefinitionFilter,
  newCsid,
  requireString,
  resolveDefinitionSort,
  sortFactor,
} from '../queryRules.js';
import { definitionSearchFilter } from './advancedSearchFilter.js';
import type { MongoGenerations } from './generations.js';
import type { DefinitionAliasDocument, DefinitionDocument, DefinitionNameDocument } from './mappers.js';
import { toDefinitionDocument, toStoredDefinition } from './mappers.js';
import { atRevision, byCsid, findPage, isDuplicateKey, throwIfRevisionMismatch } from './operations.js';

function clauseFilter(clause: DefinitionClause): Filter<DefinitionDocument> {
  switch (clause.kind) {
    case 'docType':
      // Equality on an array field matches when any element equals the value.
      return { 'definition.forDocTypes': clause.docType };
    case 'modes':
      return { $or: clause.flags.map((flag) => ({ [`definition.${flag}`]: true })) };
    case 'className':
      return { 'definition.className': clause.className };
  }
}

function listFilter(tenant: TenantId, query: DefinitionQuery): Filter<DefinitionDocument> {
  const { combine, clauses } = describeDefinitionFilter(query);
  const tenantId = requireString(tenant, 'tenant');
  const workflow: Filter<DefinitionDocument> =
    query.workflow === undefined ? {} : { workflowState: query.workflow === 'deleted' ? 'deleted' : { $ne: 'deleted' } };
  const conditions: Array<Filter<DefinitionDocument>> = [];
  if (clauses.length > 0) {
    const filters = clauses.map(clauseFilter);
    conditions.push(combine === 'or' ? { $or: filters } : { $and: filters });
  }
  if (query.advancedSearch !== undefined) conditions.push(definitionSearchFilter(query.advancedSearch));
  return conditions.length === 0 ? { tenantId, ...workflow } : { tenantId, ...workflow, $and: conditions };
}

function listSort(query: DefinitionQuery): Sort {
  const sort = resolveDefinitionSort(query);
  const factor = sortFactor(sort.direction);
  return sort.field === 'name' ? { 'definition.name': factor, _id: factor } : { updatedAt: factor, _id: factor };
}

/** Times a create of a name tries to take over a stale claim that others keep taking over first. */
const CLAIM_ATTEMPTS = 5;
/**
 * How long a definition may stay marked `namePending`. A live create drops its mark (or deletes its definition)
 * within a few round trips; one marked longer was left by a process that died mid-create.
 */
export const NAME_PENDING_BOUND_MS = 60_000;

export interface DefinitionCollections {
  definitions: Collection<DefinitionDocument>;
  aliases: Collection<DefinitionAliasDocument>;
  /** Which definition a name stands for (`createUnlessNamed`). */
  claims: Collection<DefinitionNameDocument>;
}

/**
 * The public writes, each of which moves the definitions generation on once it is done (`Store.generations`):
 * whether it changed anything or failed half-way, a counter moved once too often only costs a read.
 */
const WRITES = ['create', 'createUnlessNamed', 'update', 'setWorkflowState', 'delete', 'setAlias'] as const;

export class MongoDefinitionStore implements DefinitionStore {
  readonly #definitions: Collection<DefinitionDocument>;
  readonly #aliases: Collection<DefinitionAliasDocument>;
  readonly #claims: Collection<DefinitionNameDocument>;
  readonly #now: Clock;

  constructor(collections: DefinitionCollections, now: Clock, generations: MongoGenerations) {
    this.#definitions = collections.definitions;
    this.#aliases = collections.aliases;
    this.#claims = collections.claims;
    this.#now = now;
    for (const name of WRITES) {
      const write = this[name] as (...args: never[]) => Promise<unknown>;
      this[name] = (async (...args: never[]) => {
        try {
          return await write.apply(this, args);
        } finally {
          await generations.moveOn('definitions');
        }
      }) as never;
    }
  }

  async create(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<StoredDefinition> {
    const document = toDefinitionDocument(newCsid(), definition, createdCore(tenant, actor, this.#now()));
    await this.#definitions.insertOne(document);
    return toStoredDefinition(document);
  }

  /**
   * Without a transaction: the definition is stored first, marked `namePending`, then claims its name (a unique
   * `_id`). The winner of two creates at once drops the mark; the loser deletes its own and answers the winner's.
   * Name checks pass over marked definitions, so the loser's, there for a moment (a list may show it), is never
   * answered. A claim is made after its definition is stored, so one whose definition is missing or named otherwise
   * is stale. A mark older than `NAME_PENDING_BOUND_MS` was left by a create that died: the next create of the name
   * drops it (see `#csidsNamed`), and what that create stored counts as a definition of its name.
   */
  async createUnlessNamed(tenant: TenantId, definition: BatchDefinition, actor: string, check: () => void): Promise<NamedCreate> {
    const [first, ...others] = await this.#csidsNamed(tenant, definition.name);
    if (first !== undefined) return { named: [first, ...others] };
    check();
    const document = toDefinitionDocument(newCsid(), definition, createdCore(tenant, actor, this.#now()));
    await this.#definitions.insertOne({ ...document, namePending: true });
    const filter = byCsid(tenant, document._id);
    const holder = await this.#claim(tenant, definition.name, document._id);
    if (holder !== document._id) {
      // Only while still marked: a create that found the mark stale meanwhile answered this definition.
      const { deletedCount } = await this.#definitions.deleteOne({ ...filter, namePending: true });
      return { named: deletedCount === 1 ? [holder] : ([holder, document._id].sort() as [string, string]) };
    }
    await this.#definitions.updateOne(filter, { $unset: { namePending: '' } });
    return { created: toStoredDefinition(document) };
  }

  /**
   * The definitions named so, but those a live create of the name may still delete (`namePending`). A mark older
   * than `NAME_PENDING_BOUND_MS` is dropped here and its definition counts: its create died, before claiming the
   * name (nothing holds it) or after (the claim names it), and what it stored is not lost.
   */
  async #csidsNamed(tenant: TenantId, name: string): Promise<string[]> {
    const filter = { tenantId: requireString(tenant, 'tenant'), 'definition.name': requireString(name, 'name') };
    const projection = { _id: 1, namePending: 1, createdAt: 1 };
    const found = await this.#definitions.find(filter, { projection }).sort({ _id: 1 }).toArray();
    const staleBefore = this.#now().getTime() - NAME_PENDING_BOUND_MS;
    const stale = new Set(found.filter((document) => document.namePending === true && document.createdAt.getTime() < staleBefore).map((document) => document._id));
    if (stale.size > 0) await this.#definitions.updateMany({ _id: { $in: [...stale] }, namePending: true }, { $unset: { namePending: '' } });
    return found.filter((document) => document.namePending !== true || stale.has(document._id)).map((document) => document._id);
  }

  /** Makes the name stand for definition `csid` unless a definition of that name holds it; answers the holder. */
  async #claim(tenant: TenantId, name: string, csid: string): Promise<string> {
    const _id = JSON.stringify([tenant, name]);
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt += 1) {
      try {
        await this.#claims.insertOne({ _id, tenantId: tenant, definitionCsid: csid });
        return csid;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const claim = await this.#claims.findOne({ _id });
      if (claim === null) continue;
      const holder = await this.#definitions.findOne(byCsid(tenant, claim.definitionCsid), { projection: { 'definition.name': 1 } });
      if (holder?.definition.name === name) return claim.definitionCsid;
      const { modifiedCount } = await this.#claims.updateOne({ _id, definitionCsid: claim.definitionCsid }, { $set: { definitionCsid: csid } });
      if (modifiedCount === 1) return csid;
    }
    throw new DomainError('CONFLICT', `Definitions named '${name.slice(0, 100)}' are being created at once; try again`);
  }

  async get(tenant: TenantId, id: string): Promise<StoredDefinition | undefined> {
    const document = (await this.#definitions.findOne(byCsid(tenant, id))) ?? (await this.#byAlias(tenant, id));
    return document === null ? undefined : toStoredDefinition(document);
  }

  async #byAlias(tenant: TenantId, alias: string): Promise<DefinitionDocument | null> {
    const found = await this.#aliases.findOne({ tenantId: requireString(tenant, 'tenant'), alias: requireString(alias, 'alias') });
    return found === null ? null : this.#definitions.findOne(byCsid(tenant, found.definitionCsid));
  }

  async setAlias(tenant: TenantId, alias: string, csid: string, options: { maxAliases: number }): Promise<{ previous?: string } | undefined> {
    if ((await this.#definitions.countDocuments(byCsid(tenant, csid), { limit: 1 })) === 0) return undefined;
    // Counted before the write, without a transaction: two requests at once may each add the last one allowed.
    const others = await this.#aliases.countDocuments({ tenantId: tenant, definitionCsid: csid, alias: { $ne: alias } });
    assertAliasRoom(csid, others, options.maxAliases);
    const before = await this.#aliases.findOneAndUpdate(
      { tenantId: requireString(tenant, 'tenant'), alias: requireString(alias, 'alias') },
      { $set: { definitionCsid: csid } },
      { upsert: true, returnDocument: 'before' },
    );
    // A definition deleted meanwhile leaves an alias that finds nothing (`get` reads through to the definition).
    return before === null || before.definitionCsid === csid ? {} : { previous: before.definitionCsid };
  }

  async update(
    tenant: TenantId,
    csid: string,
    definition: BatchDefinition,
    options: WriteOptions,
  ): Promise<StoredDefinition | undefined> {
    return this.#write(tenant, csid, { definition: cleanDefinition(definition) }, options);
  }

  async setWorkflowState(tenant: TenantId, csid: string, state: WorkflowState, options: WriteOptions): Promise<StoredDefinition | undefined> {
    return this.#write(tenant, csid, { workflowState: state }, options);
  }

  /** One change of a stored definition, at the revision `options` expects. */
  async #write(
    tenant: TenantId,
    csid: string,
    values: Partial<DefinitionDocument>,
    options: WriteOptions,
  ): Promise<StoredDefinition | undefined> {
    const filter = byCsid(tenant, csid);
    const expected = checkedRevision(options.expectedRevision);
    const document = await this.#definitions.findOneAndUpdate(
      atRevision<DefinitionDocument>(filter, expected),
      { $set: { ...values, updatedAt: this.#now(), updatedBy: options.actor }, $inc: { revision: 1 } },
      { returnDocument: 'after' },
    );
    if (document !== null) return toStoredDefinition(document);
    await throwIfRevisionMismatch(this.#definitions, filter, 'definition', expected);
    return undefined;
  }

  async delete(tenant: TenantId, csid: string, options: DeleteOptions = {}): Promise<boolean> {
    const filter = byCsid(tenant, csid);
    const expected = checkedRevision(options.expectedRevision);
    const { deletedCount } = await this.#definitions.deleteOne(atRevision<DefinitionDocument>(filter, expected));
    if (deletedCount > 0) {
      await this.#aliases.deleteMany({ tenantId: filter.tenantId, definitionCsid: filter._id });
      return true;
    }
    await throwIfRevisionMismatch(this.#definitions, filter, 'definition', expected);
    return false;
  }

  async list(tenant: TenantId, query: DefinitionQuery): Promise<Page<StoredDefinition>> {
    return findPage(this.#definitions, listFilter(tenant, query), listSort(query), query.paging, toStoredDefinition);
  }
}
