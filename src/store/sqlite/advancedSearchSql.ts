/**
 * Advanced search (`as`) as SQL for the SQLite engine. A predicate on a JSON path is `EXISTS` over the values the
 * path reaches (`json_each`), so it is always 0 or 1 and `NOT` means "no value matches", as on MongoDB. Record
 * field paths go through lists with `invocables_values_at` and LIKE patterns match with `invocables_like`, both
 * from src/store/searchRules.ts (registered by `registerSearchFunctions`), so both engines share those rules.
 * Only fixed SQL and `?` placeholders reach the text.
 */
import type { Database } from 'better-sqlite3';
import type { Condition, LeafCondition, Literal } from '../../domain/advancedSearch.js';
import type { CoreField, DefinitionSearch, RecordSearch } from '../../domain/searchFields.js';
import { likeMatches, valuesAt } from '../searchRules.js';
import type { SqlQuery } from './statements.js';

/** Registers the SQL functions the advanced search SQL calls; every connection needs them. */
export function registerSearchFunctions(db: Database): void {
  db.function('invocables_values_at', { deterministic: true }, (json: unknown, path: unknown) =>
    JSON.stringify(valuesAt(JSON.parse(String(json)), JSON.parse(String(path)) as string[])),
  );
  db.function('invocables_like', { deterministic: true }, (value: unknown, pattern: unknown, caseless: unknown) =>
    typeof value === 'string' && likeMatches(value, String(pattern), caseless === 1) ? 1 : 0,
  );
}

/** Joins as a balanced tree: a long chain of AND/OR would otherwise pass SQLite's expression depth limit. */
function joinBalanced(parts: SqlQuery[], operator: 'AND' | 'OR'): SqlQuery {
  if (parts.length === 1) return parts[0] as SqlQuery;
  const middle = Math.ceil(parts.length / 2);
  const left = joinBalanced(parts.slice(0, middle), operator);
  const right = joinBalanced(parts.slice(middle), operator);
  return { text: `(${left.text} ${operator} ${right.text})`, values: [...left.values, ...right.values] };
}

function conditionSql<F>(condition: Condition<F>, leafSql: (leaf: LeafCondition<F>) => SqlQuery): SqlQuery {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return joinBalanced(
        condition.conditions.map((child) => conditionSql(child, leafSql)),
        condition.kind === 'and' ? 'AND' : 'OR',
      );
    case 'not': {
      const inner = conditionSql(condition.condition, leafSql);
      return { text: `(NOT ${inner.text})`, values: inner.values };
    }
    default:
      return leafSql(condition);
  }
}

const TYPE_OF = { string: "v.type = 'text'", number: "v.type IN ('integer', 'real')", timestamp: "v.type = 'text'" } as const;
const SCALAR_TYPES = "v.type IN ('text', 'integer', 'real', 'true', 'false')";

/** What one value `v` (a `json_each` row) must be for the leaf to hold; `undefined` for IS NULL. */
function valuePredicate<F>(leaf: LeafCondition<F>): SqlQuery | undefined {
  switch (leaf.kind) {
    case 'compare': {
      const { literal } = leaf.value;
      return { text: `${TYPE_OF[literal.type]} AND v.value ${leaf.operator} ?`, values: [literal.value] };
    }
    case 'like':
      return { text: `v.type = 'text' AND invocables_like(v.value, ?, ?)`, values: [leaf.pattern, leaf.caseInsensitive ? 1 : 0] };
    case 'in': {
      const groups = new Map<string, Array<Literal['value']>>();
      for (const { literal } of leaf.values) groups.set(TYPE_OF[literal.type], [...(groups.get(TYPE_OF[literal.type]) ?? []), literal.value]);
      const parts = [...groups].map(([type, values]) => ({
        text: `(${type} AND v.value IN (${values.map(() => '?').join(', ')}))`,
        values,
      }));
      return joinBalanced(parts, 'OR');
    }
    case 'isNull':
      return undefined;
  }
}

/** The leaf over the values of `source`, a `json_each` argument list such as `body, '$.forDocTypes'`. */
function overValues<F>(leaf: LeafCondition<F>, source: SqlQuery): SqlQuery {
  const predicate = valuePredicate(leaf);
  const from = `FROM json_each(${source.text}) AS v`;
  if (predicate === undefined) return { text: `(NOT EXISTS (SELECT 1 ${from} WHERE ${SCALAR_TYPES}))`, values: source.values };
  return { text: `EXISTS (SELECT 1 ${from} WHERE ${predicate.text})`, values: [...source.values, ...predicate.values] };
}

const CORE_COLUMNS = { createdAt: 'created_at', updatedAt: 'updated_at', createdBy: 'created_by', updatedBy: 'updated_by' } as const;

/** A leaf on a bookkeeping column (never NULL). Times are stored as ISO text, so they compare as text. */
function overColumn<F>(leaf: LeafCondition<F>, field: CoreField): SqlQuery {
  const column = CORE_COLUMNS[field.name];
  switch (leaf.kind) {
    case 'compare':
      return { text: `${column} ${leaf.operator} ?`, values: [leaf.value.literal.value] };
    case 'like':
      return { text: `invocables_like(${column}, ?, ?)`, values: [leaf.pattern, leaf.caseInsensitive ? 1 : 0] };
    case 'in':
      return { text: `${column} IN (${leaf.values.map(() => '?').join(', ')})`, values: leaf.values.map((value) => value.literal.value) };
    case 'isNull':
      return { text: '0', values: [] };
  }
}

export function definitionSearchSql(search: DefinitionSearch): SqlQuery {
  return conditionSql(search, (leaf) => {
    const field = leaf.path.field;
    switch (field.kind) {
      case 'coreTime':
      case 'coreText':
        return overColumn(leaf, field);
      case 'text':
      case 'textList':
        return overValues(leaf, { text: `body, '$.${field.name}'`, values: [] });
      case 'flag': {
        // Only `= 1` and `= 0` get here (searchFields.ts); an absent flag is 0.
        const on = `(json_extract(body, '$.${field.name}') IS 1)`;
        const wanted = leaf.kind === 'compare' ? leaf.value.literal.value : 1;
        return { text: wanted === 1 ? on : `(NOT ${on})`, values: [] };
      }
    }
  });
}

export function recordSearchSql(search: RecordSearch): SqlQuery {
  return conditionSql(search, (leaf) => {
    const field = leaf.path.field;
    if (field.kind !== 'fields') return overColumn(leaf, field);
    return overValues(leaf, { text: 'invocables_values_at(fields, ?)', values: [JSON.stringify(field.path)] });
  });
}
