/**
 * CollectionSpace-style auto-registration: a plugin may ship its default definition, created in every tenant
 * that has no definition naming the plugin (by className or any alias): at start-up, when a plugin is dropped
 * in, and when a tenant is created. Existing definitions are never touched, so user edits survive restarts; a
 * deleted default definition is created again on the next start. Processes starting at once each find it missing:
 * it is created only while no definition has its name (`createUnlessNamed`), so one of them stores it.
 */
import type { Logger } from 'pino';
import { allPages } from '../domain/paging.js';
import { SYSTEM_ACTOR, type BatchDefinition, type TenantId } from '../domain/types.js';
import type { PluginFields } from '../plugins/descriptor.js';
import type { TenantStore } from '../store/authTypes.js';
import type { DefinitionStore } from '../store/types.js';

/** What registering needs of a plugin: a loaded plugin's descriptor, or an Invocable itself. */
type RegistrablePlugin = Pick<PluginFields, 'className' | 'aliases' | 'modes' | 'docTypes' | 'defaultDefinition'>;

function defaultDefinitionOf(plugin: RegistrablePlugin): BatchDefinition | undefined {
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

async function isRegistered(store: DefinitionStore, tenant: TenantId, plugin: RegistrablePlugin): Promise<boolean> {
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
  plugins: readonly RegistrablePlugin[],
  logger: Logger,
): Promise<number> {
  let created = 0;
  for (const plugin of plugins) {
    const definition = defaultDefinitionOf(plugin);
    if (definition === undefined || (await isRegistered(store, tenant, plugin))) continue;
    // Plugins were checked when loaded: their own default definition needs no further check.
    const outcome = await store.createUnlessNamed(tenant, definition, SYSTEM_ACTOR, () => undefined);
    if (!('created' in outcome)) continue;
    logger.info({ className: plugin.className, csid: outcome.created.csid, tenant }, 'registered default definition');
    created += 1;
  }
  return created;
}


/**
 * Creates the missing default definitions of `plugins` in every tenant, disabled ones included (they may be
 * enabled again). A tenant that fails is logged and the others still get theirs; answers how many were created
 * and the tenants that failed.
 */
export async function registerInEveryTenant(
  stores: { definitions: DefinitionStore; tenants: TenantStore },
  plugins: readonly RegistrablePlugin[],
  logger: Logger,
): Promise<{ created: number; failed: TenantId[] }> {
  const tenants: TenantId[] = [];
  for await (const tenant of allPages((paging) => stores.tenants.list(paging))) tenants.push(tenant.id);
  const outcome = { created: 0, failed: [] as TenantId[] };
  for (const tenant of tenants) {
    try {
      outcome.created += await registerDefaultDefinitions(stores.definitions, tenant, plugins, logger);
    } catch (err) {
      logger.error({ err, tenant }, 'could not register default definitions in this tenant');
      outcome.failed.push(tenant);
    }
  }
  return outcome;
}
