/**
 * What authentication reads of the store on every request (the user, and the caller they are in a tenant: the
 * tenant's state, the roles and permissions they hold there), kept while the store's auth generation stays the
 * same. The store moves the generation on with every change to a tenant, user, membership or role, whichever
 * process makes it, so a disabled account or tenant, a changed password or role takes effect at the next request
 * everywhere, at the price of one small read per request instead of four.
 *
 * Only what exists is kept (users found, callers authenticated, whether a validly signed access token is revoked):
 * names a client makes up are read from the store each time, so they cannot grow these maps. All are emptied
 * whenever the generation moves.
 */
import type { Caller } from '../../domain/access.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { UserRecord } from '../../domain/accounts.js';

export class AuthReads {
  readonly #store: AuthStore;
  #generation: number | undefined;
  readonly #users = new Map<string, UserRecord>();
  readonly #callers = new Map<string, Caller>();
  readonly #revoked = new Map<string, { revoked: boolean }>();

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
    this.#revoked.clear();
    this.#generation = generation;
  }

  async user(username: string): Promise<UserRecord | undefined> {
    return this.#kept(this.#users, username, () => this.#store.users.find(username));
  }

  /** The caller `user` is in `tenant`, read by `read` when not kept; kept only when it is one. */
  caller(user: UserRecord, tenant: string, read: () => Promise<Caller | undefined>): Promise<Caller | undefined> {
    return this.#kept(this.#callers, `${user.username}\u0000${tenant}`, read);
  }

  /**
   * Whether the valid access token `tokenId` (or its grant) is revoked, read by `read` when not kept. A revocation
   * moves the generation on, so a kept answer holds until one is recorded, in any process.
   */
  async revoked(tokenId: string, read: () => Promise<boolean>): Promise<boolean> {
    const answer = await this.#kept(this.#revoked, tokenId, async () => ({ revoked: await read() }));
    return answer?.revoked === true;
  }

  /** What `kept` holds under `key`, else what `read` finds, kept when found. */
  async #kept<T extends object>(kept: Map<string, T>, key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const generation = this.#generation;
    const known = kept.get(key);
    if (known !== undefined) return known;
    const found = await read();
    // Not kept if the generation moved while it was read: it may be older than the new generation.
    if (found !== undefined && generation === this.#generation) kept.set(key, Object.freeze(found));
    return found;
  }
}
