/**
 * Advanced search (`as`): the NXQL subset cspace-ui's search helpers generate, as a condition tree.
 *
 * The tree has one form per meaning, so every engine translates few shapes: `<>` is `NOT =`,
 * `NOT LIKE`/`NOT IN`/`NOT BETWEEN` are `NOT` of the positive form, `BETWEEN a AND b` is `>= a AND <= b`,
 * `IS NOT NULL` is `NOT IS NULL`. A comparison holds when **some** value at its path satisfies it (a path
 * may reach several values through lists), so `NOT` reads "no value at the path satisfies it".
 *
 * `parseAdvancedSearch` (src/codec/nxqlParser.ts) builds the tree; `src/domain/searchFields.ts` checks its
 * fields against what a list holds and resolves them for the store engines.
 */
import { ValidationError } from './errors.js';

/**
 * Bounds on the work one query makes: its length, how deep conditions nest (NOT and parentheses), how many
 * predicates it has, and how many `%` one LIKE pattern has (each a group of the regular expression MongoDB runs).
 */
export const ADVANCED_SEARCH_LIMITS = { maxLength: 10_000, maxDepth: 20, maxPredicates: 200, maxWildcards: 8 } as const;

/** The query parameter, named in every error about it. */
export const ADVANCED_SEARCH_PARAM = 'as';

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  /** `TIMESTAMP "2024-01-31T00:00:00.000Z"`, kept as the ISO text it denotes. */
  | { type: 'timestamp'; value: string };

export type ComparisonOperator = '=' | '<' | '<=' | '>' | '>=';

/** A field as written (`batch_common:forDocTypes/*`), with where it starts in the `as` text (0-based). */
export interface FieldPath<F> {
  field: F;
  text: string;
  position: number;
}

/** A literal with where it starts, so that a value the field cannot take is named precisely. */
export interface PlacedLiteral {
  literal: Literal;
  position: number;
  text: string;
}

export type Condition<F> =
  | { kind: 'and' | 'or'; conditions: Array<Condition<F>> }
  | { kind: 'not'; condition: Condition<F> }
  | { kind: 'compare'; path: FieldPath<F>; operator: ComparisonOperator; value: PlacedLiteral }
  /** `pattern` is NXQL's: `%` any run of characters, `_` one character, `\` escapes the next one. */
  | { kind: 'like'; path: FieldPath<F>; pattern: string; caseInsensitive: boolean; value: PlacedLiteral }
  | { kind: 'in'; path: FieldPath<F>; values: PlacedLiteral[] }
  | { kind: 'isNull'; path: FieldPath<F> };

/** A field as parsed: the schema before `:` and the path segments after it (`*`, `*1` kept as `*`). */
export interface ParsedField {
  schema: string;
  segments: string[];
}

export type ParsedCondition = Condition<ParsedField>;

/** A `400 VALIDATION_FAILED` about the `as` text at `position`, quoting `token`. */
export function advancedSearchError(message: string, position: number, token: string): ValidationError {
  const where = `at position ${position + 1}`;
  return new ValidationError(`Unsupported advanced search (as): ${message} ${where}: ${token}`, [
    { path: ADVANCED_SEARCH_PARAM, message: `${message} ${where}: ${token}` },
  ]);
}

export type LeafCondition<F> = Extract<Condition<F>, { path: FieldPath<F> }>;

/**
 * The same tree with each leaf's field replaced by `resolve(leaf)`, which sees the whole leaf so that it can
 * refuse an operator or a value the field cannot take.
 */
export function resolveFields<F, G>(condition: Condition<F>, resolve: (leaf: LeafCondition<F>) => G): Condition<G> {
  switch (condition.kind) {
    case 'and':
    case 'or':
      return { kind: condition.kind, conditions: condition.conditions.map((child) => resolveFields(child, resolve)) };
    case 'not':
      return { kind: 'not', condition: resolveFields(condition.condition, resolve) };
    default:
      return { ...condition, path: { ...condition.path, field: resolve(condition) } } as LeafCondition<G>;
  }
}
