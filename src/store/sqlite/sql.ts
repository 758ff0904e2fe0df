/**
 * The SQL of the SQLite engine: fixed statements as constants, list queries as builders returning
 * `{ text, values }`. Only column names chosen here and `?` placeholders reach the text, never caller input.
 * Builders return the WHERE part once and derive the count and page queries from it; the page query ends
 * with `LIMIT ? OFFSET ?`, bound by `StatementCache.page`.
 */
import type { DefinitionQuery, RecordFilter, RecordQuery, RelationQuery, SortDirection } from '../types.js';
import type { DefinitionClause, ModeFlag } from '../queryRules.js';
import {
  describeDefinitionFilter,
  docTypeKey,
  fieldEqualities,
  requireString,
  resolveDefinitionSort,
  resolveRecordSort,
} from '../queryRules.js';
import { definitionSearchSql, recordSearchSql } from './advancedSearchSql.js';
import type { SqlQuery } from './statements.js';

const CORE = 'csid, tenant_id, created_at, created_by, updated_at, updated_by, workflow_state, revision';
const DEFINITION_COLUMNS = `${CORE}, body`;
const RECORD_COLUMNS = `${CORE}, doc_type, fields`;
const RELATION_COLUMNS = `${CORE}, subject_csid, subject_document_type, relationship_type, object_csid,
  object_document_type`;

const CORE_PARAMS = '@csid, @tenantId, @createdAt, @createdBy, @updatedAt, @updatedBy, @workflowState, @revision';

/**
 * Every generation in one statement (one read transaction): the counters the triggers of migrations 15 (auth) and
 * 17 (definitions) move on in the same transaction as the change.
 */
export const GENERATIONS_SQL = 'SELECT (SELECT n FROM auth_generation) AS auth, (SELECT n FROM definition_generation) AS definitions';

export const DEFINITION_SQL = {
  insert: `INSERT INTO definitions (${DEFINITION_COLUMNS}) VALUES (${CORE_PARAMS}, @body)
    RETURNING ${DEFINITION_COLUMNS}`,
  // By csid or by alias: an alias never has a csid's shape, so at most one of the two matches.
  get: `SELECT ${DEFINITION_COLUMNS} FROM definitions WHERE tenant_id = @tenantId
    AND csid IN (@id, (SELECT definition_csid FROM definition_aliases WHERE tenant_id = @tenantId AND alias = @id))`,
  revision: 'SELECT revision FROM definitions WHERE csid = ? AND tenant_id = ?',
  csidsNamed: 'SELECT csid FROM definitions WHERE tenant_id = ? AND name = ? ORDER BY csid',
  update: `UPDATE definitions
    SET body = @body, updated_at = @updatedAt, updated_by = @updatedBy, revision = revision + 1
    WHERE csid = @csid AND tenant_id = @tenantId RETURNING ${DEFINITION_COLUMNS}`,
  setWorkflowState: `UPDATE definitions
    SET workflow_state = @workflowState, updated_at = @updatedAt, updated_by = @updatedBy, revision = revision + 1
    WHERE csid = @csid AND tenant_id = @tenantId RETURNING ${DEFINITION_COLUMNS}`,
  delete: 'DELETE FROM definitions WHERE csid = ? AND tenant_id = ?',
  aliasTarget: 'SELECT definition_csid FROM definition_aliases WHERE tenant_id = ? AND alias = ?',
  aliasCount: 'SELECT count(*) FROM definition_aliases WHERE tenant_id = ? AND definition_csid = ?',
  setAlias: `INSERT INTO definition_aliases (tenant_id, alias, definition_csid) VALUES (@tenantId, @alias, @csid)
    ON CONFLICT (tenant_id, alias) DO UPDATE SET definition_csid = excluded.definition_csid`,
} as const;

export const RECORD_SQL = {
  insert: `INSERT INTO records (${RECORD_COLUMNS}, doc_type_key) VALUES (${CORE_PARAMS}, @docType, @fields, @docTypeKey)
    RETURNING ${RECORD_COLUMNS}`,
  get: `SELECT ${RECORD_COLUMNS}, doc_type_key FROM records WHERE csid = ? AND tenant_id = ?`,
  // What update and delete check, without the fields.
  revision: 'SELECT revision, doc_type_key FROM records WHERE csid = ? AND tenant_id = ?',
  // Unary + keeps the planner off the (tenant_id, ...) indexes, which it would otherwise scan for the whole tenant.
  getMany: `SELECT ${RECORD_COLUMNS} FROM records WHERE +tenant_id = ? AND csid IN (SELECT value FROM json_each(?))`,
  docTypesOf: `SELECT csid, doc_type FROM records WHERE +tenant_id = ? AND csid IN (SELECT value FROM json_each(?))`,
  update: `UPDATE records
    SET fields = @fields, updated_at = @updatedAt, updated_by = @updatedBy, revision = revision + 1
    WHERE csid = @csid AND tenant_id = @tenantId RETURNING ${RECORD_COLUMNS}`,
  setWorkflowState: `UPDATE records
    SET workflow_state = @workflowState, updated_at = @updatedAt, updated_by = @updatedBy, revision = revision + 1
    WHERE csid = @csid AND tenant_id = @tenantId RETURNING ${RECORD_COLUMNS}`,
  delete: 'DELETE FROM records WHERE csid = ? AND tenant_id = ?',
  // An item's staged writes (SqliteItemWrites): a create replayed after a crash finds its csid taken and does
  // nothing; an update applies only at the revision the item read.
  insertIfAbsent: `INSERT INTO records (${RECORD_COLUMNS}, doc_type_key) VALUES (${CORE_PARAMS}, @docType, @fields, @docTypeKey)
    ON CONFLICT (csid) DO NOTHING`,
  updateAtRevision: `UPDATE records
    SET fields = @fields, updated_at = @updatedAt, updated_by = @updatedBy, revision = revision + 1
    WHERE csid = @csid AND tenant_id = @tenantId AND revision = @expectedRevision`,
  // Two statements rather than one OR, so each delete uses its own index.
  deleteSubjectRelations: 'DELETE FROM relations WHERE tenant_id = ? AND subject_csid = ?',
  deleteObjectRelations: 'DELETE FROM relations WHERE tenant_id = ? AND object_csid = ?',
} as const;

