/**
 * The embedded engine: one better-sqlite3 connection per store. better-sqlite3 is synchronous, so each
 * method runs to completion before another starts; transactions still matter for atomicity on errors and
 * for other processes sharing the file.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Store } from '../types.js';
import type { Clock } from '../queryRules.js';
import { systemClock } from '../queryRules.js';
import type { RunStoreOptions } from '../runTypes.js';
import { SQLITE_DEFAULTS } from './defaults.js';
import { migrate } from './schema.js';
import { SqliteAuthStore } from './SqliteAuthStore.js';
import { SqliteDefinitionStore } from './SqliteDefinitionStore.js';
import { SqliteRecordStore } from './SqliteRecordStore.js';
import { SqliteRelationStore } from './SqliteRelationStore.js';
import { SqliteRunStore } from './SqliteRunStore.js';
import { SqliteScheduleStore } from './SqliteScheduleStore.js';
import { StatementCache } from './statements.js';

export interface SqliteStoreOptions {
  /** Path of the database file (its directory must exist), or `':memory:'` for a private in-memory database. */
  filename: string;
  /** @defaultValue SQLITE_DEFAULTS.busyTimeoutMs */
  busyTimeoutMs?: number;
  /** Source of `createdAt`/`updatedAt`. @defaultValue the system clock */
  now?: Clock;
  runs?: RunStoreOptions;
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly definitions: SqliteDefinitionStore;
  readonly records: SqliteRecordStore;
  readonly relations: SqliteRelationStore;
  readonly runs: SqliteRunStore;
  readonly schedules: SqliteScheduleStore;
  readonly auth: SqliteAuthStore;
  readonly #db: SqliteDatabase;

  /** Opens (creating if needed) and migrates the database. */
  static open(options: SqliteStoreOptions): SqliteStore {
    const db = new Database(options.filename);
    try {
      db.pragma(`journal_mode = ${SQLITE_DEFAULTS.journalMode}`);
      db.pragma(`synchronous = ${SQLITE_DEFAULTS.synchronous}`);
      db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs)}`);
      db.pragma('foreign_keys = ON');
      migrate(db);
      return new SqliteStore(db, options.now ?? systemClock, options.runs);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private constructor(db: SqliteDatabase, now: Clock, runOptions: RunStoreOptions = {}) {
    this.#db = db;
    const statements = new StatementCache(db);
    this.definitions = new SqliteDefinitionStore(statements, now);
    this.records = new SqliteRecordStore(statements, now);
    this.relations = new SqliteRelationStore(statements, now);
    this.auth = new SqliteAuthStore(statements, now);
    this.runs = new SqliteRunStore(statements, runOptions);
    this.schedules = new SqliteScheduleStore(statements);
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    // SQLite's advice for long-lived connections: refresh planner statistics where they have gone stale.
    this.#db.pragma('optimize');
    this.#db.close();
  }
}
