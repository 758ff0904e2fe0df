/**
 * What authentication reads of the store on every request (the user, and the caller they are in a tenant: the
 * tenant's state, the roles and permissions they hold there), kept while the store's auth generation stays the
 * same. The store moves the generation on with every change to a tenant, user, membership or role, whichever
 * process makes it, so a disabled account or tenant, a changed password or role takes effect at the next request
 * everywhere, at the price of one small read per request instead of four.
 *
 * Only what exists is kept (users found, callers authenticated): names a client makes up are read from the store
 * each time, so they cannot grow these maps. Both are emptied whenever the generation moves.
 */
import type { Caller } from '../../domain/access.js';
import type { AuthStore, UserRecord } from '../../store/authTypes.js';

export class AuthReads {
  readonly #store: AuthStore;
  #generation: number | undefined;
  readonly #users = new Map<string, UserRecord>();
  readonly #callers = new Map<string, Caller>();

  constructor(store: AuthStore) {
    this.#store = store;
  }

  /**
   * Brings the kept reads up to the store's generation; call once per request, before the others. The generation
   * is read before anything it guards, so what is kept under it is at least as new as it.
   */
  async refresh(): Promise<void> {
    const generation = await this.#store.generation();
    if (generation === this.#generation) return;
    this.#users.clear();
    this.#callers.clear();
    this.#generation = generation;
  }

  async user(username: string): Promise<UserRecord | undefined> {
    const generation = this.#generation;
    const kept = this.#users.get(username);
    if (kept !== undefined) return kept;
    const user = await this.#store.users.find(username);
    // Not kept if the generation moved while it was read: it may be older than the new generation.
    if (user !== undefined && generation === this.#generation) this.#users.set(username, Object.freeze(user));
    return user;
  }

  /** The caller `user` is in `tenant`, read by `read` when not kept; kept only when it is one. */
  async caller(user: UserRecord, tenant: string, read: () => Promise<Caller | undefined>): Promise<Caller | undefined> {
    const key = `${user.username}\u0000${tenant}`;
    const generation = this.#generation;
    const kept = this.#callers.get(key);
    if (kept !== undefined) return kept;
    const caller = await read();
    if (caller !== undefined && generation === this.#generation) this.#callers.set(key, Object.freeze(caller));
    return caller;
  }
}
