export { SqliteStore } from './SqliteStore.js';
export type { SqliteStoreOptions } from './SqliteStore.js';
export { SQLITE_DEFAULTS } from './defaults.js';
export { SqliteOAuthStore } from './SqliteOAuthStore.js';
