/**
 * Managing the users of the caller's tenant. What an administrator of one tenant can do to a user is bounded by
 * that tenant: they see and change only its members and the roles held in it; passwords and the disabled flag
 * belong to the user's default tenant.
 *
 * Usernames are global, so adding another tenant's user as a member could tell an administrator who exists
 * elsewhere. It may only add a user they can already see: one who is a member of a tenant where they may read
 * users (`admin` R) and may act in this request (a token: only its own tenant); administrators of the system
 * tenant see every user. Anyone else is answered exactly as an unknown username.
 */
import { holdsPermission, type Caller } from '../../domain/access.js';
import { checkPassword, checkRoleNames, checkUsername } from '../../domain/accountRules.js';
import { DomainError, NotFoundError, quoted, someOf, ValidationError } from '../../domain/errors.js';
import type { Page, Paging } from '../../domain/paging.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { UserRecord } from '../../domain/accounts.js';
import { SYSTEM_TENANT } from './bootstrap.js';
import { hashSecret } from './secretHash.js';

export interface NewUserInput {
  username: string;
  password: string;
  roles: string[];
}

/** The caller `username` would be in `tenant`, or `undefined` when they may not act there (AuthService.callerIn). */
export type CallerIn = (username: string, tenant: string) => Promise<Caller | undefined>;

export class UserAdmin {
  constructor(
    private readonly store: AuthStore,
    private readonly callerIn: CallerIn,
  ) {}

  async create(caller: Caller, input: NewUserInput): Promise<UserRecord> {
    const username = checkUsername(input.username);
    const password = checkPassword(input.password, 'user/password');
    const roles = await this.#existingRoles(caller, input.roles);
    const passwordHash = await hashSecret(password);
    return this.store.users.create({ username, defaultTenant: caller.tenant, passwordHash, roles }, caller.user);
  }

  async get(caller: Caller, username: string): Promise<UserRecord> {
    const user = await this.store.users.get(caller.tenant, username);
    if (user === undefined) throw new NotFoundError('User', username);
    return user;
  }

  list(caller: Caller, paging: Paging): Promise<Page<UserRecord>> {
    return this.store.users.list(caller.tenant, paging);
  }

  async setPassword(caller: Caller, username: string, password: string): Promise<UserRecord> {
    const passwordHash = await hashSecret(checkPassword(password));
    return this.#found(username, await this.store.users.setPassword(caller.tenant, username, passwordHash, caller.user));
  }

  async setDisabled(caller: Caller, username: string, disabled: boolean): Promise<UserRecord> {
    if (disabled && username === caller.user) {
      throw new DomainError('CONFLICT', 'You cannot disable your own account; ask another administrator');
    }
    return this.#found(username, await this.store.users.setDisabled(caller.tenant, username, disabled, caller.user));
  }

  async setRoles(caller: Caller, username: string, roleNames: string[]): Promise<UserRecord> {
    const roles = await this.#existingRoles(caller, roleNames);
    return this.#found(username, await this.store.users.setRoles(caller.tenant, username, roles, caller.user));
  }

  /** Lets an existing user the caller may see (see above) act in the caller's tenant with `roleNames`. */
  async addMember(caller: Caller, username: string, roleNames: string[]): Promise<UserRecord> {
    const roles = await this.#existingRoles(caller, roleNames);
    const user = await this.store.users.find(checkUsername(username, 'username'));
    if (user === undefined || !(await this.#maySee(caller, user))) throw new NotFoundError('User', username);
    return this.#found(username, await this.store.users.addMembership(caller.tenant, user.username, roles, caller.user));
  }

  async removeMember(caller: Caller, username: string): Promise<void> {
    const user = await this.get(caller, username);
    if (user.defaultTenant === caller.tenant) {
      throw new DomainError('CONFLICT', `'${username}' belongs to this tenant; disable the account instead`);
    }
    if (!(await this.store.users.removeMembership(caller.tenant, username, caller.user))) throw new NotFoundError('User', username);
  }

  /** The distinct role names, each required to exist in the caller's tenant. */
  async #existingRoles(caller: Caller, names: readonly string[]): Promise<string[]> {
    const wanted = checkRoleNames(names);
    const found = new Set((await this.store.roles.getMany(caller.tenant, wanted)).map((role) => role.name));
    const missing = wanted.filter((name) => !found.has(name));
    if (missing.length > 0) {
      throw new ValidationError(
        `${missing.length > 1 ? `${missing.length} unknown roles` : 'Unknown role'}: ${someOf(missing)}`,
        missing.map((name) => ({ path: 'roles/role', message: `${quoted(name)} is not a role of this tenant` })),
      );
    }
    return wanted;
  }

  /** Whether `user` is a member here, or of a tenant where the caller may read users (any, for the system tenant). */
  async #maySee(caller: Caller, user: UserRecord): Promise<boolean> {
    const tenantsOfUser = new Set<string>(user.memberships.map((membership) => membership.tenant));
    if (tenantsOfUser.has(caller.tenant)) return true;
    for (const tenant of caller.tenants) {
      if (tenant !== SYSTEM_TENANT && !tenantsOfUser.has(tenant)) continue;
      // Read now, like every request's roles: a role taken away there counts at once.
      const there = tenant === caller.tenant ? caller : await this.callerIn(caller.user, tenant);
      if (there !== undefined && holdsPermission(there.permissions, 'admin', 'read')) return true;
    }
    return false;
  }

  #found(username: string, user: UserRecord | undefined): UserRecord {
    if (user === undefined) throw new NotFoundError('User', username);
    return user;
  }
}
