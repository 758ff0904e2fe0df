/**
 * The SQLite schema as numbered migrations. `PRAGMA user_version` records how many have been applied;
 * append new migrations, never edit a released one.
 *
 * Definition bodies and record fields are JSON text. The columns that lists filter or sort on are
 * generated from the JSON, so they can never disagree with it; `definition_doc_types` is the indexable form
 * of `forDocTypes`, kept in step with the body by triggers (and emptied by the foreign-key cascade).
 */
import type { Database } from 'better-sqlite3';

const CORE_COLUMNS = `
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  workflow_state TEXT NOT NULL,
  revision INTEGER NOT NULL`;

const modeFlag = (flag: string): string => `(json_extract(body, '$.${flag}') IS 1)`;

const forDocTypeRows = `
  INSERT OR IGNORE INTO definition_doc_types (definition_csid, tenant_id, doc_type)
  SELECT NEW.csid, NEW.tenant_id, value FROM json_each(NEW.body, '$.forDocTypes') WHERE type = 'text';`;

/**
 * Triggers on a table: each insert, update and delete moves the counter in `counterTable` on (migrations 15 and
 * 17). Part of those migrations' text, so never to be changed.
 */
function movesGeneration(counterTable: string): (table: string) => string {
  return (table) =>
    ['INSERT', 'UPDATE', 'DELETE']
      .map((event) => `CREATE TRIGGER ${table}_${event.toLowerCase()}_${counterTable} AFTER ${event} ON ${table} BEGIN UPDATE ${counterTable} SET n = n + 1; END;`)
      .join('\n');
}

