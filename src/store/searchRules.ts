/**
 * Engine-neutral rules of advanced search (`as`, src/domain/advancedSearch.ts), so that SQLite and MongoDB
 * answer one query alike:
 *
 * - the values a record field path reaches (`valuesAt`): a named step goes through a list's items, as MongoDB's
 *   dotted paths do, one level of list at a time; a `*` step takes a list's items, an array's elements or an
 *   object's member values (a list in CollectionSpace's XML shape), a scalar being a list of one; only scalars (strings, numbers, booleans) count;
 * - NXQL `LIKE` patterns (`%`, `_`, `\` escapes) as a matcher (SQLite calls it from SQL) and as a regular
 *   expression (MongoDB's `$regex`).
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The items a `*` step takes from one value: an array's elements, an object's member values, and a scalar itself
 * (XML cannot tell a list of one from a single value).
 */
function itemsOf(value: Json): Json[] {
  if (Array.isArray(value)) return value;
  return isObject(value) ? Object.values(value) : [value];
}

/** What the named step `key` takes from one value: its member `key`, or that of each object in it if it is a list. */
function membersNamed(value: Json, key: string): Json[] {
  const holders = Array.isArray(value) ? value : [value];
  return holders.filter(isObject).filter((holder) => Object.hasOwn(holder, key)).map((holder) => holder[key] as Json);
}

/** The scalar values at `path` (field names and `*` steps) in `root`, a record's fields. */
export function valuesAt(root: Json, path: readonly string[]): Array<string | number | boolean> {
  let current: Json[] = [root];
  for (const step of path) current = current.flatMap((value) => (step === '*' ? itemsOf(value) : membersNamed(value, step)));
  const leaves = current.flatMap((value) => (Array.isArray(value) ? value : [value]));
  return leaves.filter((value): value is string | number | boolean => value !== null && typeof value !== 'object');
}

type PatternPart = { kind: 'any' } | { kind: 'one' } | { kind: 'text'; char: string };

/** A pattern as its parts, one per code point (so `_` is one character, as in MongoDB's UTF-8 regexes). */
function patternParts(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  const chars = Array.from(pattern);
  for (let index = 0; index < chars.length; index += 1) {
    const char = chars[index] as string;
    if (char === '\\' && index + 1 < chars.length) {
      index += 1;
      parts.push({ kind: 'text', char: chars[index] as string });
    } else if (char === '%') {
      if (parts.at(-1)?.kind !== 'any') parts.push({ kind: 'any' });
    } else {
      parts.push(char === '_' ? { kind: 'one' } : { kind: 'text', char });
    }
  }
  return parts;
}

function fold(text: string, caseInsensitive: boolean): string {
  return caseInsensitive ? text.toLowerCase() : text;
}

/**
 * Whether `value` matches the whole LIKE `pattern`. Greedy with one point to go back to (the last `%`), so it
 * takes at most value × pattern steps whatever the pattern: no pattern can make it backtrack without bound.
 */
export function likeMatches(value: string, pattern: string, caseInsensitive: boolean): boolean {
  const text = Array.from(fold(value, caseInsensitive));
  const parts = patternParts(fold(pattern, caseInsensitive));
  let t = 0;
  let p = 0;
  let starPart = -1;
  let starText = 0;
  while (t < text.length) {
    const part = parts[p];
    if (part !== undefined && (part.kind === 'one' || (part.kind === 'text' && part.char === text[t]))) {
      t += 1;
      p += 1;
    } else if (part?.kind === 'any') {
      starPart = p;
      starText = t;
      p += 1;
    } else if (starPart >= 0) {
      p = starPart + 1;
      starText += 1;
      t = starText;
    } else {
      return false;
    }
  }
  while (parts[p]?.kind === 'any') p += 1;
  return p === parts.length;
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|]/g;

function segmentRegex(parts: PatternPart[]): string {
  return parts.map((part) => (part.kind === 'one' ? '.' : part.kind === 'text' ? part.char.replace(REGEX_SPECIAL, '\\$&') : '')).join('');
}

/**
 * The same match as `likeMatches`, as a regular expression source and options for MongoDB's `$regex`.
 *
 * Between two `%`, a segment (fixed length: text and `_`) is taken where it first occurs: taking it any later
 * never helps what follows. `(?=(.*?segment))\N` says so (an atomic group, written so that both PCRE and
 * JavaScript read it), so the engine never goes back into a segment it has passed, and no pattern makes it
 * backtrack without bound; the last segment must end the value.
 */
export function likeRegex(pattern: string, caseInsensitive: boolean): { source: string; options: string } {
  const segments: PatternPart[][] = [[]];
  for (const part of patternParts(pattern)) {
    if (part.kind === 'any') segments.push([]);
    else segments.at(-1)?.push(part);
  }
  const [first = '', ...rest] = segments.map(segmentRegex);
  const last = rest.pop();
  const middle = rest.map((segment, index) => `(?=(.*?${segment}))\\${index + 1}`).join('');
  const body = last === undefined ? first : `${first}${middle}.*${last}`;
  // `s`: `.` takes line breaks too, as `%` and `_` do.
  return { source: `^${body}$`, options: caseInsensitive ? 'si' : 's' };
}
