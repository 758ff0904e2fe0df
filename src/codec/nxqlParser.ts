/**
 * Parses the `as` (advanced search) parameter: the NXQL subset cspace-ui's search helpers
 * (`searchHelpers.js`: `advancedSearchConditionToNXQL` and what it calls) and the record panels generate.
 *
 *   query      := or
 *   or         := and ("OR" and)*
 *   and        := unary ("AND" unary)*
 *   unary      := "NOT" unary | "(" or ")" | predicate
 *   predicate  := FIELD ( OP literal                          OP: = <> != < <= > >=
 *                       | ["NOT"] ("LIKE" | "ILIKE") STRING
 *                       | ["NOT"] "IN" "(" literal ("," literal)* ")"
 *                       | ["NOT"] "BETWEEN" literal "AND" literal
 *                       | "IS" ["NOT"] "NULL" )
 *   literal    := STRING | NUMBER | "TIMESTAMP" STRING
 *   FIELD      := schema ":" segment ("/" segment)*            segment: a name, or "*" with an optional number
 *
 * Hand-written recursive descent rather than a parser library (peggy, chevrotain, parsimmon were weighed): the
 * grammar is the eight rules above, and what a client needs from us is an error naming the position and the token
 * in our own words. A generator adds a build step or a runtime grammar compile and reports failures as its
 * "expected …" sets; a combinator library would be larger than this file.
 */
import {
  ADVANCED_SEARCH_LIMITS,
  advancedSearchError,
  type ComparisonOperator,
  type FieldPath,
  type ParsedCondition,
  type ParsedField,
  type PlacedLiteral,
} from '../domain/advancedSearch.js';
import { tokenize, type Token } from './nxqlLexer.js';

const FIELD = /^([A-Za-z_][A-Za-z0-9_]*):((?:[A-Za-z_][A-Za-z0-9_-]*|\*[0-9]*)(?:\/(?:[A-Za-z_][A-Za-z0-9_-]*|\*[0-9]*))*)$/;

function describe(token: Token): string {
  return token.kind === 'end' ? token.text : JSON.stringify(token.text.length > 60 ? `${token.text.slice(0, 60)}…` : token.text);
}

/** The `%` of a LIKE pattern that are wildcards (`\%` is a percent sign). */
function wildcards(pattern: string): number {
  return pattern.replace(/\\./gs, '').split('%').length - 1;
}

