/**
 * Batch job definitions: the rules around storing them (the plugin must exist and support what the definition
 * enables; `If-Match` preconditions) over whichever store engine is configured. Framework-neutral: src/http
 * translates requests into these calls.
 */
import { ALIASES_PER_DEFINITION, checkAlias } from '../domain/definitionAliases.js';
import { checkDefinitionAgainstPlugin, type PluginCapabilities } from '../domain/definitionRules.js';
import { applyDefinitionUpdate, type DefinitionUpdate } from '../domain/definitionUpdate.js';
import { checkWorkflowTransition, nextWorkflowState } from '../domain/workflow.js';
import { DomainError, NotFoundError, PreconditionFailedError, quoted, ValidationError } from '../domain/errors.js';
import type { Page } from '../domain/paging.js';
import type { BatchDefinition, StoredDefinition, TenantId } from '../domain/types.js';
import type { DefinitionQuery, DefinitionStore, NamedCreate } from '../store/types.js';
import { KeptReads, type StoreGenerations } from './keptReads.js';

/** The plugins a definition may name. */
export interface PluginCatalog {
  resolve(className: string): PluginCapabilities | undefined;
  classNames(): string[];
}

/** Decides whether a write may go ahead given the stored definition (an `If-Match` check). */
export type Precondition = (current: StoredDefinition) => boolean;

/** How many definitions a delete-all reads per page while it gathers their csids. */
const DELETE_ALL_PAGE_SIZE = 500;

/** How many definitions `getKept` keeps (by tenant and id, a few KB each); the earliest kept leave first. */
const DEFINITIONS_KEPT = 5000;

export class DefinitionService {
  readonly #kept = new KeptReads<StoredDefinition>(DEFINITIONS_KEPT);

