/**
 * CollectionSpace-style auto-registration: a plugin may ship its default definition, created when a tenant has
 * no definition naming the plugin (by className or any alias). Existing definitions are never touched, so user
 * edits survive restarts; a deleted default definition is created again on the next start.
 */
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type BatchDefinition, type TenantId } from '../domain/types.js';
import type { Invocable } from '../plugins/contract.js';
import type { DefinitionStore } from '../store/types.js';

function defaultDefinitionOf(plugin: Invocable): BatchDefinition | undefined {
  const template = plugin.defaultDefinition;
  if (template === undefined) return undefined;
  const modes = template.modes ?? plugin.modes;
  return {
    name: template.name,
    ...(template.notes !== undefined && { notes: template.notes }),
    forDocTypes: [...(template.forDocTypes ?? plugin.docTypes ?? [])],
    forRoles: [],
    resourceActionGroupList: [],
    supportsNoContext: modes.includes('nocontext'),
    supportsSingleDoc: modes.includes('single'),
    supportsDocList: modes.includes('list'),
    supportsGroup: modes.includes('group'),
    ...(template.createsNewFocus !== undefined && { createsNewFocus: template.createsNewFocus }),
    className: plugin.className,
  };
}

async function isRegistered(store: DefinitionStore, tenant: TenantId, plugin: Invocable): Promise<boolean> {
  for (const className of [plugin.className, ...(plugin.aliases ?? [])]) {
    const page = await store.list(tenant, { className, paging: { pageNum: 0, pageSize: 1 } });
    if (page.totalItems > 0) return true;
  }
  return false;
}

/** Creates the missing default definitions of `plugins` in `tenant`; returns how many it created. */
export async function registerDefaultDefinitions(
  store: DefinitionStore,
  tenant: TenantId,
  plugins: readonly Invocable[],
  logger: Logger,
): Promise<number> {
  let created = 0;
  for (const plugin of plugins) {
    const definition = defaultDefinitionOf(plugin);
    if (definition === undefined || (await isRegistered(store, tenant, plugin))) continue;
    const stored = await store.create(tenant, definition, SYSTEM_ACTOR);
    logger.info({ className: plugin.className, csid: stored.csid, tenant }, 'registered default definition');
    created += 1;
  }
  return created;
}

