/**
 * Remembers recent successful secret verifications so that a client sending the same Basic credentials or
 * token on every request pays for scrypt once per TTL, not per request. Keys are HMACs of the presented
 * secret under a key that lives only in this process, so the cache holds nothing that would help recover a
 * password. An entry only counts while the stored hash it was checked against is still the current one:
 * changing a password or revoking a token takes effect at once.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../../store/queryRules.js';

export interface VerificationCacheOptions {
  /** How long a verification is reused; 0 disables the cache. @defaultValue 60000 */
  ttlMs: number;
  /** @defaultValue 1000 */
  maxEntries?: number;
}

export const VERIFICATION_CACHE_DEFAULTS = { ttlMs: 60_000, maxEntries: 1000 } as const;

interface Entry {
  storedHash: string;
  expiresAt: number;
}

export class VerificationCache {
  readonly #key = randomBytes(32);
  readonly #entries = new Map<string, Entry>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: Clock;

  constructor(options: VerificationCacheOptions, now: Clock) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? VERIFICATION_CACHE_DEFAULTS.maxEntries;
    this.#now = now;
  }

  /** Whether `secret` for `subject` was verified against `storedHash` within the TTL. */
  has(subject: string, secret: string, storedHash: string): boolean {
    const id = this.#id(subject, secret);
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    if (entry.expiresAt <= this.#now().getTime() || entry.storedHash !== storedHash) {
      this.#entries.delete(id);
      return false;
    }
    return true;
  }

  remember(subject: string, secret: string, storedHash: string): void {
    if (this.#ttlMs <= 0) return;
    const id = this.#id(subject, secret);
    this.#entries.delete(id);
    this.#entries.set(id, { storedHash, expiresAt: this.#now().getTime() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  #id(subject: string, secret: string): string {
    return createHmac('sha256', this.#key).update(subject).update('\u0000').update(secret).digest('base64url');
  }
}
