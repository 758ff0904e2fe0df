/** Managing the roles of the caller's tenant. A role still held by someone cannot be deleted. */
import type { Caller } from '../../domain/access.js';
import { checkPermissions, checkRoleName } from '../../domain/accountRules.js';
import { DomainError, NotFoundError } from '../../domain/errors.js';
import type { Page, Paging } from '../../domain/paging.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { RoleInput, RoleRecord } from '../../domain/accounts.js';

function checkRole(input: RoleInput): RoleInput {
  const role: RoleInput = {
    name: checkRoleName(input.name),
    displayName: input.displayName.trim() === '' ? input.name : input.displayName.trim(),
    permissions: checkPermissions(input.permissions),
  };
  if (input.description !== undefined) role.description = input.description;
  return role;
}

export class RoleAdmin {
  constructor(private readonly store: AuthStore) {}

  create(caller: Caller, input: RoleInput): Promise<RoleRecord> {
    return this.store.roles.create(caller.tenant, checkRole(input), caller.user);
  }

  async get(caller: Caller, name: string): Promise<RoleRecord> {
    const role = await this.store.roles.get(caller.tenant, name);
    if (role === undefined) throw new NotFoundError('Role', name);
    return role;
  }

  list(caller: Caller, paging: Paging): Promise<Page<RoleRecord>> {
    return this.store.roles.list(caller.tenant, paging);
  }

  async update(caller: Caller, input: RoleInput): Promise<RoleRecord> {
    const updated = await this.store.roles.update(caller.tenant, checkRole(input), caller.user);
    if (updated === undefined) throw new NotFoundError('Role', input.name);
    return updated;
  }

  async delete(caller: Caller, name: string): Promise<void> {
    const holders = await this.store.users.countWithRole(caller.tenant, name);
    if (holders > 0) {
      throw new DomainError('CONFLICT', `Role '${name}' is held by ${holders} user${holders > 1 ? 's' : ''}; take it from them first`);
    }
    if (!(await this.store.roles.delete(caller.tenant, name))) throw new NotFoundError('Role', name);
  }
}
