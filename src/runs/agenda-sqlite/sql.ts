/**
 * SQL text for the repository. Fixed statements come from `fixedSql` and are prepared once per connection;
 * filters are built as `{ text, values }` fragments whose text depends only on which criteria are present
 * (lists travel as one JSON parameter), so the repository can cache one prepared statement per shape.
 */
import type { JobsQueryOptions, JobsSort, RemoveJobsOptions } from 'agenda';
import { FIELD_COLUMNS, JOB_COLUMNS, toMillis } from './mappers.js';
import type { ResolvedSqliteJobRepositoryOptions } from './types.js';

/** What better-sqlite3 can bind (it rejects booleans and `undefined`). */
export type SqlValue = string | number | bigint | Buffer | null;

export interface SqlFragment {
  text: string;
  values: SqlValue[];
}

function direction(dir: 'asc' | 'desc'): 'ASC' | 'DESC' {
  return dir === 'asc' ? 'ASC' : 'DESC';
}

export function fixedSql(options: ResolvedSqliteJobRepositoryOptions) {
  const t = `"${options.tableName}"`;
  const { sort } = options;
  // rowid last so equal keys still come out in insertion order.
  const nextJobOrder = `next_run_at ${direction(sort.nextRunAt)}, priority ${direction(sort.priority)}, rowid ASC`;
  const notDisabled = 'disabled IS NOT 1';
  return {
    insert: `INSERT INTO ${t} (id, ${JOB_COLUMNS.join(', ')})
      VALUES (@id, ${JOB_COLUMNS.map((c) => `@${c}`).join(', ')}) RETURNING *`,
    updateById: `UPDATE ${t} SET ${JOB_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id RETURNING *`,
    selectById: `SELECT * FROM ${t} WHERE id = ?`,
    selectByIdAndName: `SELECT * FROM ${t} WHERE id = ? AND name = ?`,
    selectSingle: `SELECT * FROM ${t} WHERE name = ? AND type = 'single'`,
    saveState: `UPDATE ${t} SET locked_at = @locked_at, next_run_at = @next_run_at, last_run_at = @last_run_at,
      progress = @progress, fail_reason = @fail_reason, fail_count = @fail_count, failed_at = @failed_at,
      last_finished_at = @last_finished_at, last_modified_by = @last_modified_by
      WHERE id = @id AND name = @name`,
    // `IS` so a job whose nextRunAt is null can still be matched and locked.
    lock: `UPDATE ${t} SET locked_at = @now, last_modified_by = @by
      WHERE id = @id AND name = @name AND locked_at IS NULL AND next_run_at IS @nextRunAt AND ${notDisabled}
      RETURNING *`,
    // A job is due when unlocked and scheduled before the next scan, or when its lock outlived the
    // deadline (its worker died or stopped touching it) whatever its nextRunAt. Each branch takes the best
    // candidate from its own index, so a poll costs two index probes however many jobs are scheduled.
    lockNext: `UPDATE ${t} SET locked_at = @now, last_modified_by = @by
      WHERE id = (
        SELECT id FROM (
          SELECT * FROM (
            SELECT id, next_run_at, priority, rowid FROM ${t}
            WHERE name = @name AND ${notDisabled} AND locked_at IS NULL AND next_run_at <= @nextScanAt
            ORDER BY ${nextJobOrder} LIMIT 1)
          UNION ALL
          SELECT * FROM (
            SELECT id, next_run_at, priority, rowid FROM ${t}
            WHERE name = @name AND ${notDisabled} AND locked_at <= @lockDeadline
            ORDER BY ${nextJobOrder} LIMIT 1)
        )
        ORDER BY ${nextJobOrder}
        LIMIT 1
      ) RETURNING *`,
    // A job whose nextRunAt is null is running a one-off; only `unlockMany` (agenda.stop) may release it.
    unlockOne: `UPDATE ${t} SET locked_at = NULL WHERE id = ? AND next_run_at IS NOT NULL`,
    unlockMany: `UPDATE ${t} SET locked_at = NULL WHERE id IN (SELECT value FROM json_each(?))`,
    distinctNames: `SELECT DISTINCT name FROM ${t} ORDER BY name`,
    queueSize: `SELECT count(*) AS n FROM ${t} WHERE next_run_at < ?`,
    overviewRows: `SELECT * FROM ${t} ORDER BY name, rowid`,
    purgeAll: `DELETE FROM ${t}`,
  };
}

export type FixedSql = ReturnType<typeof fixedSql>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `$."a"."b"`: quoting each key keeps dots and brackets in keys literal. */
function jsonPath(keys: string[]): string {
  for (const key of keys) {
    if (key.includes('"')) throw new Error(`Unsupported data key ${JSON.stringify(key)}: keys may not contain '"'`);
  }
  return `$${keys.map((k) => `."${k}"`).join('')}`;
}

/**
 * Equality on one JSON path of `data`, strict about JSON types (Mongo does not match the string "1" to the
 * number 1, nor `true` to 1). Null matches a missing key too, as in Mongo.
 */
function dataPathEquals(keys: string[], value: unknown): SqlFragment {
  const path = jsonPath(keys);
  if (value === null || value === undefined) {
    return { text: `coalesce(json_type(data, ?), 'null') = 'null'`, values: [path] };
  }
  if (typeof value === 'boolean') {
    return { text: 'json_type(data, ?) = ?', values: [path, value ? 'true' : 'false'] };
  }
  if (typeof value === 'number') {
    return { text: `(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?)`, values: [path, path, value] };
  }
  if (typeof value === 'string' || value instanceof Date) {
    const text = typeof value === 'string' ? value : value.toISOString();
    return { text: `(json_type(data, ?) = 'text' AND json_extract(data, ?) = ?)`, values: [path, path, text] };
  }
  return {
    text: `(json_type(data, ?) IN ('array', 'object') AND json_extract(data, ?) = json(?))`,
    values: [path, path, JSON.stringify(value)],
  };
}

