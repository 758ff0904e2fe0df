/** Defaults of the MongoDB engine, named once here. */
export const MONGO_DEFAULTS = {
  /** Used when neither the options nor the connection string name a database. */
  databaseName: 'invocables',
  collections: {
    definitions: 'definitions',
    definitionAliases: 'definitionAliases',
    definitionNames: 'definitionNames',
    records: 'records',
    recordFiles: 'recordFiles',
    relations: 'relations',
    runs: 'runs',
    runItems: 'runItems',
    runResults: 'runResults',
    resultLinks: 'resultLinks',
    runLog: 'runLog',
    schedules: 'schedules',
    idempotencyKeys: 'idempotencyKeys',
    tenants: 'tenants',
    users: 'users',
    roles: 'roles',
    apiTokens: 'apiTokens',
    oauthState: 'oauthState',
    oauthRevocations: 'oauthRevocations',
    /** The counters of `Store.generations`, one document each. */
    generations: 'generations',
  },
} as const satisfies { databaseName: string; collections: Record<string, string> };
