/**
 * Opens the configured store: MongoDB when a connection string is given, otherwise the embedded SQLite
 * database in the data directory.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { OAuthStateStore } from './oauthStateTypes.js';
import type { RunStoreOptions } from './runTypes.js';
import type { Store } from './types.js';
export type { OAuthStateStore } from './oauthStateTypes.js';
import { MongoStore } from './mongo/index.js';
import { SQLITE_DEFAULTS, SqliteOAuthStore, SqliteStore } from './sqlite/index.js';

export type {
  DefinitionQuery,
  DefinitionStore,
  DeleteOptions,
  RecordQuery,
  RecordStore,
  RelationQuery,
  RelationStore,
  SortDirection,
  Store,
  StoreEngine,
  WriteOptions,
} from './types.js';

export interface OpenStoreOptions {
  /** When set, the MongoDB engine; the database is the one named in the URI's path, else `invocables`. */
  mongodbUri?: string;
  /** Where the SQLite file lives; created when missing. Unused with MongoDB. */
  dataDir: string;
  /** The SQLite file name inside `dataDir`, or `':memory:'`. @defaultValue SQLITE_DEFAULTS.filename */
  sqliteFilename?: string;
  runs?: RunStoreOptions;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const runs = options.runs && { runs: options.runs };
  if (options.mongodbUri !== undefined && options.mongodbUri !== '') {
    return MongoStore.connect({ uri: options.mongodbUri, ...runs });
  }
  const filename = options.sqliteFilename ?? SQLITE_DEFAULTS.filename;
  if (filename === ':memory:') return SqliteStore.open({ filename, ...runs });
  await mkdir(options.dataDir, { recursive: true });
  return SqliteStore.open({ filename: path.join(options.dataDir, filename), ...runs });
}

/**
 * The OAuth authorization server's state for `store`: in its database on MongoDB (shared by processes on several
 * machines), else in its own SQLite file in `dataDir`. `close` releases what this opened.
 */
export function openOAuthState(store: Store, dataDir: string): { state: OAuthStateStore; close: () => void } {
  if (store instanceof MongoStore) return { state: store.oauthState, close: () => undefined };
  const sqlite = SqliteOAuthStore.open(dataDir);
  return { state: sqlite, close: () => sqlite.close() };
}