  /** @param generations what `getKept` keeps follows their definitions generation */
  constructor(
    private readonly store: DefinitionStore,
    private readonly plugins: PluginCatalog,
    generations: StoreGenerations,
  ) {
    generations.follow('definitions', this.#kept);
  }

  async create(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<StoredDefinition> {
    this.check(definition);
    return this.store.create(tenant, definition, actor);
  }

  /**
   * Creates it, checked as `create` does, unless one of the tenant has its name (`DefinitionStore.createUnlessNamed`):
   * then it is not checked, as nothing is stored.
   */
  async createUnlessNamed(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<NamedCreate> {
    return this.store.createUnlessNamed(tenant, definition, actor, () => this.check(definition));
  }

  /** By csid or alias; every method taking an `id` accepts either and acts on the definition it names. */
  async get(tenant: TenantId, id: string): Promise<StoredDefinition> {
    const stored = await this.store.get(tenant, id);
    if (stored === undefined) throw new NotFoundError('Batch job', id);
    return stored;
  }

  /**
   * As `get`, from memory while the store's definitions generation stays the same: only for a request whose
   * authentication refreshed the generations (`StoreGenerations.refresh`) before, so that a change made anywhere
   * before the request began is seen. Others (runs, schedules) read with `get`.
   */
  async getKept(tenant: TenantId, id: string): Promise<StoredDefinition> {
    const stored = await this.#kept.get(`${tenant}\u0000${id}`, () => this.store.get(tenant, id));
    if (stored === undefined) throw new NotFoundError('Batch job', id);
    return stored;
  }

  /** Sets what `update` carries and keeps every other field (`applyDefinitionUpdate`), then checks the result. */
  async update(
    tenant: TenantId,
    id: string,
    update: DefinitionUpdate,
    options: { actor: string; precondition?: Precondition },
  ): Promise<StoredDefinition> {
    const current = await this.guarded(tenant, id, options.precondition);
    const { csid } = current;
    const definition = applyDefinitionUpdate(current.definition, update);
    this.check(definition);
    // The revision read above is handed down so that a concurrent write between the check and this update
    // still fails the precondition instead of being overwritten.
    const updated = await this.store.update(tenant, csid, definition, {
      actor: options.actor,
      expectedRevision: current.core.revision,
    });
    if (updated === undefined) throw new NotFoundError('Batch job', csid);
    return updated;
  }

  /**
   * Follows a workflow transition (`delete` soft-deletes, `undelete` restores), as CollectionSpace's
   * `PUT {csid}/workflow/{transition}` does.
   * @throws ValidationError for an unknown transition; DomainError CONFLICT for one the current state does not allow.
   */
  async transition(tenant: TenantId, id: string, transition: string, options: { actor: string }): Promise<StoredDefinition> {
    // An unknown transition is refused before anything is read.
    const known = checkWorkflowTransition(transition);
    const current = await this.get(tenant, id);
    const { csid } = current;
    const state = nextWorkflowState(current.core.workflowState, known, `Batch job '${csid}'`);
    const updated = await this.store.setWorkflowState(tenant, csid, state, { ...options, expectedRevision: current.core.revision });
    if (updated === undefined) throw new NotFoundError('Batch job', csid);
    return updated;
  }

  /** @returns the csid of the definition deleted */
  async delete(tenant: TenantId, id: string, options: { precondition?: Precondition } = {}): Promise<string> {
    const current = await this.guarded(tenant, id, options.precondition);
    const deleted = await this.store.delete(tenant, current.csid, { expectedRevision: current.core.revision });
    if (!deleted) throw new NotFoundError('Batch job', id);
    return current.csid;
  }

  /**
   * Deletes every definition of the tenant (OSID `deleteAllJobs`), each on its own: one that cannot be deleted (a
   * concurrent delete) is reported with its error and the others go.
   */
  async deleteAll(tenant: TenantId): Promise<Array<{ csid: string; error?: DomainError }>> {
    // The csids are gathered first, so that deleting does not shift the pages still to read.
    const csids: string[] = [];
    for (let pageNum = 0; ; pageNum += 1) {
      const page = await this.store.list(tenant, { sort: { field: 'name', direction: 'asc' }, paging: { pageNum, pageSize: DELETE_ALL_PAGE_SIZE } });
      csids.push(...page.items.map((stored) => stored.csid));
      if (page.items.length < DELETE_ALL_PAGE_SIZE) break;
    }
    const outcomes: Array<{ csid: string; error?: DomainError }> = [];
    for (const csid of csids) {
      try {
        await this.delete(tenant, csid);
        outcomes.push({ csid });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        outcomes.push({ csid, error: err });
      }
    }
    return outcomes;
  }

  /**
   * Gives the definition `id` names the further id `alias` (OSID `aliasJobs`); an alias that named another
   * definition moves to this one.
   * @returns the definition's csid, and the csid the alias named before when it moved
   * @throws ValidationError for an alias that could be taken for a csid or a route; NotFoundError for an unknown `id`;
   *   DomainError CONFLICT when the definition already has `ALIASES_PER_DEFINITION` aliases
   */
  async alias(tenant: TenantId, alias: string, id: string): Promise<{ csid: string; movedFrom?: string }> {
    checkAlias(alias);
    const { csid } = await this.get(tenant, id);
    const outcome = await this.store.setAlias(tenant, alias, csid, { maxAliases: ALIASES_PER_DEFINITION });
    if (outcome === undefined) throw new NotFoundError('Batch job', id);
    return outcome.previous === undefined ? { csid } : { csid, movedFrom: outcome.previous };
  }

  /** What a definition may name (OSID `getJobFormsForCreate`): every loaded plugin, with its modes and doc types. */
  loadedPlugins(): PluginCapabilities[] {
    return this.plugins.classNames().flatMap((className) => this.plugins.resolve(className) ?? []);
  }

  /**
   * The stored definitions `ids` name, each with its plugin's capabilities (OSID `getJobFormsForUpdate`).
   * @throws ValidationError for an id named twice; NotFoundError for the first id that names no definition
   */
  async updateForms(tenant: TenantId, ids: readonly string[]): Promise<Array<{ stored: StoredDefinition; plugin?: PluginCapabilities }>> {
    const repeated = ids.filter((id, index) => ids.indexOf(id) !== index);
    if (repeated.length > 0) throw new ValidationError(`csid ${quoted(repeated[0] as string)} is named twice`, [{ path: 'csid', message: 'must name each definition once' }]);
    const forms = [];
    for (const id of ids) {
      const stored = await this.get(tenant, id);
      const plugin = this.plugins.resolve(stored.definition.className);
      forms.push(plugin === undefined ? { stored } : { stored, plugin });
    }
    return forms;
  }

  list(tenant: TenantId, query: DefinitionQuery): Promise<Page<StoredDefinition>> {
    return this.store.list(tenant, query);
  }

  private async guarded(tenant: TenantId, csid: string, precondition: Precondition | undefined) {
    const current = await this.get(tenant, csid);
    if (precondition !== undefined && !precondition(current)) {
      throw new PreconditionFailedError(`Batch job '${csid}' has changed since it was read (If-Match does not match)`);
    }
    return current;
  }

  private check(definition: BatchDefinition): void {
    checkDefinitionAgainstPlugin(definition, this.plugins.resolve(definition.className), () =>
      this.plugins.classNames(),
    );
  }
}
