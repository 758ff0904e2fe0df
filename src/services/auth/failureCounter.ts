/**
 * Counts failures per key in a sliding window and says how long a key that reached its limit must wait. It
 * only counts: what a full key refuses, and who may pass anyway, is src/services/auth/loginThrottle.ts's
 * policy. In memory, per process; bounded, so a flood of new keys cannot exhaust memory.
 */
import type { Clock } from '../../store/queryRules.js';

export interface FailureCounterOptions {
  /** Failures within the window that make a key wait. */
  maxFailures: number;
  windowMs: number;
  /** Keys tracked at once; the least recently failed are forgotten first. @defaultValue 10000 */
  maxKeys?: number;
}

export const FAILURE_COUNTER_DEFAULTS = { maxKeys: 10_000 } as const;

export class FailureCounter {
  readonly #failures = new Map<string, number[]>();
  readonly #options: Required<FailureCounterOptions>;
  readonly #now: Clock;

  constructor(options: FailureCounterOptions, now: Clock) {
    this.#options = { maxKeys: FAILURE_COUNTER_DEFAULTS.maxKeys, ...options };
    this.#now = now;
  }

  /** Seconds until the most limited of `keys` is under its limit again, or `undefined` when none is at it. */
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

  /** Forgets a key's failures. */
  clear(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#failures.get(key) ?? []).filter((time) => time > now - this.#options.windowMs);
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}
