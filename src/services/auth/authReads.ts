/**
 * What authentication reads of the store on every request (the user, and the caller they are in a tenant: the
 * tenant's state, the roles and permissions they hold there; whether a validly signed access token is revoked),
 * kept while the store's auth generation stays the same (see ../keptReads.ts). The store moves it on with every
 * change to a tenant, user, membership or role and with every OAuth revocation, whichever process makes it, so a
 * disabled account or tenant, a changed password or role, a signed-out token takes effect at the next request
 * everywhere.
 *
 * Only what exists is kept (users found, callers authenticated, revocation answers for valid tokens): names a
 * client makes up are read from the store each time, so they cannot grow these maps.
 */
import type { Caller } from '../../domain/access.js';
import type { AuthStore } from '../../store/authTypes.js';
import type { UserRecord } from '../../domain/accounts.js';
import { KeptReads, type StoreGenerations } from '../keptReads.js';

export class AuthReads {
  readonly #store: AuthStore;
  readonly #users = new KeptReads<UserRecord>();
  readonly #callers = new KeptReads<Caller>();
  readonly #revoked = new KeptReads<{ revoked: boolean }>();

  constructor(store: AuthStore, generations: StoreGenerations) {
    this.#store = store;
    generations.follow('auth', this.#users);
    generations.follow('auth', this.#callers);
    generations.follow('auth', this.#revoked);
  }

  async user(username: string): Promise<UserRecord | undefined> {
    return this.#users.get(username, () => this.#store.users.find(username));
  }

  /** The caller `user` is in `tenant`, read by `read` when not kept; kept only when it is one. */
  caller(user: UserRecord, tenant: string, read: () => Promise<Caller | undefined>): Promise<Caller | undefined> {
    return this.#callers.get(`${user.username}\u0000${tenant}`, read);
  }

  /**
   * Whether the valid access token `tokenId` (or its grant) is revoked, read by `read` when not kept. A revocation
   * moves the auth generation on, so a kept answer holds until one is recorded, in any process.
   */
  async revoked(tokenId: string, read: () => Promise<boolean>): Promise<boolean> {
    const answer = await this.#revoked.get(tokenId, async () => ({ revoked: await read() }));
    return answer?.revoked === true;
  }
}
