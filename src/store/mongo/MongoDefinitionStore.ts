import type { Collection, Filter, Sort } from 'mongodb';
import type { Page } from '../../domain/paging.js';
import type { BatchDefinition, StoredDefinition, TenantId, WorkflowState } from '../../domain/types.js';
import type { DefinitionQuery, DefinitionStore, DeleteOptions, WriteOptions } from '../types.js';
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
import type { DefinitionAliasDocument, DefinitionDocument } from './mappers.js';
import { toDefinitionDocument, toStoredDefinition } from './mappers.js';
import { atRevision, byCsid, findPage, throwIfRevisionMismatch } from './operations.js';

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

export class MongoDefinitionStore implements DefinitionStore {
  readonly #definitions: Collection<DefinitionDocument>;
  readonly #aliases: Collection<DefinitionAliasDocument>;
  readonly #now: Clock;

  constructor(definitions: Collection<DefinitionDocument>, aliases: Collection<DefinitionAliasDocument>, now: Clock) {
    this.#definitions = definitions;
    this.#aliases = aliases;
    this.#now = now;
  }

  async create(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<StoredDefinition> {
    const document = toDefinitionDocument(newCsid(), definition, createdCore(tenant, actor, this.#now()));
    await this.#definitions.insertOne(document);
    return toStoredDefinition(document);
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
