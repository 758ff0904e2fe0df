/**
 * Remembers, per username, the client addresses it recently logged in from with the right password. The login
 * throttle lets these through a username or address lock (src/services/auth/loginThrottle.ts): only a right
 * password adds to this memory, so an attacker who never had it cannot fill it, flush it, or put an address in.
 * In memory, per process; bounded per user and overall.
 */
import type { Clock } from '../../store/queryRules.js';

export interface ProvenClientsOptions {
  /** How long a successful login vouches for its address. */
  forMs: number;
  /** Addresses remembered per user; the least recently proven go first. */
  perUser: number;
  /** Users remembered at once; those who logged in least recently go first. */
  maxUsers: number;
}

export class ProvenClients {
  /** username -> address -> time of the last successful login from it; both maps ordered oldest first. */
  readonly #users = new Map<string, Map<string, number>>();
  readonly #options: ProvenClientsOptions;
  readonly #now: Clock;

  constructor(options: ProvenClientsOptions, now: Clock) {
    this.#options = options;
    this.#now = now;
  }

  remember(username: string, address: string): void {
    const addresses = this.#users.get(username) ?? new Map<string, number>();
    addresses.delete(address);
    addresses.set(address, this.#now().getTime());
    while (addresses.size > this.#options.perUser) addresses.delete(addresses.keys().next().value as string);
    this.#users.delete(username);
    this.#users.set(username, addresses);
    while (this.#users.size > this.#options.maxUsers) this.#users.delete(this.#users.keys().next().value as string);
  }

  /** Whether `username` logged in successfully from `address` within the last `forMs`. */
  has(username: string, address: string): boolean {
    const provenAt = this.#users.get(username)?.get(address);
    return provenAt !== undefined && provenAt > this.#now().getTime() - this.#options.forMs;
  }
}
