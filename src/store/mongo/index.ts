export { MongoStore, databaseNameFromUri } from './MongoStore.js';
export type { MongoConnectionOptions, MongoDeployment, MongoStoreOptions } from './MongoStore.js';
export { MONGO_DEFAULTS } from './defaults.js';
export { MONGO_INDEXES } from './indexes.js';
export type { DefinitionDocument, RecordDocument, RelationDocument } from './mappers.js';
