/**
 * What authentication reads of the store on every request (the user, and the caller they are in a tenant: the
 * tenant's state, the roles and permissions they hold there), kept while the store's auth generation stays the
 * same (see ../keptReads.ts). The store moves it on with every change to a tenant, user, membership or role,
 * whichever process makes it, so a disabled account or tenant, a changed password or role takes effect at the next
 * request everywhere.
 */
import type { Caller } from '../../domain/access.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { UserRecord } from '../../domain/accounts.js';
import { KeptReads, type StoreGenerations } from '../keptReads.js';

export class AuthReads {
  readonly #store: AuthStore;
  readonly #users = new KeptReads<UserRecord>();
  readonly #callers = new KeptReads<Caller>();

  constructor(store: AuthStore, generations: StoreGenerations) {
    this.#store = store;
    generations.follow('auth', this.#users);
    generations.follow('auth', this.#callers);
  }

  async user(username: string): Promise<UserRecord | undefined> {
    return this.#users.get(username, () => this.#store.users.find(username));
  }

  /** The caller `user` is in `tenant`, read by `read` when not kept; kept only when it is one. */
  caller(user: UserRecord, tenant: string, read: () => Promise<Caller | undefined>): Promise<Caller | undefined> {
    return this.#callers.get(`${user.username}\u0000${tenant}`, read);
  }
}
