/**
 * Tokens of the NXQL subset taken in `as` (see nxqlParser.ts). Each token keeps its text and where it starts,
 * so every error names both.
 *
 * String literals come in NXQL's two quotings: double quotes with JSON escapes (cspace-ui writes its values with
 * `JSON.stringify`), and single quotes, where `\'` is a quote (CollectionSpace's own services write those).
 */
import { advancedSearchError } from '../domain/advancedSearch.js';

export type TokenKind = 'word' | 'string' | 'number' | 'operator' | '(' | ')' | ',' | 'end';

export interface Token {
  kind: TokenKind;
  /** The source text of the token (a string's with its quotes). */
  text: string;
  /** 0-based offset in the `as` text. */
  position: number;
  /** A string literal's value, or a word upper-cased (keywords are case-insensitive). */
  value: string;
}

const WHITESPACE = /\s+/y;
// Words are keywords or field paths: `batch_common:forDocTypes/*1`, `collectionobjects_common:title-group`.
const WORD = /[A-Za-z_][A-Za-z0-9_:/*-]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_.])/y;
const OPERATOR = /<>|!=|<=|>=|=|<|>/y;
const DOUBLE_QUOTED = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const SINGLE_QUOTED = /'(?:[^'\\]|\\.)*'/y;

function matchAt(pattern: RegExp, text: string, position: number): string | undefined {
  pattern.lastIndex = position;
  return pattern.exec(text)?.[0];
}

/** The value of a single-quoted literal: `\x` is `x` (so `\'` is a quote and `\\` a backslash). */
function singleQuotedValue(lexeme: string): string {
  return lexeme.slice(1, -1).replace(/\\(.)/gs, '$1');
}

function stringToken(text: string, position: number): Token | undefined {
  const double = matchAt(DOUBLE_QUOTED, text, position);
  if (double !== undefined) return { kind: 'string', text: double, position, value: JSON.parse(double) as string };
  const single = matchAt(SINGLE_QUOTED, text, position);
  if (single !== undefined) return { kind: 'string', text: single, position, value: singleQuotedValue(single) };
  if (text[position] === '"' || text[position] === "'") {
    throw advancedSearchError('unterminated or malformed string', position, JSON.stringify(text.slice(position, position + 20)));
  }
  return undefined;
}

function nextToken(text: string, position: number): Token {
  const char = text[position] ?? '';
  if (char === '(' || char === ')' || char === ',') return { kind: char, text: char, position, value: char };
  const string = stringToken(text, position);
  if (string !== undefined) return string;
  const number = matchAt(NUMBER, text, position);
  if (number !== undefined) return { kind: 'number', text: number, position, value: number };
  const operator = matchAt(OPERATOR, text, position);
  if (operator !== undefined) return { kind: 'operator', text: operator, position, value: operator };
  const word = matchAt(WORD, text, position);
  if (word !== undefined) return { kind: 'word', text: word, position, value: word.toUpperCase() };
  throw advancedSearchError('unexpected character', position, JSON.stringify(char));
}

/** Every token of `text`, ending with one `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  for (;;) {
    position += matchAt(WHITESPACE, text, position)?.length ?? 0;
    if (position >= text.length) break;
    const token = nextToken(text, position);
    tokens.push(token);
    position += token.text.length;
  }
  tokens.push({ kind: 'end', text: 'end of the query', position: text.length, value: '' });
  return tokens;
}
