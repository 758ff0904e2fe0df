export { SqliteBackend } from './SqliteBackend.js';
export { SqliteJobRepository } from './SqliteJobRepository.js';
export { DEFAULTS as SQLITE_BACKEND_DEFAULTS } from './types.js';
export type {
  NextJobSort,
  SqliteBackendOptions,
  SqliteConnectionOptions,
  SqliteDatabase,
  SqliteJobRepositoryOptions,
} from './types.js';
