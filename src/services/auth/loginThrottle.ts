/**
 * The login throttle: stops password guessing per account and per client address without letting anyone lock
 * out a client that presents valid credentials. The rules (README "Login throttling"):
 *
 * - Only checks that could have succeeded count: a wrong password (or unknown username), and a wrong secret for
 *   a token id that exists. Malformed credentials and unknown token ids cost no scrypt and count nowhere.
 * - Password failures count per (username, address), per address, and per username. Reaching the pair limit
 *   refuses that username from that address, even with the right password (else guessing simply goes on); a
 *   right password clears the pair. Reaching the address or username limit refuses every other client, but
 *   not a client the user proved itself from (`ProvenClients`): an attacker spraying from elsewhere can make
 *   the user wait only at an address the user never logged in from.
 * - Tokens have no lockout: their 32 random bytes cannot be guessed. Wrong secrets for a real token id are
 *   counted per address only because each costs a scrypt run; past the limit that address's tokens are
 *   checked only against the verification cache (a token used within its TTL still works).
 *
 * Refused attempts are not counted: they check nothing, so they teach the attacker nothing.
 */
import type { Clock } from '../../store/queryRules.js';
import { FailureCounter } from './failureCounter.js';
import { ProvenClients } from './provenClients.js';

export interface LoginThrottleOptions {
  /** Failed password logins for one username from one address that refuse that pair. @defaultValue 10 */
  maxFailuresPerUserAddress: number;
  /** Failed password logins from one address, any usernames, that refuse it to unproven clients; wrong token secrets are counted apart against the same limit. @defaultValue 10 */
  maxFailuresPerAddress: number;
  /** Failed password logins for one username, from any address, that refuse it to unproven clients. @defaultValue 20 */
  maxFailuresPerUser: number;
  /** The sliding window failures are counted in. @defaultValue 15 minutes */
  windowMs: number;
}

export const LOGIN_THROTTLE_DEFAULTS = {
  maxFailuresPerUserAddress: 10,
  maxFailuresPerAddress: 10,
  // Twice the pair limit: a single client, however clumsy, never locks a username for everyone else.
  maxFailuresPerUser: 20,
  windowMs: 15 * 60_000,
} as const satisfies LoginThrottleOptions;

/**
 * Who counts as proven: a month covers users who log in from home or the office now and then; eight addresses
 * cover their usual places without letting one account vouch for a whole network.
 */
const PROVEN_CLIENTS = { forMs: 30 * 86_400_000, perUser: 8, maxUsers: 10_000 } as const;

export class LoginThrottle {
  readonly #pairs: FailureCounter;
  readonly #addresses: FailureCounter;
  readonly #users: FailureCounter;
  readonly #tokenAddresses: FailureCounter;
  readonly #proven: ProvenClients;

  constructor(options: LoginThrottleOptions, now: Clock) {
    const { windowMs } = options;
    this.#pairs = new FailureCounter({ maxFailures: options.maxFailuresPerUserAddress, windowMs }, now);
    this.#addresses = new FailureCounter({ maxFailures: options.maxFailuresPerAddress, windowMs }, now);
    this.#users = new FailureCounter({ maxFailures: options.maxFailuresPerUser, windowMs }, now);
    this.#tokenAddresses = new FailureCounter({ maxFailures: options.maxFailuresPerAddress, windowMs }, now);
    this.#proven = new ProvenClients(PROVEN_CLIENTS, now);
  }

  /** Seconds a password login as `username` from `address` must wait, or `undefined` when it may be checked. */
  passwordRetryAfterSeconds(username: string, address: string): number | undefined {
    const pair = this.#pairs.retryAfterSeconds([pairKey(username, address)]);
    if (pair !== undefined || this.#proven.has(username, address)) return pair;
    const wait = [this.#addresses.retryAfterSeconds([address]), this.#users.retryAfterSeconds([username])];
    return Math.max(...wait.map((seconds) => seconds ?? 0)) || undefined;
  }

  passwordFailed(username: string, address: string): void {
    this.#pairs.recordFailure([pairKey(username, address)]);
    this.#addresses.recordFailure([address]);
    this.#users.recordFailure([username]);
  }

  /**
   * The right password: the pair starts again from zero and the address is proven for this user. The address
   * and username counts stay, so a user's own logins cannot reset what an attacker elsewhere has spent.
   */
  passwordSucceeded(username: string, address: string): void {
    this.#pairs.clear(pairKey(username, address));
    this.#proven.remember(username, address);
  }

  /** Seconds `address` must wait before a token secret not in the verification cache is checked with scrypt. */
  tokenRetryAfterSeconds(address: string): number | undefined {
    return this.#tokenAddresses.retryAfterSeconds([address]);
  }

  tokenFailed(address: string): void {
    this.#tokenAddresses.recordFailure([address]);
  }
}

/** As JSON, so that no other username and address (IPv6 addresses hold ':') make the same key. */
const pairKey = (username: string, address: string) => JSON.stringify([username, address]);