class Parser {
  readonly #tokens: Token[];
  #index = 0;
  #depth = 0;
  #predicates = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  parse(): ParsedCondition {
    const condition = this.#or();
    this.#expect('end', 'the end of the query (or AND, OR)');
    return condition;
  }

  get #current(): Token {
    // tokenize always ends with an `end` token, and nothing reads past it.
    return this.#tokens[this.#index] as Token;
  }

  #advance(): Token {
    const token = this.#current;
    if (token.kind !== 'end') this.#index += 1;
    return token;
  }

  #fail(expected: string, token = this.#current): never {
    throw advancedSearchError(`expected ${expected}`, token.position, `found ${describe(token)}`);
  }

  #isKeyword(keyword: string): boolean {
    return this.#current.kind === 'word' && this.#current.value === keyword;
  }

  #acceptKeyword(keyword: string): boolean {
    if (!this.#isKeyword(keyword)) return false;
    this.#advance();
    return true;
  }

  #expectKeyword(keyword: string, expected = keyword): void {
    if (!this.#acceptKeyword(keyword)) this.#fail(expected);
  }

  #expect(kind: Token['kind'], expected: string): Token {
    if (this.#current.kind !== kind) this.#fail(expected);
    return this.#advance();
  }

  /** Runs `parse` one level deeper, refusing queries nested past the limit before they can exhaust the stack. */
  #nested<T>(parse: () => T): T {
    if (this.#depth >= ADVANCED_SEARCH_LIMITS.maxDepth) {
      throw advancedSearchError(
        `conditions nest more than ${ADVANCED_SEARCH_LIMITS.maxDepth} levels deep`,
        this.#current.position,
        describe(this.#current),
      );
    }
    this.#depth += 1;
    try {
      return parse();
    } finally {
      this.#depth -= 1;
    }
  }

  #or(): ParsedCondition {
    const conditions = [this.#and()];
    while (this.#acceptKeyword('OR')) conditions.push(this.#and());
    return conditions.length === 1 ? (conditions[0] as ParsedCondition) : { kind: 'or', conditions };
  }

  #and(): ParsedCondition {
    const conditions = [this.#unary()];
    while (this.#acceptKeyword('AND')) conditions.push(this.#unary());
    return conditions.length === 1 ? (conditions[0] as ParsedCondition) : { kind: 'and', conditions };
  }

  #unary(): ParsedCondition {
    return this.#nested(() => {
      if (this.#acceptKeyword('NOT')) return { kind: 'not', condition: this.#unary() };
      if (this.#current.kind === '(') {
        this.#advance();
        const condition = this.#or();
        this.#expect(')', '")" (or AND, OR)');
        return condition;
      }
      return this.#predicate();
    });
  }

  #field(): FieldPath<ParsedField> {
    const token = this.#current;
    if (token.kind !== 'word' || !token.text.includes(':')) this.#fail('a field such as batch_common:name');
    const match = FIELD.exec(token.text);
    if (match === null) {
      throw advancedSearchError('malformed field path', token.position, describe(token));
    }
    this.#advance();
    const segments = (match[2] as string).split('/').map((segment) => (segment.startsWith('*') ? '*' : segment));
    return { field: { schema: match[1] as string, segments }, text: token.text, position: token.position };
  }

  #predicate(): ParsedCondition {
    const start = this.#current;
    this.#predicates += 1;
    if (this.#predicates > ADVANCED_SEARCH_LIMITS.maxPredicates) {
      throw advancedSearchError(`more than ${ADVANCED_SEARCH_LIMITS.maxPredicates} conditions`, start.position, describe(start));
    }
    const path = this.#field();
    const token = this.#current;
    if (token.kind === 'operator') {
      this.#advance();
      const value = this.#literal();
      if (token.value === '<>' || token.value === '!=') {
        return { kind: 'not', condition: { kind: 'compare', path, operator: '=', value } };
      }
      return { kind: 'compare', path, operator: token.value as ComparisonOperator, value };
    }
    if (this.#acceptKeyword('IS')) {
      const negated = this.#acceptKeyword('NOT');
      this.#expectKeyword('NULL', negated ? 'NULL' : 'NULL or NOT NULL');
      const condition: ParsedCondition = { kind: 'isNull', path };
      return negated ? { kind: 'not', condition } : condition;
    }
    const negated = this.#acceptKeyword('NOT');
    const condition = this.#listOrPattern(path, negated);
    return negated ? { kind: 'not', condition } : condition;
  }

  #listOrPattern(path: FieldPath<ParsedField>, negated: boolean): ParsedCondition {
    if (this.#isKeyword('LIKE') || this.#isKeyword('ILIKE')) {
      const caseInsensitive = this.#advance().value === 'ILIKE';
      const value = this.#literal();
      if (value.literal.type !== 'string') this.#fail('a quoted pattern', this.#tokens[this.#index - 1] as Token);
      if (wildcards(value.literal.value) > ADVANCED_SEARCH_LIMITS.maxWildcards) {
        throw advancedSearchError(`a pattern may hold at most ${ADVANCED_SEARCH_LIMITS.maxWildcards} %`, value.position, value.text);
      }
      return { kind: 'like', path, pattern: value.literal.value, caseInsensitive, value };
    }
    if (this.#acceptKeyword('IN')) {
      this.#expect('(', '"(" opening the IN list');
      const values = [this.#literal()];
      while (this.#current.kind === ',') {
        this.#advance();
        values.push(this.#literal());
      }
      this.#expect(')', '"," or ")" in the IN list');
      return { kind: 'in', path, values };
    }
    if (this.#acceptKeyword('BETWEEN')) {
      const low = this.#literal();
      this.#expectKeyword('AND', 'AND between the BETWEEN bounds');
      const high = this.#literal();
      return {
        kind: 'and',
        conditions: [
          { kind: 'compare', path, operator: '>=', value: low },
          { kind: 'compare', path, operator: '<=', value: high },
        ],
      };
    }
    return this.#fail(
      negated ? 'LIKE, ILIKE, IN or BETWEEN after NOT' : 'an operator (=, <>, <, <=, >, >=, LIKE, ILIKE, IN, BETWEEN, IS NULL)',
    );
  }

  #literal(): PlacedLiteral {
    const token = this.#current;
    if (token.kind === 'string') {
      this.#advance();
      return { literal: { type: 'string', value: token.value }, position: token.position, text: token.text };
    }
    if (token.kind === 'number') {
      this.#advance();
      return { literal: { type: 'number', value: Number(token.value) }, position: token.position, text: token.text };
    }
    if (this.#acceptKeyword('TIMESTAMP')) {
      const text = this.#current;
      if (text.kind !== 'string') this.#fail('a quoted time after TIMESTAMP');
      this.#advance();
      const time = Date.parse(text.value);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(text.value) || Number.isNaN(time)) {
        throw advancedSearchError('not an ISO 8601 date and time', text.position, describe(text));
      }
      return {
        literal: { type: 'timestamp', value: new Date(time).toISOString() },
        position: token.position,
        text: `${token.text} ${text.text}`,
      };
    }
    return this.#fail('a value (a quoted string, a number or TIMESTAMP "…")');
  }
}

/**
 * The condition tree of an `as` text.
 * @throws ValidationError naming the position (1-based) and the token of the first thing outside the subset.
 */
export function parseAdvancedSearch(text: string): ParsedCondition {
  if (text.length > ADVANCED_SEARCH_LIMITS.maxLength) {
    throw advancedSearchError(
      `longer than ${ADVANCED_SEARCH_LIMITS.maxLength} characters`,
      ADVANCED_SEARCH_LIMITS.maxLength,
      `${text.length} characters in all`,
    );
  }
  return new Parser(tokenize(text)).parse();
}
