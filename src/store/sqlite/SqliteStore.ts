/**
 * The embedded engine: one better-sqlite3 connection per store. better-sqlite3 is synchronous, so each
 * method runs to completion before another starts; transactions still matter for atomicity on errors and
 * for other processes sharing the file.
 *
 * Health: every write checks that the file is still the store's (`SqliteFileGuard`), and every second the
 * store's files (its own, and any added with `watchFile`, such as Agenda's) are probed and, when they went
 * away, written back (`recovery.ts`).
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import type { Generations, Store } from '../types.js';
import type { Clock } from '../queryRules.js';
import { systemClock } from '../queryRules.js';
import type { RunStoreOptions } from '../runTypes.js';
import { SQLITE_DEFAULTS } from './defaults.js';
import { registerSearchFunctions } from './advancedSearchSql.js';
import { migrate } from './schema.js';
import { SqliteAuthStore } from './SqliteAuthStore.js';
import { SqliteDefinitionStore } from './SqliteDefinitionStore.js';
import { SqliteRecordStore } from './SqliteRecordStore.js';
import { SqliteRelationStore } from './SqliteRelationStore.js';
import { SqliteRunStore } from './SqliteRunStore.js';
import { SqliteResultLinkStore } from './SqliteResultLinkStore.js';
import { SqliteScheduleStore } from './SqliteScheduleStore.js';
import { SqliteIdempotencyStore } from './SqliteIdempotencyStore.js';
import { GENERATIONS_SQL } from './sql.js';
import { type LiveStatement, StatementCache } from './statements.js';
import { fileProblemOf, SqliteFileGuard } from './fileGuard.js';
import { probeFile, type SqliteConnection } from './recovery.js';
import { StoreHealth } from '../health.js';

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
  readonly resultLinks: SqliteResultLinkStore;
  readonly idempotency: SqliteIdempotencyStore;
  readonly auth: SqliteAuthStore;
  readonly health = new StoreHealth();
  readonly #options: SqliteStoreOptions;
  readonly #statements: StatementCache;
  readonly #generations: LiveStatement<Generations>;
  readonly #files: Array<{ guard: SqliteFileGuard; connection: SqliteConnection }> = [];

  /** Opens (creating if needed) and migrates the database. */
  static open(options: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(connect(options), options);
  }

  private constructor(db: SqliteDatabase, options: SqliteStoreOptions) {
    this.#options = options;
    const now = options.now ?? systemClock;
    const guard = db.memory ? undefined : new SqliteFileGuard(options.filename, 'database', this.health);
    const statements = new StatementCache(db, guard);
    this.#statements = statements;
    this.#generations = statements.prepare<Generations>(GENERATIONS_SQL);
    this.definitions = new SqliteDefinitionStore(statements, now);
    this.records = new SqliteRecordStore(statements, now);
    this.relations = new SqliteRelationStore(statements, now);
    this.auth = new SqliteAuthStore(statements, now);
    this.runs = new SqliteRunStore(statements, options.runs);
    this.schedules = new SqliteScheduleStore(statements);
    this.resultLinks = new SqliteResultLinkStore(statements);
    this.idempotency = new SqliteIdempotencyStore(statements);
    if (guard === undefined) return;
    this.#files.push({ guard, connection: { db: () => statements.db, reopen: () => this.#reopen() } });
    this.health.setProbe(() => {
      for (const { guard: fileGuard, connection } of this.#files) {
        try {
          probeFile(fileGuard, connection);
        } catch {
          // A connection closed under the probe (Agenda's disconnects on shutdown before the store closes).
        }
      }
    });
    this.health.setClassifier((source, error) => {
      const file = this.#files.find((watched) => watched.guard.part === source)?.guard.file;
      const problem = file === undefined ? undefined : fileProblemOf(error, file);
      return problem === undefined ? undefined : { part: source, problem };
    });
    this.health.watch();
  }

  /** Moved on by the triggers of migrations 15, 17 and 18, in the same transaction as the change. */
  async generations(): Promise<Generations> {
    const generations = this.#generations.get();
    if (generations === undefined) throw new Error('the generation counters are missing from the store');
    return generations;
  }

  /** Another SQLite file the store's health covers (Agenda's), under `part`; its identity is taken now. */
  watchFile(part: string, file: string, connection: SqliteConnection): void {
    if (this.#files.length === 0) return;
    this.#files.push({ guard: new SqliteFileGuard(file, part, this.health), connection });
  }

  /**
   * The database was written back to its path: work on that file from now on. The old connection closes first:
   * closing deletes the `-wal` and `-shm` files by their names, which must not be the new connection's yet.
   */
  #reopen(): void {
    const old = this.#statements.db;
    if (old.open) old.close();
    this.#statements.reopen(connect(this.#options));
  }

  async close(): Promise<void> {
    this.health.stop();
    const db = this.#statements.db;
    if (!db.open) return;
    // SQLite's advice for long-lived connections: refresh planner statistics where they have gone stale.
    // A file that cannot take writes (read-only, full, gone) is closed without it.
    if (this.health.healthy) db.pragma('optimize');
    db.close();
  }
}

/** Opens the file with the store's settings and brings its schema up to date. */
function connect(options: SqliteStoreOptions): SqliteDatabase {
  const db = new Database(options.filename);
  try {
    db.pragma(`journal_mode = ${SQLITE_DEFAULTS.journalMode}`);
    db.pragma(`synchronous = ${SQLITE_DEFAULTS.synchronous}`);
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? SQLITE_DEFAULTS.busyTimeoutMs)}`);
    db.pragma('foreign_keys = ON');
    registerSearchFunctions(db);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
