import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { IdempotencyScope, KeptAnswer, Reservation } from '../../domain/idempotency.js';
import type { IdempotencyStore, ReserveOptions } from '../idempotencyTypes.js';
import { requireString } from '../queryRules.js';
import { isDuplicateKey } from './operations.js';

/**
 * One document per key, its `_id` made of tenant, user and key, so the unique `_id` is the reservation: of two
 * inserts of one key, one fails. `token` is set while reserved, `answer` once answered.
 */
export interface IdempotencyKeyDocument {
  _id: string;
  tenantId: string;
  username: string;
  fingerprint: string;
  token?: string;
  answer?: KeptAnswer;
  expiresAt: Date;
}

/** How often `reserve` tries again when the key changed hands between its read and its write. */
const RESERVE_ATTEMPTS = 3;

function idOf(scope: IdempotencyScope): string {
  return JSON.stringify([requireString(scope.tenant, 'tenant'), requireString(scope.user, 'user'), requireString(scope.key, 'key')]);
}

export class MongoIdempotencyStore implements IdempotencyStore {
  readonly #keys: Collection<IdempotencyKeyDocument>;

  constructor(keys: Collection<IdempotencyKeyDocument>) {
    this.#keys = keys;
  }

  async reserve(scope: IdempotencyScope, options: ReserveOptions): Promise<Reservation> {
    const _id = idOf(scope);
    const owner = { tenantId: scope.tenant, username: scope.user };
    await this.#keys.deleteMany({ ...owner, expiresAt: { $lte: options.now } });
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const found = await this.#keys.findOne({ _id, expiresAt: { $gt: options.now } });
      if (found !== null) {
        if (found.fingerprint !== options.fingerprint) return { state: 'mismatch' };
        return found.answer === undefined ? { state: 'inProgress' } : { state: 'answered', answer: found.answer };
      }
      if ((await this.#keys.countDocuments(owner)) >= options.maxKeys) return { state: 'full' };
      const token = randomUUID();
      const document = { _id, ...owner, fingerprint: options.fingerprint, token, expiresAt: options.lockedUntil };
      try {
        // A key that expired since the sweep above is taken over in place; a missing one is inserted.
        const { matchedCount, upsertedCount } = await this.#keys.replaceOne({ _id, expiresAt: { $lte: options.now } }, document, { upsert: true });
        if (matchedCount + upsertedCount > 0) return { state: 'reserved', token };
      } catch (error) {
        // Another request inserted the key first (the upsert's filter missed its live document): read it.
        if (!isDuplicateKey(error)) throw error;
      }
    }
    return { state: 'inProgress' };
  }

  async renew(scope: IdempotencyScope, token: string, lockedUntil: Date): Promise<boolean> {
    const { matchedCount } = await this.#keys.updateOne({ _id: idOf(scope), token }, { $set: { expiresAt: lockedUntil } });
    return matchedCount > 0;
  }

  async complete(scope: IdempotencyScope, token: string, answer: KeptAnswer, expiresAt: Date): Promise<boolean> {
    const { matchedCount } = await this.#keys.updateOne({ _id: idOf(scope), token }, { $set: { answer, expiresAt }, $unset: { token: '' } });
    return matchedCount > 0;
  }

  async release(scope: IdempotencyScope, token: string): Promise<boolean> {
    const { deletedCount } = await this.#keys.deleteOne({ _id: idOf(scope), token });
    return deletedCount > 0;
  }
}
