/**
 * Options and defaults for the SQLite Agenda backend. Input options (`SqliteJobRepositoryOptions`) are what
 * callers write; `ResolvedSqliteJobRepositoryOptions` is what the repository runs with after defaults apply.
 */
import type Database from 'better-sqlite3';
import type { NotificationChannel, SortDirection } from 'agenda';

/** A better-sqlite3 connection. */
export type SqliteDatabase = Database.Database;

/** Order in which due jobs of one name are handed out by `getNextJobToRun`. */
export interface NextJobSort {
  nextRunAt?: SortDirection;
  priority?: SortDirection;
}

/** Where the jobs live: a file the repository opens and closes, or a connection the caller owns. */
export type SqliteConnectionOptions =
  | {
      /** Path of the database file, or `':memory:'`. The repository opens it in `connect()` and closes it in `disconnect()`. */
      filename: string;
      database?: never;
    }
  | {
      /** An open connection. The repository never closes it and never changes its pragmas. */
      database: SqliteDatabase;
      filename?: never;
    };

export type SqliteJobRepositoryOptions = SqliteConnectionOptions & {
  /** Table holding one row per Agenda job. Letters, digits and `_` only. @defaultValue 'agenda_jobs' */
  tableName?: string;
  /** Create the table and its indexes in `connect()` when missing. @defaultValue true */
  ensureSchema?: boolean;
  /** Tie-break order for `getNextJobToRun`. @defaultValue { nextRunAt: 'asc', priority: 'desc' } */
  sort?: NextJobSort;
  /** How long a writer waits for another connection's write lock, in ms (owned connections only). @defaultValue 5000 */
  busyTimeoutMs?: number;
  /**
   * Journal mode set on owned file databases. WAL lets readers in other processes carry on while one
   * process locks a job. @defaultValue 'WAL'
   */
  journalMode?: 'WAL' | 'DELETE';
};

export type SqliteBackendOptions = SqliteJobRepositoryOptions & {
  /**
   * Channel Agenda uses to start work as soon as a job is saved instead of at the next `processEvery` poll,
   * e.g. agenda's `InMemoryNotificationChannel` for a single process. Agenda connects and disconnects it.
   * @defaultValue undefined (polling only)
   */
  notificationChannel?: NotificationChannel;
  /** Name shown by dashboards and `getRunningStats()`. @defaultValue 'SQLite' */
  name?: string;
};

export interface ResolvedSqliteJobRepositoryOptions {
  tableName: string;
  ensureSchema: boolean;
  sort: Required<NextJobSort>;
  busyTimeoutMs: number;
  journalMode: 'WAL' | 'DELETE';
}

export const DEFAULTS = {
  backendName: 'SQLite',
  tableName: 'agenda_jobs',
  ensureSchema: true,
  sort: { nextRunAt: 'asc', priority: 'desc' },
  busyTimeoutMs: 5000,
  journalMode: 'WAL',
} as const satisfies ResolvedSqliteJobRepositoryOptions & { backendName: string };

const TABLE_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function resolveRepositoryOptions(options: SqliteJobRepositoryOptions): ResolvedSqliteJobRepositoryOptions {
  const tableName = options.tableName ?? DEFAULTS.tableName;
  // The name is spliced into SQL text, so it must be a plain identifier.
  if (!TABLE_NAME_PATTERN.test(tableName)) {
    throw new Error(`Invalid SQLite table name "${tableName}": use letters, digits and "_" only`);
  }
  return {
    tableName,
    ensureSchema: options.ensureSchema ?? DEFAULTS.ensureSchema,
    sort: {
      nextRunAt: options.sort?.nextRunAt ?? DEFAULTS.sort.nextRunAt,
      priority: options.sort?.priority ?? DEFAULTS.sort.priority,
    },
    busyTimeoutMs: options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs,
    journalMode: options.journalMode ?? DEFAULTS.journalMode,
  };
}
