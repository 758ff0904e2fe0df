/**
 * Batch job definitions: the rules around storing them (the plugin must exist and support what the definition
 * enables; `If-Match` preconditions) over whichever store engine is configured. Framework-neutral: src/http
 * translates requests into these calls.
 */
import { checkDefinitionAgainstPlugin, type PluginCapabilities } from '../domain/definitionRules.js';
import { applyDefinitionUpdate, type DefinitionUpdate } from '../domain/definitionUpdate.js';
import { checkWorkflowTransition, nextWorkflowState } from '../domain/workflow.js';
import { NotFoundError, PreconditionFailedError } from '../domain/errors.js';
import type { Page } from '../domain/paging.js';
import type { BatchDefinition, StoredDefinition, TenantId } from '../domain/types.js';
import type { DefinitionQuery, DefinitionStore } from '../store/types.js';

/** The plugins a definition may name. */
export interface PluginCatalog {
  resolve(className: string): PluginCapabilities | undefined;
  classNames(): string[];
}

/** Decides whether a write may go ahead given the stored definition (an `If-Match` check). */
export type Precondition = (current: StoredDefinition) => boolean;

export class DefinitionService {
  constructor(
    private readonly store: DefinitionStore,
    private readonly plugins: PluginCatalog,
  ) {}

  async create(tenant: TenantId, definition: BatchDefinition, actor: string): Promise<StoredDefinition> {
    this.check(definition);
    return this.store.create(tenant, definition, actor);
  }

  async get(tenant: TenantId, csid: string): Promise<StoredDefinition> {
    const stored = await this.store.get(tenant, csid);
    if (stored === undefined) throw new NotFoundError('Batch job', csid);
    return stored;
  }

  /** Sets what `update` carries and keeps every other field (`applyDefinitionUpdate`), then checks the result. */
  async update(
    tenant: TenantId,
    csid: string,
    update: DefinitionUpdate,
    options: { actor: string; precondition?: Precondition },
  ): Promise<StoredDefinition> {
    const current = await this.guarded(tenant, csid, options.precondition);
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
  async transition(tenant: TenantId, csid: string, transition: string, options: { actor: string }): Promise<StoredDefinition> {
    // An unknown transition is refused before anything is read.
    const known = checkWorkflowTransition(transition);
    const current = await this.get(tenant, csid);
    const state = nextWorkflowState(current.core.workflowState, known, `Batch job '${csid}'`);
    const updated = await this.store.setWorkflowState(tenant, csid, state, { ...options, expectedRevision: current.core.revision });
    if (updated === undefined) throw new NotFoundError('Batch job', csid);
    return updated;
  }

  async delete(tenant: TenantId, csid: string, options: { precondition?: Precondition } = {}): Promise<void> {
    const current = await this.guarded(tenant, csid, options.precondition);
    const deleted = await this.store.delete(tenant, csid, { expectedRevision: current.core.revision });
    if (!deleted) throw new NotFoundError('Batch job', csid);
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
