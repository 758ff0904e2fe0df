/**
 * Export and import of a tenant's definitions (issue 13, part 7). An export is a page of definitions as they are
 * sent to create them; an import stores each definition on its own through `DefinitionService` (the same plugin
 * checks as a single create or update, one store write each, so a definition is stored whole or not at all) and
 * reports every one. A definition "already exists" when one of the tenant has its `name` (csids differ between
 * installations, names travel, as Rundeck matches jobs by name and group when it does not keep their UUIDs).
 */
import { wholeReplacement } from '../domain/definitionUpdate.js';
import { DomainError } from '../domain/errors.js';
import type { DupeRule, ImportEntry, ImportOutcome, ImportResult } from '../domain/definitionTransfer.js';
import type { Page } from '../domain/paging.js';
import type { BatchDefinition, StoredDefinition, TenantId } from '../domain/types.js';
import type { DefinitionQuery } from '../store/types.js';
import type { DefinitionService } from './definitionService.js';

export class DefinitionTransfer {
  constructor(private readonly definitions: DefinitionService) {}

  /** The definitions a list query matches, one page. */
  exportMatching(tenant: TenantId, query: DefinitionQuery): Promise<Page<StoredDefinition>> {
    return this.definitions.list(tenant, query);
  }

  /**
   * The definitions named, in the order given.
   * @throws NotFoundError for the first csid the tenant has no definition under.
   */
  async exportSelected(tenant: TenantId, csids: readonly string[]): Promise<Page<StoredDefinition>> {
    const items: StoredDefinition[] = [];
    for (const csid of csids) items.push(await this.definitions.get(tenant, csid));
    return { pageNum: 0, pageSize: items.length, totalItems: items.length, items };
  }

  /** Stores each entry in turn under `dupe`; one that fails is reported and stops no other. */
  async import(tenant: TenantId, entries: readonly ImportEntry[], options: { dupe: DupeRule; actor: string }): Promise<ImportResult[]> {
    const results: ImportResult[] = [];
    for (const { decoded, ...entry } of entries) {
      if ('error' in decoded) {
        results.push({ ...entry, outcome: { status: 'failed', error: decoded.error } });
        continue;
      }
      const { definition } = decoded;
      const outcome = await this.importOne(tenant, definition, options).catch(
        (error: unknown): ImportOutcome => {
          if (error instanceof DomainError) return { status: 'failed', error };
          throw error;
        },
      );
      results.push({ ...entry, name: definition.name, outcome });
    }
    return results;
  }

  /**
   * Under `skip` and `update`, the name is looked up and, when no definition has it, the definition created, in one
   * store step: another import storing the name at this moment (in any process) makes this one go on as if it had
   * come second. A definition an import created counts as existing for the entries after it.
   */
  private async importOne(tenant: TenantId, definition: BatchDefinition, { dupe, actor }: { dupe: DupeRule; actor: string }): Promise<ImportOutcome> {
    if (dupe === 'create') return { status: 'created', csid: (await this.definitions.create(tenant, definition, actor)).csid };
    const outcome = await this.definitions.createUnlessNamed(tenant, definition, actor);
    if ('created' in outcome) return { status: 'created', csid: outcome.created.csid };
    const { named } = outcome;
    const [first] = named;
    if (dupe === 'skip') return { status: 'skipped', csid: first };
    if (named.length > 1) {
      throw new DomainError('CONFLICT', `${named.length} definitions are named '${definition.name.slice(0, 100)}': an update needs exactly one`, [
        { path: 'batch_common/name', message: `matches ${named.length} definitions of this tenant` },
      ]);
    }
    return { status: 'updated', csid: (await this.definitions.update(tenant, first, wholeReplacement(definition), { actor })).csid };
  }
}
