/**
 * Record field paths with a `*` step, for MongoDB. A query filter cannot name "any member" of an object, and a
 * list sent in CollectionSpace's XML shape is an object (`titleGroupList: {titleGroup: [...]}`), so such a path
 * is an aggregation expression (`$expr`, MongoDB 4.4's operators) that computes the values `valuesAt`
 * (src/store/searchRules.ts) computes, step for step, and a leaf holds when some value satisfies it.
 * Every variable is named (`$$value`, `$$this` only in `$reduce`), and field names reach the expression only as
 * `$literal`s, never as paths.
 */
import type { Document } from 'mongodb';
import type { LeafCondition, Literal } from '../../domain/advancedSearch.js';
import { likeRegex } from '../searchRules.js';

const isArray = (value: unknown): Document => ({ $isArray: [value] });
const isObject = (value: unknown): Document => ({ $eq: [{ $type: value }, 'object'] });

/** Concatenates `each(item)` (an array expression) over the array expression `values`. */
function flatMap(values: unknown, each: (item: string) => unknown): Document {
  return { $reduce: { input: values, initialValue: [], in: { $concatArrays: ['$$value', each('$$this')] } } };
}

/** An object's member values, or only the one named `key` (zero or one value). */
function memberValues(object: unknown, key?: string): Document {
  const members = { $objectToArray: object };
  const named = key === undefined ? members : { $filter: { input: members, as: 'member', cond: { $eq: ['$$member.k', { $literal: key }] } } };
  return { $map: { input: named, as: 'member', in: '$$member.v' } };
}

/** The `*` step: an array's elements, an object's member values, a scalar itself (as `itemsOf` in searchRules.ts). */
function items(value: string): Document {
  return {
    $switch: {
      branches: [
        { case: isArray(value), then: value },
        { case: isObject(value), then: memberValues(value) },
      ],
      default: [value],
    },
  };
}

/** A named step: the member `key` of the value, or of each object in it when it is an array. */
function named(value: string, key: string): Document {
  const holders = { $cond: [isArray(value), value, [value]] };
  return flatMap(
    { $filter: { input: holders, as: 'holder', cond: isObject('$$holder') } },
    (holder) => memberValues(holder, key),
  );
}

const SCALAR_TYPES = ['string', 'double', 'int', 'long', 'decimal', 'bool'];

/** The scalar values at `path` under `fields`, as an array expression. */
export function valuesExpression(path: readonly string[]): Document {
  let values: unknown = ['$fields'];
  for (const step of path) values = flatMap(values, (value) => (step === '*' ? items(value) : named(value, step)));
  const leaves = flatMap(values, (value) => ({ $cond: [isArray(value), value, [value]] }));
  return { $filter: { input: leaves, as: 'leaf', cond: { $in: [{ $type: '$$leaf' }, SCALAR_TYPES] } } };
}

const COMPARISON = { '=': '$eq', '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' } as const;

/** Whether `value` has the literal's type: a comparison in an expression would otherwise order across types. */
function sameType(value: string, literal: Literal): Document {
  return literal.type === 'number' ? { $isNumber: value } : { $eq: [{ $type: value }, 'string'] };
}

/** Whether one value `x` satisfies the leaf (`$cond`, so that nothing is evaluated on a value of another type). */
function holdsFor<F>(leaf: Exclude<LeafCondition<F>, { kind: 'isNull' }>, x: string): Document {
  switch (leaf.kind) {
    case 'compare': {
      const { literal } = leaf.value;
      return { $cond: [sameType(x, literal), { [COMPARISON[leaf.operator]]: [x, { $literal: literal.value }] }, false] };
    }
    case 'like': {
      const { source, options } = likeRegex(leaf.pattern, leaf.caseInsensitive);
      return { $cond: [{ $eq: [{ $type: x }, 'string'] }, { $regexMatch: { input: x, regex: source, options } }, false] };
    }
    case 'in':
      return {
        $or: leaf.values.map(({ literal }) => ({ $cond: [sameType(x, literal), { $eq: [x, { $literal: literal.value }] }, false] })),
      };
  }
}

/** The leaf on the values at `path`, as a query filter (`$expr`). */
export function listItemsFilter<F>(leaf: LeafCondition<F>, path: readonly string[]): Document {
  const values = valuesExpression(path);
  if (leaf.kind === 'isNull') return { $expr: { $eq: [{ $size: values }, 0] } };
  return { $expr: { $anyElementTrue: [{ $map: { input: values, as: 'x', in: holdsFor(leaf, '$$x') } }] } };
}