export const RELATION_SQL = {
  insert: `INSERT INTO relations (${RELATION_COLUMNS}) VALUES (${CORE_PARAMS}, @subjectCsid, @subjectDocumentType,
    @relationshipType, @objectCsid, @objectDocumentType) RETURNING ${RELATION_COLUMNS}`,
  get: `SELECT ${RELATION_COLUMNS} FROM relations WHERE csid = ? AND tenant_id = ?`,
  delete: 'DELETE FROM relations WHERE csid = ? AND tenant_id = ?',
  insertIfAbsent: `INSERT INTO relations (${RELATION_COLUMNS}) VALUES (${CORE_PARAMS}, @subjectCsid, @subjectDocumentType,
    @relationshipType, @objectCsid, @objectDocumentType) ON CONFLICT (csid) DO NOTHING`,
} as const;

export interface ListSql {
  count: SqlQuery;
  select: SqlQuery;
}

export function listSql(columns: string, from: string, where: SqlQuery, orderBy: string): ListSql {
  return {
    count: { text: `SELECT count(*) FROM ${from} WHERE ${where.text}`, values: where.values },
    select: {
      text: `SELECT ${columns} FROM ${from} WHERE ${where.text} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      values: where.values,
    },
  };
}

function order(column: string, direction: SortDirection, tieBreaker: string): string {
  const sql = direction === 'asc' ? 'ASC' : 'DESC';
  return `${column} ${sql}, ${tieBreaker} ${sql}`;
}

const MODE_COLUMNS = {
  supportsSingleDoc: 'supports_single_doc',
  supportsDocList: 'supports_doc_list',
  supportsGroup: 'supports_group',
  supportsNoContext: 'supports_no_context',
} as const satisfies Record<ModeFlag, string>;

function definitionClause(tenant: string, clause: DefinitionClause): SqlQuery {
  switch (clause.kind) {
    case 'docType':
      return {
        text: 'csid IN (SELECT definition_csid FROM definition_doc_types WHERE tenant_id = ? AND doc_type = ?)',
        values: [tenant, clause.docType],
      };
    case 'modes':
      return { text: `(${clause.flags.map((flag) => `${MODE_COLUMNS[flag]} = 1`).join(' OR ')})`, values: [] };
    case 'className':
      return { text: 'class_name = ?', values: [clause.className] };
  }
}

export function definitionListSql(tenant: string, query: DefinitionQuery): ListSql {
  const filter = describeDefinitionFilter(query);
  const clauses = filter.clauses.map((clause) => definitionClause(tenant, clause));
  const joined = clauses.map((clause) => clause.text).join(filter.combine === 'or' ? ' OR ' : ' AND ');
  const workflow = query.workflow === undefined ? '' : query.workflow === 'deleted' ? " AND workflow_state = 'deleted'" : " AND workflow_state <> 'deleted'";
  const where: SqlQuery = {
    text: (clauses.length === 0 ? 'tenant_id = ?' : `tenant_id = ? AND (${joined})`) + workflow,
    values: [tenant, ...clauses.flatMap((clause) => clause.values)],
  };
  if (query.advancedSearch !== undefined) {
    const search = definitionSearchSql(query.advancedSearch);
    where.text += ` AND ${search.text}`;
    where.values.push(...search.values);
  }
  const sort = resolveDefinitionSort(query);
  const column = sort.field === 'name' ? 'name' : 'updated_at';
  return listSql(DEFINITION_COLUMNS, 'definitions', where, order(column, sort.direction, 'csid'));
}

function recordWhere(tenant: string, query: RecordFilter & Pick<RecordQuery, 'advancedSearch'>): SqlQuery {
  const parts = ['tenant_id = ?'];
  const values: unknown[] = [tenant];
  if (query.docTypes !== undefined) {
    parts.push('doc_type_key IN (SELECT value FROM json_each(?))');
    values.push(JSON.stringify(query.docTypes.map(docTypeKey)));
  }
  if (query.excludeDeleted === true) parts.push("workflow_state <> 'deleted'");
  const equalities = fieldEqualities(query.fieldEquals);
  if (equalities.length > 0) {
    // Field names are checked identifiers; only string values match, as in the MongoDB engine.
    parts.push(`NOT EXISTS (SELECT 1 FROM json_each(?) AS wanted
      WHERE json_type(fields, '$.' || wanted.key) IS NOT 'text'
        OR json_extract(fields, '$.' || wanted.key) IS NOT wanted.value)`);
    values.push(JSON.stringify(Object.fromEntries(equalities)));
  }
  if (query.advancedSearch !== undefined) {
    const search = recordSearchSql(query.advancedSearch);
    parts.push(search.text);
    values.push(...search.values);
  }
  return { text: parts.join(' AND '), values };
}

export function recordListSql(tenant: string, query: RecordQuery): ListSql {
  const sort = resolveRecordSort(query);
  const column = sort.field === 'createdAt' ? 'created_at' : 'updated_at';
  return listSql(RECORD_COLUMNS, 'records', recordWhere(tenant, query), order(column, sort.direction, 'csid'));
}

/** The batches of `RecordStore.scan`: the first (`LIMIT ?`), and those after a position (`?, ?, LIMIT ?`). */
export function recordScanSql(tenant: string, query: RecordFilter, columns = RECORD_COLUMNS): { first: SqlQuery; after: SqlQuery } {
  const where = recordWhere(tenant, query);
  const select = `SELECT ${columns} FROM records WHERE ${where.text}`;
  const tail = 'ORDER BY created_at ASC, csid ASC LIMIT ?';
  return {
    first: { text: `${select} ${tail}`, values: where.values },
    // A row value compares in index order, so SQLite seeks to the position in records_by_created.
    after: { text: `${select} AND (created_at, csid) > (?, ?) ${tail}`, values: where.values },
  };
}

export function relationListSql(tenant: string, query: RelationQuery): ListSql {
  const parts = ['tenant_id = ?'];
  const values: unknown[] = [tenant];
  const equalities = [
    ['subject_csid', query.subjectCsid, 'subjectCsid'],
    ['object_csid', query.objectCsid, 'objectCsid'],
    ['relationship_type', query.relationshipType, 'relationshipType'],
  ] as const;
  for (const [column, value, path] of equalities) {
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    values.push(requireString(value, path));
  }
  // rowid follows insertion order, so relations created within the same millisecond keep their order.
  return listSql(RELATION_COLUMNS, 'relations', { text: parts.join(' AND '), values }, 'created_at ASC, rowid ASC');
}

/** Files uploaded as document items (`record_files`), beside their records. */
export const RECORD_FILE_SQL = {
  // A retried document item finds its record, and so its file, already there.
  insertIfAbsent: `INSERT INTO record_files (csid, tenant_id, name, media_type, size, sha256, content)
    VALUES (@csid, @tenantId, @name, @mediaType, @size, @sha256, @content) ON CONFLICT (csid) DO NOTHING`,
  get: `SELECT f.name, f.media_type, f.size, f.sha256, f.content, r.doc_type_key FROM record_files f
    JOIN records r ON r.csid = f.csid WHERE f.csid = ? AND f.tenant_id = ?`,
} as const;

/**
 * A run item's chunk of 8,192 seqs, as run_items_by_key_chunk (migration 19) indexes it: a key is found with one
 * probe per chunk of its run. An index on the key across the whole run took each queued item to a random place.
 */
export const ITEM_KEY_CHUNK = (seq: string) => `(${seq} >> 13)`;
/** Without it the planner takes the primary key (it holds every column) and walks the whole run. */
export const ITEM_BY_KEY = 'INDEXED BY run_items_by_key_chunk';

/**
 * The runs of a tenant with an item for one record, newest first: the tenant's runs in that order (runs_by_created),
 * each probed for the record in run_items_by_key_chunk, chunk by chunk up to its last item's. No index on the key
 * alone: it would be written for every item of every run, and this read is rare (retention bounds the runs it walks).
 */
const RECORD_RUN_ITEM = `runs r JOIN run_items i ${ITEM_BY_KEY} ON i.run_id = r.id
    AND ${ITEM_KEY_CHUNK('i.seq')} IN (WITH RECURSIVE chunks(n, last) AS (
        SELECT 0, ${ITEM_KEY_CHUNK('(SELECT max(seq) FROM run_items WHERE run_id = r.id)')}
        UNION ALL SELECT n + 1, last FROM chunks WHERE n < last)
      SELECT n FROM chunks)
    AND i.item_key = ?`;
export const RECORD_RUNS_SQL = {
  count: `SELECT count(*) FROM ${RECORD_RUN_ITEM} WHERE r.tenant_id = ?`,
  select: `SELECT r.id, r.definition_csid, r.definition_name, r.status AS run_status, r.created_at, r.completed_at,
      i.status AS item_status, i.attempts, i.updated_at, i.error
    FROM ${RECORD_RUN_ITEM} WHERE r.tenant_id = ?
    ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
} as const;
