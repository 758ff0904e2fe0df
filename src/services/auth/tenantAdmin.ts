/**
 * Tenants are managed by administrators of the system tenant only: a tenant's own administrators can do
 * anything inside it but cannot create or disable tenants. Whoever creates a tenant becomes its administrator.
 */
import type { Action, Caller } from '../../domain/access.js';
import { checkTenantId } from '../../domain/accountRules.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../domain/errors.js';
import type { Page, Paging } from '../../domain/paging.js';
import { isSystemAdministrator } from '../../domain/systemTenant.js';
import type { TenantId } from '../../domain/types.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { TenantRecord } from '../../domain/accounts.js';
import { SYSTEM_TENANT } from './bootstrap.js';
import { ADMINISTRATOR_ROLE, ensureDefaultRoles } from './defaultRoles.js';

export interface TenantAdminHooks {
  /** Runs after a tenant is created, e.g. to register the shipped plugins' default definitions in it. */
  onCreated?: (tenant: TenantId) => Promise<void>;
}

export class TenantAdmin {
  constructor(
    private readonly store: AuthStore,
    private readonly hooks: TenantAdminHooks = {},
  ) {}

  async create(caller: Caller, input: { id: string; name: string }): Promise<TenantRecord> {
    this.#requireSystem(caller, 'create');
    const id = checkTenantId(input.id);
    const name = input.name.trim();
    if (name === '') throw new ValidationError('Invalid tenant name', [{ path: 'tenant/name', message: 'must not be blank' }]);
    // Unlike at bootstrap, a tenant that exists already is the client's conflict, not something to accept.
    const created = await this.store.tenants.create({ id, name }, caller.user);
    await ensureDefaultRoles(this.store, id, caller.user);
    await this.store.users.addMembership(id, caller.user, [ADMINISTRATOR_ROLE.name], caller.user);
    await this.hooks.onCreated?.(id);
    return created;
  }

  async get(caller: Caller, id: string): Promise<TenantRecord> {
    this.#requireSystem(caller, 'read');
    const tenant = await this.store.tenants.get(id as TenantId);
    if (tenant === undefined) throw new NotFoundError('Tenant', id);
    return tenant;
  }

  list(caller: Caller, paging: Paging): Promise<Page<TenantRecord>> {
    this.#requireSystem(caller, 'list');
    return this.store.tenants.list(paging);
  }

  async setDisabled(caller: Caller, id: string, disabled: boolean): Promise<TenantRecord> {
    this.#requireSystem(caller, 'update');
    if (disabled && id === SYSTEM_TENANT) {
      throw new ValidationError('The system tenant cannot be disabled', [{ path: 'tenant', message: 'is the system tenant' }]);
    }
    const tenant = await this.store.tenants.setDisabled(id as TenantId, disabled);
    if (tenant === undefined) throw new NotFoundError('Tenant', id);
    return tenant;
  }

  #requireSystem(caller: Caller, action: Action): void {
    if (!isSystemAdministrator(caller, action)) throw new ForbiddenError('Only administrators of the system tenant manage tenants');
  }
}
