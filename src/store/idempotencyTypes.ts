/**
 * Storage of idempotency keys (src/domain/idempotency.ts). The reservation is the store's: whichever request
 * reserves a key first acts, every other one with that key finds it taken, in any process sharing the store.
 * Engines implement it in `sqlite/SqliteIdempotencyStore.ts` and `mongo/MongoIdempotencyStore.ts` and pass
 * `test/store/idempotencyStoreConformance.ts`.
 */
import type { IdempotencyScope, KeptAnswer, Reservation } from '../domain/idempotency.js';

export interface ReserveOptions {
  /** What the request is (a hash of its method, path and body): a repeat must match it. */
  fingerprint: string;
  now: Date;
  /** Until when the reservation holds without `renew` (a process that died frees the key then). */
  lockedUntil: Date;
  /** Most live keys one user may hold in a tenant; past it the answer is `full`. */
  maxKeys: number;
}

export interface IdempotencyStore {
  /**
   * Atomically: a key not held (or held past its expiry) becomes the caller's; otherwise what holds it. Expired
   * keys of the same user are dropped on the way, so a user's keys never outgrow `maxKeys`.
   */
  reserve(scope: IdempotencyScope, options: ReserveOptions): Promise<Reservation>;
  /** Extends a reservation still held under `token`; `false` when it is not (answered, released or taken over). */
  renew(scope: IdempotencyScope, token: string, lockedUntil: Date): Promise<boolean>;
  /** Keeps `answer` for repeats until `expiresAt`; `false` when `token` no longer holds the key. */
  complete(scope: IdempotencyScope, token: string, answer: KeptAnswer, expiresAt: Date): Promise<boolean>;
  /** Frees a key still reserved under `token` (the request kept nothing worth replaying); `false` when not held. */
  release(scope: IdempotencyScope, token: string): Promise<boolean>;
}
