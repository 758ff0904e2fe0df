/**
 * Counts failed logins per key (a username, a client address) in a sliding window. A key with `maxFailures`
 * failures inside the window is refused until the oldest of them leaves it, whether or not the next attempt
 * would be right: otherwise guessing could simply go on. In memory, per process.
 */
import type { Clock } from '../../store/queryRules.js';

export interface LoginThrottleOptions {
  /** Failures within the window that lock a key. @defaultValue 10 */
  maxFailures: number;
  /** @defaultValue 15 minutes */
  windowMs: number;
  /** Keys tracked at once; the least recently failed are forgotten first. @defaultValue 10000 */
  maxKeys?: number;
}

export const LOGIN_THROTTLE_DEFAULTS = { maxFailures: 10, windowMs: 15 * 60_000, maxKeys: 10_000 } as const;

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();
  readonly #options: Required<LoginThrottleOptions>;
  readonly #now: Clock;

  constructor(options: LoginThrottleOptions, now: Clock) {
    this.#options = { maxKeys: LOGIN_THROTTLE_DEFAULTS.maxKeys, ...options };
    this.#now = now;
  }

  /** Seconds until the most locked of `keys` may try again, or `undefined` when none is locked. */
  retryAfterSeconds(keys: readonly string[]): number | undefined {
    const now = this.#now().getTime();
    let waitMs = 0;
    for (const key of keys) {
      const times = this.#recent(key, now);
      if (times.length >= this.#options.maxFailures) {
        const oldest = times[times.length - this.#options.maxFailures] ?? now;
        waitMs = Math.max(waitMs, oldest + this.#options.windowMs - now);
      }
    }
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : undefined;
  }

  recordFailure(keys: readonly string[]): void {
    const now = this.#now().getTime();
    for (const key of keys) {
      const times = this.#recent(key, now);
      times.push(now);
      // Re-inserting keeps the map ordered by last failure, so eviction drops the stalest key.
      this.#failures.delete(key);
      this.#failures.set(key, times.slice(-this.#options.maxFailures));
    }
    while (this.#failures.size > this.#options.maxKeys) {
      const stalest = this.#failures.keys().next().value;
      if (stalest === undefined) break;
      this.#failures.delete(stalest);
    }
  }

  /** Forgets a key's failures (a user who just proved their password). */
  clear(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#failures.get(key) ?? []).filter((time) => time > now - this.#options.windowMs);
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}
