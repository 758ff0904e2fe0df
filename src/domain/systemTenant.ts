/**
 * The system tenant (`default`, created on first start): its administrators administer the whole service, not
 * just one tenant. Whatever reaches across tenants (managing tenants, the Agenda dashboard, which shows and
 * changes every tenant's jobs) asks `isSystemAdministrator`, so there is one rule for it. Pure, no I/O.
 */
import { holdsPermission, type Action, type Caller } from './access.js';
import { DEFAULT_TENANT, type TenantId } from './types.js';

export const SYSTEM_TENANT: TenantId = DEFAULT_TENANT;

/**
 * Whether the caller may do `action` on the whole service: acting in the system tenant with the `admin` permission
 * for `action`. A tenant's own administrators hold `admin` too, but only over their tenant.
 */
export function isSystemAdministrator(caller: Pick<Caller, 'tenant' | 'permissions'>, action: Action): boolean {
  return caller.tenant === SYSTEM_TENANT && holdsPermission(caller.permissions, 'admin', action);
}
