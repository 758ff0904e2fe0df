/**
 * Idempotent posts (src/domain/idempotency.ts) over the store's reservations: the rules of how long a key holds,
 * how many a user may hold and how much of an answer is kept. The HTTP edge (src/http/idempotency.ts) decides
 * which requests carry a key and which answers are worth keeping.
 */
import type { IdempotencyScope, KeptAnswer, Reservation } from '../domain/idempotency.js';
import type { IdempotencyStore } from '../store/idempotencyTypes.js';

export interface IdempotencySettings {
  /** How long an answer is replayed after it was given. `IDEMPOTENCY_RETENTION_MS` */
  retentionMs: number;
  /** Most keys one user may hold in a tenant at once (reserved or answered, not expired). `IDEMPOTENCY_MAX_KEYS` */
  maxKeysPerUser: number;
}

/**
 * How long a reservation holds without renewal. The request holding it renews it every third of this while it
 * works (a synchronous invoke may wait for its run a long time); if its process dies, the key is free again after
 * at most this long instead of answering "in progress" for the whole retention window.
 */
export const IDEMPOTENCY_LOCK_MS = 60_000;

/**
 * The largest answer body kept for replay (bytes of UTF-8); a larger answer is kept without its body. Most run
 * documents are far smaller (not a whole-invocation run's long list, nor a synchronous invoke's big results).
 * With `IDEMPOTENCY_MAX_KEYS` it bounds what one user makes the store keep (1,000 keys: at most 64 MiB).
 */
export const IDEMPOTENCY_MAX_ANSWER_BYTES = 65_536;

export class IdempotencyService {
  readonly #store: IdempotencyStore;
  readonly #settings: IdempotencySettings;
  readonly #now: () => Date;

  constructor(store: IdempotencyStore, settings: IdempotencySettings, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  reserve(scope: IdempotencyScope, fingerprint: string): Promise<Reservation> {
    const now = this.#now();
    return this.#store.reserve(scope, {
      fingerprint,
      now,
      lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LOCK_MS),
      maxKeys: this.#settings.maxKeysPerUser,
    });
  }

  renew(scope: IdempotencyScope, token: string): Promise<boolean> {
    return this.#store.renew(scope, token, new Date(this.#now().getTime() + IDEMPOTENCY_LOCK_MS));
  }

  /** Keeps the answer for repeats within the retention window; a body past the limit is left out. */
  keep(scope: IdempotencyScope, token: string, answer: KeptAnswer): Promise<boolean> {
    const { body, ...rest } = answer;
    const kept = body !== undefined && Buffer.byteLength(body) <= IDEMPOTENCY_MAX_ANSWER_BYTES ? answer : rest;
    return this.#store.complete(scope, token, kept, new Date(this.#now().getTime() + this.#settings.retentionMs));
  }

  release(scope: IdempotencyScope, token: string): Promise<boolean> {
    return this.#store.release(scope, token);
  }
}
