/**
 * Renames a role display name in the `forRoles` of a tenant's definitions, so that a role renamed by an upgrade
 * (the old `ADMINISTRATOR` becoming CollectionSpace's `TENANT_ADMINISTRATOR`) keeps admitting the same people to
 * the same jobs. Display names compare case-insensitively, as `forRoles` does.
 */
import { allPages } from '../domain/paging.js';
import type { TenantId } from '../domain/types.js';
import type { DefinitionStore } from '../store/types.js';

/** Answers how many definitions were changed. Idempotent: a second run finds nothing left to rename. */
export async function renameRoleInDefinitions(
  definitions: DefinitionStore,
  tenant: TenantId,
  rename: { from: string; to: string },
  actor: string,
): Promise<number> {
  const from = rename.from.toLowerCase();
  const naming: string[] = [];
  // Read every page first: updating moves `updatedAt`, which would reorder the pages still to come.
  const sort = { field: 'name', direction: 'asc' } as const;
  for await (const stored of allPages((paging) => definitions.list(tenant, { sort, paging }))) {
    if (stored.definition.forRoles.some((role) => role.toLowerCase() === from)) naming.push(stored.csid);
  }
  let changed = 0;
  for (const csid of naming) {
    const stored = await definitions.get(tenant, csid);
    if (stored === undefined) continue;
    const forRoles = [...new Set(stored.definition.forRoles.map((role) => (role.toLowerCase() === from ? rename.to : role)))];
    const updated = await definitions.update(tenant, csid, { ...stored.definition, forRoles }, { actor, expectedRevision: stored.core.revision });
    if (updated !== undefined) changed += 1;
  }
  return changed;
}