/** Mongo semantics for a `data` criterion: an object matches by each (nested) key, anything else as a whole. */
function dataMatches(data: unknown): SqlFragment[] {
  if (!isPlainObject(data)) return [{ text: 'data IS ?', values: [JSON.stringify(data)] }];
  const fragments: SqlFragment[] = [];
  const walk = (object: Record<string, unknown>, prefix: string[]): void => {
    for (const [key, value] of Object.entries(object)) {
      if (isPlainObject(value)) walk(value, [...prefix, key]);
      else fragments.push(dataPathEquals([...prefix, key], value));
    }
  };
  walk(data, []);
  return fragments;
}

function columnValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return toMillis(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return value;
  throw new Error(`Unsupported value in a unique() constraint: ${JSON.stringify(value)}`);
}

/**
 * WHERE for agenda's `unique` query object: `{ 'data.userId': 7, name: 'x' }`. Only equality is supported;
 * Mongo operators (`$gt`, `$where`, ...) and unknown fields are rejected rather than silently ignored.
 */
export function uniqueFilter(name: string, unique: Record<string, unknown>): SqlFragment {
  const fragments: SqlFragment[] = [{ text: 'name = ?', values: [name] }];
  for (const [key, value] of Object.entries(unique)) {
    const hasOperator = key.startsWith('$') || (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$')));
    if (hasOperator) throw new Error(`Unsupported operator in unique() constraint key "${key}": only equality is supported`);
    // A unique value is compared whole, objects included (Mongo equality on a sub-document).
    if (key === 'data') {
      fragments.push({ text: 'data IS ?', values: [value === undefined ? null : JSON.stringify(value)] });
      continue;
    }
    if (key.startsWith('data.')) {
      fragments.push(dataPathEquals(key.split('.').slice(1), value));
      continue;
    }
    const column = FIELD_COLUMNS[key];
    if (!column) throw new Error(`Unsupported field "${key}" in unique() constraint`);
    fragments.push({ text: `${column} IS ?`, values: [columnValue(value)] });
  }
  return and(fragments);
}

function and(fragments: SqlFragment[]): SqlFragment {
  return { text: fragments.map((f) => f.text).join(' AND '), values: fragments.flatMap((f) => f.values) };
}

function nonEmptyStrings(list: readonly unknown[] | undefined): string[] {
  return (list ?? []).filter((v): v is string => typeof v === 'string');
}

/** The shared id / name / data criteria of `RemoveJobsOptions` and `JobsQueryOptions`, Mongo precedence. */
function commonCriteria(options: RemoveJobsOptions & { search?: string }): SqlFragment[] {
  const fragments: SqlFragment[] = [];
  const ids = (options.ids ?? []).map(String);
  if (options.id) fragments.push({ text: 'id = ?', values: [String(options.id)] });
  else if (ids.length > 0) fragments.push({ text: 'id IN (SELECT value FROM json_each(?))', values: [JSON.stringify(ids)] });

  const names = nonEmptyStrings(options.names);
  const notNames = nonEmptyStrings(options.notNames);
  if (typeof options.name === 'string' && options.name) fragments.push({ text: 'name = ?', values: [options.name] });
  else if (names.length > 0) fragments.push({ text: 'name IN (SELECT value FROM json_each(?))', values: [JSON.stringify(names)] });
  else if (notNames.length > 0) {
    fragments.push({ text: 'name NOT IN (SELECT value FROM json_each(?))', values: [JSON.stringify(notNames)] });
  }

  if (typeof options.search === 'string' && options.search.length > 0) {
    // Literal, case-insensitive substring: escape LIKE's own wildcards.
    const pattern = `%${options.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    fragments.push({ text: `name LIKE ? ESCAPE '\\'`, values: [pattern] });
  }
  if (options.data !== undefined) fragments.push(...dataMatches(options.data));
  return fragments;
}

/** WHERE for removeJobs / disableJobs / enableJobs, or `undefined` when no criterion was given. */
export function removeFilter(options: RemoveJobsOptions): SqlFragment | undefined {
  const fragments = commonCriteria(options);
  return fragments.length > 0 ? and(fragments) : undefined;
}

/** WHERE for queryJobs ('1' when unfiltered); the state filter is applied afterwards, in code. */
export function queryFilter(options: JobsQueryOptions): SqlFragment {
  const fragments = commonCriteria(options);
  if (options.includeDisabled === false) fragments.push({ text: 'disabled IS NOT 1', values: [] });
  return fragments.length > 0 ? and(fragments) : { text: '1', values: [] };
}

const SORT_COLUMNS = [
  ['nextRunAt', 'next_run_at'],
  ['lastRunAt', 'last_run_at'],
  ['lastFinishedAt', 'last_finished_at'],
  ['priority', 'priority'],
  ['name', 'name'],
  ['data', 'data'],
] as const satisfies ReadonlyArray<readonly [keyof JobsSort, string]>;

/** ORDER BY for queryJobs; keys apply in a fixed order, as in the Mongo backend. */
export function queryOrderBy(sort: JobsSort | undefined): string {
  const parts = SORT_COLUMNS.flatMap(([key, column]) => {
    const dir = sort?.[key];
    return dir === undefined ? [] : [`${column} ${direction(dir)}`];
  });
  const keys = parts.length > 0 ? parts : ['next_run_at DESC', 'last_run_at DESC'];
  return [...keys, 'rowid ASC'].join(', ');
}
