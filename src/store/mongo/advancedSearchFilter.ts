/**
 * Advanced search (`as`) as a MongoDB filter. MongoDB's own reading of a dotted path is the rule both engines
 * follow (src/store/searchRules.ts): a path goes through lists, and a condition on it holds when some value
 * there satisfies it; comparisons only match values of the literal's type. `NOT` is `$nor`, "no value matches",
 * which is also what `$ne` means. LIKE is `$regex` with the pattern escaped (`likeRegex`), matching strings only.
 * A record path with a `*` step is an expression instead (listItemsExpression.ts).
 */
import type { Document } from 'mongodb';
import type { Condition, LeafCondition, Literal } from '../../domain/advancedSearch.js';
import type { DefinitionField, DefinitionSearch, RecordField, RecordSearch } from '../../domain/searchFields.js';
import { likeRegex } from '../searchRules.js';
import { listItemsFilter } from './listItemsExpression.js';

const COMPARISON = { '=': '$eq', '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' } as const;

/** The BSON types a value must have to count as "not null": what SQLite's `json_each` calls scalars, and times. */
const SCALAR_TYPES = ['string', 'double', 'int', 'long', 'decimal', 'bool', 'date'];

function conditionFilter<F>(condition: Condition<F>, leafFilter: (leaf: LeafCondition<F>) => Document): Document {
  switch (condition.kind) {
    case 'and':
      return { $and: condition.conditions.map((child) => conditionFilter(child, leafFilter)) };
    case 'or':
      return { $or: condition.conditions.map((child) => conditionFilter(child, leafFilter)) };
    case 'not':
      return { $nor: [conditionFilter(condition.condition, leafFilter)] };
    default:
      return leafFilter(condition);
  }
}

/** The leaf on the document path `path`, with each literal as `value` makes it (a time becomes a `Date`). */
function pathFilter<F>(leaf: LeafCondition<F>, path: string, value: (literal: Literal) => unknown): Document {
  switch (leaf.kind) {
    case 'compare':
      return { [path]: { [COMPARISON[leaf.operator]]: value(leaf.value.literal) } };
    case 'like': {
      const { source, options } = likeRegex(leaf.pattern, leaf.caseInsensitive);
      return { [path]: { $regex: source, $options: options } };
    }
    case 'in':
      return { [path]: { $in: leaf.values.map((placed) => value(placed.literal)) } };
    case 'isNull':
      // MongoDB's `$type` also matches an array holding such a value; the `$elemMatch` says so outright, for the
      // in-memory emulators tests may run on, which check `$type` on the field alone.
      return { $nor: [{ [path]: { $type: SCALAR_TYPES } }, { [path]: { $elemMatch: { $type: SCALAR_TYPES } } }] };
  }
}

const asStored = (literal: Literal): unknown => literal.value;
const asTime = (literal: Literal): unknown => new Date(literal.value);

function coreFilter<F>(leaf: LeafCondition<F>, field: Extract<DefinitionField | RecordField, { kind: 'coreTime' | 'coreText' }>): Document {
  return pathFilter(leaf, field.name, field.kind === 'coreTime' ? asTime : asStored);
}

export function definitionSearchFilter(search: DefinitionSearch): Document {
  return conditionFilter(search, (leaf) => {
    const field = leaf.path.field;
    switch (field.kind) {
      case 'coreTime':
      case 'coreText':
        return coreFilter(leaf, field);
      case 'text':
      case 'textList':
        return pathFilter(leaf, `definition.${field.name}`, asStored);
      case 'flag': {
        // Only `= 1` and `= 0` get here (searchFields.ts); an absent flag is 0.
        const on = leaf.kind === 'compare' && leaf.value.literal.value === 1;
        return { [`definition.${field.name}`]: on ? true : { $ne: true } };
      }
    }
  });
}

export function recordSearchFilter(search: RecordSearch): Document {
  return conditionFilter(search, (leaf) => {
    const field = leaf.path.field;
    if (field.kind !== 'fields') return coreFilter(leaf, field);
    // A dotted path cannot say "any member"; a path without `*` reads as valuesAt reads it, as a plain filter.
    if (field.path.includes('*')) return listItemsFilter(leaf, field.path);
    // Field names are plain names (recordDocument.ts, searchFields.ts): no `$`, no `.`, never a number.
    return pathFilter(leaf, `fields.${field.path.join('.')}`, asStored);
  });
}
