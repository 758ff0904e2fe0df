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