export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE definitions (
    csid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    body TEXT NOT NULL CHECK (json_valid(body)),
    name TEXT GENERATED ALWAYS AS (json_extract(body, '$.name')) VIRTUAL,
    class_name TEXT GENERATED ALWAYS AS (json_extract(body, '$.className')) VIRTUAL,
    supports_single_doc INTEGER GENERATED ALWAYS AS ${modeFlag('supportsSingleDoc')} VIRTUAL,
    supports_doc_list INTEGER GENERATED ALWAYS AS ${modeFlag('supportsDocList')} VIRTUAL,
    supports_group INTEGER GENERATED ALWAYS AS ${modeFlag('supportsGroup')} VIRTUAL,
    supports_no_context INTEGER GENERATED ALWAYS AS ${modeFlag('supportsNoContext')} VIRTUAL,
    ${CORE_COLUMNS}
  ) STRICT;
  CREATE INDEX definitions_by_name ON definitions (tenant_id, name, csid);
  CREATE INDEX definitions_by_updated ON definitions (tenant_id, updated_at, csid);
  CREATE INDEX definitions_by_class_name ON definitions (tenant_id, class_name);

  CREATE TABLE definition_doc_types (
    definition_csid TEXT NOT NULL REFERENCES definitions (csid) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    PRIMARY KEY (definition_csid, doc_type)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX definition_doc_types_by_doc_type ON definition_doc_types (tenant_id, doc_type, definition_csid);

  CREATE TRIGGER definitions_doc_types_on_insert AFTER INSERT ON definitions BEGIN ${forDocTypeRows} END;
  CREATE TRIGGER definitions_doc_types_on_update AFTER UPDATE OF body ON definitions BEGIN
    DELETE FROM definition_doc_types WHERE definition_csid = OLD.csid; ${forDocTypeRows}
  END;

  CREATE TABLE records (
    csid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    doc_type_key TEXT NOT NULL,
    fields TEXT NOT NULL CHECK (json_valid(fields)),
    ${CORE_COLUMNS}
  ) STRICT;
  CREATE INDEX records_by_type_updated ON records (tenant_id, doc_type_key, updated_at, csid);
  CREATE INDEX records_by_updated ON records (tenant_id, updated_at, csid);
  CREATE INDEX records_by_created ON records (tenant_id, created_at, csid);

  CREATE TABLE relations (
    csid TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    subject_csid TEXT NOT NULL,
    subject_document_type TEXT NOT NULL,
    relationship_type TEXT NOT NULL,
    object_csid TEXT NOT NULL,
    object_document_type TEXT NOT NULL,
    ${CORE_COLUMNS}
  ) STRICT;
  CREATE INDEX relations_by_subject ON relations (tenant_id, subject_csid, created_at);
  CREATE INDEX relations_by_object ON relations (tenant_id, object_csid, created_at);
  CREATE INDEX relations_by_created ON relations (tenant_id, created_at);
  `,
  // 2: runs and their items (src/store/sqlite/SqliteRunStore.ts). Lease times are epoch milliseconds.
  `
  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    definition_csid TEXT NOT NULL,
    definition_name TEXT NOT NULL,
    invocation TEXT NOT NULL CHECK (json_valid(invocation)),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    status TEXT NOT NULL,
    status_text TEXT NOT NULL,
    open INTEGER NOT NULL,
    rerunnable INTEGER NOT NULL,
    posted INTEGER NOT NULL,
    processed INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    affected INTEGER NOT NULL,
    results TEXT CHECK (results IS NULL OR json_valid(results)),
    reruns INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE INDEX runs_by_created ON runs (tenant_id, created_at, id);
  CREATE INDEX runs_by_status ON runs (status, completed_at);

  CREATE TABLE run_items (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    note TEXT,
    affected INTEGER,
    owner TEXT,
    lease_expires_at INTEGER,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) STRICT, WITHOUT ROWID;
  CREATE UNIQUE INDEX run_items_by_key ON run_items (run_id, item_key);
  CREATE INDEX run_items_by_status ON run_items (run_id, status, seq);
  `,
  // 3: tenants, users and their memberships, roles and API tokens (src/store/sqlite/SqliteAuthStore.ts).
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
  ) STRICT;

  CREATE TABLE users (
    username TEXT PRIMARY KEY,
    default_tenant TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
  ) STRICT;

  CREATE TABLE memberships (
    tenant_id TEXT NOT NULL,
    username TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
    roles TEXT NOT NULL CHECK (json_valid(roles)),
    PRIMARY KEY (tenant_id, username)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX memberships_by_user ON memberships (username, tenant_id);

  CREATE TABLE roles (
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    description TEXT,
    permissions TEXT NOT NULL CHECK (json_valid(permissions)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    username TEXT NOT NULL,
    label TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
  ) STRICT;
  CREATE INDEX api_tokens_by_tenant ON api_tokens (tenant_id, created_at, id);
  `,
  // 4: why an item failed, as a code (a synchronous invoke answers a whole-invocation failure with it).
  `
  ALTER TABLE run_items ADD COLUMN error_code TEXT;
  `,
  // 5: runs whose items are still being queued behind the first ones (filling, with a lease on who fills), and
  // results too large to inline in the run, served from their own link.
  `
  ALTER TABLE runs ADD COLUMN filling INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN fill_owner TEXT;
  ALTER TABLE runs ADD COLUMN fill_lease_expires_at INTEGER;
  ALTER TABLE runs ADD COLUMN results_size INTEGER;

  CREATE TABLE run_results (
    run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
    body TEXT NOT NULL CHECK (json_valid(body))
  ) STRICT, WITHOUT ROWID;
  `,
  // 6: how many of a run's items its cancel ended (they are neither processed nor failed).
  `
  ALTER TABLE runs ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0;
  `,
  // 7: schedules (src/store/sqlite/SqliteScheduleStore.ts), which until now lived only in their Agenda job's data.
  `
  CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    definition_csid TEXT NOT NULL,
    definition_name TEXT NOT NULL,
    at TEXT,
    every TEXT,
    timezone TEXT,
    context TEXT NOT NULL CHECK (json_valid(context)),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    job_id TEXT,
    last_run_id TEXT,
    fail_reason TEXT,
    failed_at TEXT
  ) STRICT;
  CREATE INDEX schedules_by_created ON schedules (tenant_id, created_at, id);
  CREATE INDEX schedules_by_definition ON schedules (tenant_id, definition_csid, created_at, id);
  `,
  // 8: how often an item's store writes conflicted with another writer's (see ITEM_MAX_CONFLICTS).
  `
  ALTER TABLE run_items ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
  `,
  // 9: links to runs' results with an access scope (src/store/sqlite/SqliteResultLinkStore.ts); purging a run
  // deletes its links through the foreign key.
  `
  CREATE TABLE result_links (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  ) STRICT;
  CREATE INDEX result_links_by_run ON result_links (run_id, created_at);
  `,
  // 10: idempotency keys (src/store/sqlite/SqliteIdempotencyStore.ts): a reservation under a token until answered,
  // then the kept answer until it expires. Times are epoch milliseconds.
  `
  CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL,
    username TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    token TEXT,
    answer TEXT CHECK (answer IS NULL OR json_valid(answer)),
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, username, key)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (tenant_id, username, expires_at);
  `,
  // 11: what plugins logged through ctx.log while working on a run (src/store/sqlite/SqliteRunLog.ts), numbered per
  // run; the run counts its kept lines (for its limit) and the lines past the limit.
  `
  ALTER TABLE runs ADD COLUMN log_lines INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN log_dropped INTEGER NOT NULL DEFAULT 0;

  CREATE TABLE run_log (
    run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    level INTEGER NOT NULL,
    message TEXT NOT NULL,
    fields TEXT CHECK (fields IS NULL OR json_valid(fields)),
    at TEXT NOT NULL,
    PRIMARY KEY (run_id, line)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX run_log_by_item ON run_log (run_id, item_key, line);
  `,
  // 12: further ids of definitions (OSID aliasJobs); one alias names one definition per tenant, and goes with it.
  `
  CREATE TABLE definition_aliases (
    tenant_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    definition_csid TEXT NOT NULL REFERENCES definitions (csid) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, alias)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX definition_aliases_by_definition ON definition_aliases (definition_csid);
  `,
  // 13: ordered runs: the runs a run follows (a JSON array of ids, fixed when it is stored), its rule for when one of
  // them fails, and its doc type as the tenant's order compares it (lower case), for runs posted after it.
  `
  ALTER TABLE runs ADD COLUMN doc_type_key TEXT;
  ALTER TABLE runs ADD COLUMN follows TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(follows));
  ALTER TABLE runs ADD COLUMN after_failure TEXT NOT NULL DEFAULT 'fail';
  `,
  // 14: files uploaded as document items, kept beside their records (a rowid table: its rows are large) and gone
  // with them; and run items by key, so that a record shows the runs that acted on it (run_items_by_key leads
  // with the run). Migration 13 is issue 13 part 2's (ordered runs), merged before this one.
  `
  CREATE TABLE record_files (
    csid TEXT PRIMARY KEY REFERENCES records (csid) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
  ) STRICT;
  CREATE INDEX run_items_by_item_key ON run_items (item_key);
  `,
  // 15: a counter every change to a tenant, user, membership or role moves on (triggers, so no write path can miss
  // it, in any process sharing the file): authentication keeps what it read while the counter stays put.
  `
  CREATE TABLE auth_generation (n INTEGER NOT NULL) STRICT;
  INSERT INTO auth_generation (n) VALUES (0);
  ${['tenants', 'users', 'memberships', 'roles'].map(movesGeneration('auth_generation')).join('\n')}
  `,
  // 16: run items no longer indexed by key alone: that fourth B-tree, keyed by a random csid, was written for every
  // item queued (a fifth of a big run's time) to serve a rare read; a record's runs are now found through its
  // tenant's runs, one probe of run_items_by_key each.
  `
  DROP INDEX run_items_by_item_key;
  `,
  // 17: a counter every change to a definition or an alias moves on, like migration 15's for auth: a definition read
  // is answered from memory while the counter stays put (definition_doc_types follows definitions' bodies).
  `
  CREATE TABLE definition_generation (n INTEGER NOT NULL) STRICT;
  INSERT INTO definition_generation (n) VALUES (0);
  ${['definitions', 'definition_aliases'].map(movesGeneration('definition_generation')).join('\n')}
  `,
  // 18: OAuth revocations, checked at every request with a JWT access token (which is not looked up): a new one
  // moves the auth generation on, like migration 15's triggers; deleting expired ones changes no answer, so not.
  `
  CREATE TABLE oauth_revocations (id TEXT PRIMARY KEY, until INTEGER NOT NULL) STRICT, WITHOUT ROWID;
  CREATE TRIGGER oauth_revocations_insert_auth_generation AFTER INSERT ON oauth_revocations BEGIN UPDATE auth_generation SET n = n + 1; END;
  `,
  // 19: run items keyed within their chunk of 8,192 seqs instead of across the whole run. run_items_by_key put each
  // queued item at a random place of a B-tree larger than the page cache (a big run's commits wrote thousands of
  // pages each); this one grows at the run's end. A key is found with one probe per chunk (ITEM_KEY_CHUNK, sql.ts)
  // and is no longer unique by index: the filler resumes after the run's last items, addItems checks (firstKnownKey).
  `
  DROP INDEX run_items_by_key;
  CREATE INDEX run_items_by_key_chunk ON run_items (run_id, seq >> 13, item_key);
  `,
  // 20: the status index no longer holds New and Completed items, so that a claim writes one entry per item instead
  // of moving it from New to Processing, and a completion deletes it instead of moving it on to Completed. New items
  // are found through the primary key from the run's new_from, below which no item is New (NEW_FROM in runSql.ts).
  // 0 always holds (a claim walks from there once), so runs in flight carry on after the upgrade.
  `
  DROP INDEX run_items_by_status;
  CREATE INDEX run_items_held ON run_items (run_id, status, seq) WHERE status NOT IN ('New', 'Completed');
  ALTER TABLE runs ADD COLUMN new_from INTEGER NOT NULL DEFAULT 0;
  `,
];

/** Brings the database up to the latest schema, each migration in its own transaction. */
export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true });
  if (typeof current !== 'number') throw new Error('PRAGMA user_version did not return a number');
  if (current > MIGRATIONS.length) {
    throw new Error(`database schema version ${current} is newer than this program knows (${MIGRATIONS.length})`);
  }
  MIGRATIONS.slice(current).forEach((sql, index) => {
    db.transaction(() => {
      db.exec(sql);
      // PRAGMA does not accept bound parameters; the value is our own integer.
      db.pragma(`user_version = ${current + index + 1}`);
    })();
  });
}
