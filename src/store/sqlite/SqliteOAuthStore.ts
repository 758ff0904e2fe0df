/**
 * Where the OAuth authorization server (oidc-provider) keeps what it must remember between requests and across
 * restarts: interactions, sessions, grants, authorization codes and refresh tokens. One SQLite file in DATA_DIR
 * (`oauth.sqlite`), apart from the store's own file, so it serves whichever store engine the service runs on.
 *
 * oidc-provider asks for one adapter per model name; every model shares one table. Expired rows are skipped on
 * read and deleted as new rows are written, so the file does not grow with every login.
 */
import { chmodSync } from 'node:fs';
import path from 'node:path';
import Database, { type Database as SqliteDatabase } from 'better-sqlite3';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OAuthStateStore } from '../oauthStateTypes.js';
import { SQLITE_DEFAULTS } from './defaults.js';

const OAUTH_STORE_FILENAME = 'oauth.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS oauth_models (
  model TEXT NOT NULL,
  id TEXT NOT NULL,
  payload TEXT NOT NULL,
  grant_id TEXT,
  uid TEXT,
  user_code TEXT,
  expires_at INTEGER,
  PRIMARY KEY (model, id)
);
CREATE INDEX IF NOT EXISTS oauth_models_grant ON oauth_models (grant_id);
CREATE INDEX IF NOT EXISTS oauth_models_uid ON oauth_models (model, uid);
CREATE INDEX IF NOT EXISTS oauth_models_user_code ON oauth_models (model, user_code);
CREATE INDEX IF NOT EXISTS oauth_models_expiry ON oauth_models (expires_at);
`;

export class SqliteOAuthStore implements OAuthStateStore {
  readonly #db: SqliteDatabase;
  readonly #now: () => number;

  private constructor(db: SqliteDatabase, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** Opens (creating if missing) `oauth.sqlite` in `dataDir`. */
  static open(dataDir: string, now: () => number = Date.now): SqliteOAuthStore {
    const filename = path.join(dataDir, OAUTH_STORE_FILENAME);
    const db = new Database(filename);
    try {
      // Refresh tokens and authorization codes are kept by their value: readable by the service's user only
      // (SQLite gives its -wal and -shm files the same mode).
      chmodSync(filename, 0o600);
      // First: several processes sharing DATA_DIR may open (and set up) the file at once.
      db.pragma(`busy_timeout = ${SQLITE_DEFAULTS.busyTimeoutMs}`);
      db.pragma(`journal_mode = ${SQLITE_DEFAULTS.journalMode}`);
      db.pragma(`synchronous = ${SQLITE_DEFAULTS.synchronous}`);
      db.exec(SCHEMA);
    } catch (error) {
      db.close();
      throw error;
    }
    return new SqliteOAuthStore(db, now);
  }

  adapterFor(model: string): Adapter {
    const db = this.#db;
    const now = this.#now;
    const upsert = db.prepare(
      `INSERT INTO oauth_models (model, id, payload, grant_id, uid, user_code, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid,
         user_code = excluded.user_code, expires_at = excluded.expires_at`,
    );
    const purge = db.prepare('DELETE FROM oauth_models WHERE expires_at IS NOT NULL AND expires_at <= ?');
    const live = 'AND (expires_at IS NULL OR expires_at > ?)';
    const byId = db.prepare(`SELECT payload FROM oauth_models WHERE model = ? AND id = ? ${live}`);
    const byUid = db.prepare(`SELECT payload FROM oauth_models WHERE model = ? AND uid = ? ${live}`);
    const byUserCode = db.prepare(`SELECT payload FROM oauth_models WHERE model = ? AND user_code = ? ${live}`);
    const remove = db.prepare('DELETE FROM oauth_models WHERE model = ? AND id = ?');
    const removeGrant = db.prepare('DELETE FROM oauth_models WHERE grant_id = ?');
    const markConsumed = db.prepare('UPDATE oauth_models SET payload = ? WHERE model = ? AND id = ?');
    const parse = (row: unknown): AdapterPayload | undefined =>
      row === undefined ? undefined : (JSON.parse((row as { payload: string }).payload) as AdapterPayload);
    const find = (id: string) => parse(byId.get(model, id, now()));
    return {
      async upsert(id, payload, expiresIn) {
        const at = now();
        purge.run(at);
        const expiresAt = expiresIn === undefined ? null : at + expiresIn * 1000;
        upsert.run(model, id, JSON.stringify(payload), payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, expiresAt);
      },
      async find(id) {
        return find(id);
      },
      async findByUid(uid) {
        return parse(byUid.get(model, uid, now()));
      },
      async findByUserCode(userCode) {
        return parse(byUserCode.get(model, userCode, now()));
      },
      async consume(id) {
        const payload = find(id);
        if (payload === undefined) return;
        // Keeps the row's expiry: a consumed code or rotated refresh token stays known (for reuse detection) until then.
        markConsumed.run(JSON.stringify({ ...payload, consumed: Math.floor(now() / 1000) }), model, id);
      },
      async destroy(id) {
        remove.run(model, id);
      },
      async revokeByGrantId(grantId) {
        removeGrant.run(grantId);
      },
    };
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
