import type { Page } from '../../domain/paging.js';
import type { BatchDefinition, StoredDefinition, TenantId, WorkflowState } from '../../domain/types.js';
import type { DefinitionQuery, DefinitionStore, DeleteOptions, NamedCreate, WriteOptions } from '../types.js';
import type { Clock } from '../queryRules.js';
import { assertAliasRoom, assertRevision, createdCore, newCsid } from '../queryRules.js';
import type { DefinitionRow } from './mappers.js';
import { toCoreParams, toStoredDefinition } from './mappers.js';
import { DEFINITION_SQL, definitionListSql } from './sql.js';
import type { LiveStatement, StatementCache } from './statements.js';
import { returnedRow } from './statements.js';

export class SqliteDefinitionStore implements DefinitionStore {
  readonly #statements: StatementCache;
  readonly #now: Clock;
  readonly #insert;
  readonly #get;
  readonly #revision;
  readonly #csidsNamed;
  readonly #update;
  readonly #setWorkflowState;
  readonly #delete;
  readonly #aliasTarget;
  readonly #aliasCount;
  readonly #setAlias;

  constructor(statements: StatementCache, now: Clock) {
    this.#statements = statements;
    this.#now = now;
    this.#insert = statements.prepare<DefinitionRow>(DEFINITION_SQL.insert);
    this.#get = statements.prepare<DefinitionRow>(DEFINITION_SQL.get);
    this.#revision = statements.prepare<number>(DEFINITION_SQL.revision).pluck();
    this.#csidsNamed = statements.prepare<string>(DEFINITION_SQL.csidsNamed).pluck();
    this.#update = statements.prepare<DefinitionRow>(DEFINITION_SQL.update);
    this.#setWorkflowState = statements.prepare<DefinitionRow>(DEFINITION_SQL.setWorkflowState);
    this.#delete = statements.prepare(DEFINITION_SQL.delete);
    this.#aliasTarget = statements.prepare<string>(DEFINITION_SQL.aliasTarget).pluck();
    this.#aliasCount = statements.prepare<number>(DEFINITION_SQL.aliasCount).pluck();
    this.#setAlias = statements.prepare(DEFINITION_SQL.setAlias);
  }

  async create(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<StoredDefinition> {
    return this.#created(tenant, definition, actor);
  }

  #created(tenant: TenantId, definition: BatchDefinition, actor: string): StoredDefinition {
    const core = createdCore(tenant, actor, this.#now());
    const params = { ...toCoreParams(newCsid(), core), body: JSON.stringify(definition) };
    return toStoredDefinition(returnedRow(this.#insert.get(params)));
  }

  // One write transaction (BEGIN IMMEDIATE): SQLite lets one writer in at a time, whatever the process.
  async createUnlessNamed(tenant: TenantId, definition: BatchDefinition, actor: string, check: () => void): Promise<NamedCreate> {
    return this.#statements.write(() => {
      const [first, ...others] = this.#csidsNamed.all(tenant, definition.name);
      if (first !== undefined) return { named: [first, ...others] };
      check();
      return { created: this.#created(tenant, definition, actor) };
    });
  }

  async get(tenant: TenantId, id: string): Promise<StoredDefinition | undefined> {
    const row = this.#get.get({ tenantId: tenant, id });
    return row === undefined ? undefined : toStoredDefinition(row);
  }

  async update(
    tenant: TenantId,
    csid: string,
    definition: BatchDefinition,
    options: WriteOptions,
  ): Promise<StoredDefinition | undefined> {
    return this.#write(this.#update, tenant, csid, { body: JSON.stringify(definition) }, options);
  }

  async setWorkflowState(tenant: TenantId, csid: string, state: WorkflowState, options: WriteOptions): Promise<StoredDefinition | undefined> {
    return this.#write(this.#setWorkflowState, tenant, csid, { workflowState: state }, options);
  }

  /** One change of a stored definition, at the revision `options` expects. */
  #write(
    statement: LiveStatement<DefinitionRow>,
    tenant: TenantId,
    csid: string,
    values: Record<string, string>,
    options: WriteOptions,
  ): StoredDefinition | undefined {
    const row = this.#statements.write(() => {
      const revision = this.#revision.get(csid, tenant);
      if (revision === undefined) return undefined;
      assertRevision('definition', csid, revision, options.expectedRevision);
      const params = { csid, tenantId: tenant, ...values, updatedAt: this.#now().toISOString(), updatedBy: options.actor };
      return returnedRow(statement.get(params));
    });
    return row === undefined ? undefined : toStoredDefinition(row);
  }

  async delete(tenant: TenantId, csid: string, options: DeleteOptions = {}): Promise<boolean> {
    return this.#statements.write(() => {
      const revision = this.#revision.get(csid, tenant);
      if (revision === undefined) return false;
      assertRevision('definition', csid, revision, options.expectedRevision);
      return this.#delete.run(csid, tenant).changes > 0;
    });
  }

  async setAlias(tenant: TenantId, alias: string, csid: string, options: { maxAliases: number }): Promise<{ previous?: string } | undefined> {
    return this.#statements.write(() => {
      if (this.#revision.get(csid, tenant) === undefined) return undefined;
      const previous = this.#aliasTarget.get(tenant, alias);
      if (previous !== csid) assertAliasRoom(csid, this.#aliasCount.get(tenant, csid) ?? 0, options.maxAliases);
      this.#setAlias.run({ tenantId: tenant, alias, csid });
      return previous === undefined || previous === csid ? {} : { previous };
    });
  }

  async list(tenant: TenantId, query: DefinitionQuery): Promise<Page<StoredDefinition>> {
    const sql = definitionListSql(tenant, query);
    return this.#statements.page(sql.count, sql.select, query.paging, toStoredDefinition, { cache: query.advancedSearch === undefined });
  }
}
