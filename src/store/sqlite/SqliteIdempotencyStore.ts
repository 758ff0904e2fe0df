import { randomUUID } from 'node:crypto';
import type { IdempotencyScope, KeptAnswer, Reservation } from '../../domain/idempotency.js';
import type { IdempotencyStore, ReserveOptions } from '../idempotencyTypes.js';
import type { StatementCache } from './statements.js';

interface KeyRow {
  fingerprint: string;
  token: string | null;
  answer: string | null;
}

const SCOPE = 'tenant_id = @tenant AND username = @user';
const ONE_KEY = `${SCOPE} AND key = @key`;

/** One row per key; `token` set while reserved, `answer` once answered (then `token` is cleared). */
export class SqliteIdempotencyStore implements IdempotencyStore {
  readonly #statements: StatementCache;
  readonly #dropExpired;
  readonly #get;
  readonly #countLive;
  readonly #insert;
  readonly #renew;
  readonly #complete;
  readonly #release;

  constructor(statements: StatementCache) {
    this.#statements = statements;
    this.#dropExpired = statements.prepare(`DELETE FROM idempotency_keys WHERE ${SCOPE} AND expires_at <= @now`);
    this.#get = statements.prepare<KeyRow>(`SELECT fingerprint, token, answer FROM idempotency_keys WHERE ${ONE_KEY}`);
    this.#countLive = statements.prepare<number>(`SELECT count(*) FROM idempotency_keys WHERE ${SCOPE}`).pluck();
    this.#insert = statements.prepare(
      `INSERT INTO idempotency_keys (tenant_id, username, key, fingerprint, token, expires_at)
       VALUES (@tenant, @user, @key, @fingerprint, @token, @expiresAt)`,
    );
    this.#renew = statements.prepare(`UPDATE idempotency_keys SET expires_at = @expiresAt WHERE ${ONE_KEY} AND token = @token`);
    this.#complete = statements.prepare(
      `UPDATE idempotency_keys SET token = NULL, answer = @answer, expires_at = @expiresAt WHERE ${ONE_KEY} AND token = @token`,
    );
    this.#release = statements.prepare(`DELETE FROM idempotency_keys WHERE ${ONE_KEY} AND token = @token`);
  }

  async reserve(scope: IdempotencyScope, options: ReserveOptions): Promise<Reservation> {
    // BEGIN IMMEDIATE: no other process writes between our look at the key and our insert.
    return this.#statements.write((): Reservation => {
      this.#dropExpired.run({ ...scope, now: options.now.getTime() });
      const row = this.#get.get(scope);
      if (row !== undefined) {
        if (row.fingerprint !== options.fingerprint) return { state: 'mismatch' };
        return row.answer === null ? { state: 'inProgress' } : { state: 'answered', answer: JSON.parse(row.answer) as KeptAnswer };
      }
      if ((this.#countLive.get(scope) ?? 0) >= options.maxKeys) return { state: 'full' };
      const token = randomUUID();
      this.#insert.run({ ...scope, fingerprint: options.fingerprint, token, expiresAt: options.lockedUntil.getTime() });
      return { state: 'reserved', token };
    });
  }

  async renew(scope: IdempotencyScope, token: string, lockedUntil: Date): Promise<boolean> {
    return this.#renew.run({ ...scope, token, expiresAt: lockedUntil.getTime() }).changes > 0;
  }

  async complete(scope: IdempotencyScope, token: string, answer: KeptAnswer, expiresAt: Date): Promise<boolean> {
    return this.#complete.run({ ...scope, token, answer: JSON.stringify(answer), expiresAt: expiresAt.getTime() }).changes > 0;
  }

  async release(scope: IdempotencyScope, token: string): Promise<boolean> {
    return this.#release.run({ ...scope, token }).changes > 0;
  }
}
