/**
 * A pass over raw XML text before fast-xml-parser sees it, for the three things the parser cannot be trusted
 * with:
 * - **Markup declarations** (`<!DOCTYPE`, `<!ENTITY`, ...) are refused outright. Entity expansion is how
 *   billion-laughs and external-entity (XXE) attacks work, and no CollectionSpace payload needs a DTD.
 * - **References** (`&name;`, `&#n;`) must be one of the five predefined entities or a character reference
 *   to a legal XML character. The validator lets `&undefined;` through, and we decode references ourselves.
 * - **CDATA sections** are rewritten as escaped character data, so the one decoder we run on text afterwards
 *   sees everything uniformly and CDATA content such as `&amp;` stays literal.
 * - **Nesting** deeper than `MAX_DOCUMENT_DEPTH` elements is refused where it passes the limit, before the
 *   parser builds (and the codecs recurse over) such a tree.
 * Comments and processing instructions are copied untouched; unterminated ones, and tags too broken to read, are
 * left to the validator.
 */
import { DomainError } from '../domain/errors.js';
import { MAX_DOCUMENT_DEPTH, TOO_DEEP } from './documentDepth.js';
import { locate, malformedAt } from './sourceLocation.js';

const REFERENCE = /&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;
const MARKUP_OR_REFERENCE = /[<&]/g;
const DECLARATION_KEYWORD = /<!([A-Za-z]*)/y;
/**
 * A start tag through its `>`, capturing the `/` of an empty-element tag. No part of it matches `<`, which cannot
 * occur inside a tag: a broken tag fails at the next `<` at the latest, so trying every tag costs one pass.
 */
const START_TAG = /<[^\s/>!?<][^\s/><]*(?:\s+[^\s=/><]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*(\/?)>/y;

/** Whether a code point may appear in an XML 1.0 document at all. */
export function isXmlChar(codePoint: number): boolean {
  return (
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff)
  );
}

function checkReference(source: string, index: number): number {
  REFERENCE.lastIndex = index;
  const match = REFERENCE.exec(source);
  if (match === null) {
    const reason = "'&' must start &amp;, &lt;, &gt;, &quot;, &apos; or a character reference";
    throw malformedAt('XML', locate(source, index), reason);
  }
  const reference = match[0];
  if (reference.startsWith('&#')) {
    const codePoint = reference.startsWith('&#x')
      ? Number.parseInt(reference.slice(3, -1), 16)
      : Number.parseInt(reference.slice(2, -1), 10);
    if (!isXmlChar(codePoint)) {
      throw malformedAt('XML', locate(source, index), `${reference} does not refer to a legal XML character`);
    }
  }
  return index + reference.length;
}

function escapeCharacterData(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

function refuseDeclaration(source: string, index: number): never {
  DECLARATION_KEYWORD.lastIndex = index;
  const keyword = DECLARATION_KEYWORD.exec(source)?.[1] ?? '';
  const where = locate(source, index);
  const what = keyword === '' ? 'Markup declarations' : `${keyword.toUpperCase()} declarations`;
  const message = `${what} are not accepted: DTDs and entities are refused to prevent entity expansion attacks`;
  throw new DomainError('UNSAFE_XML', `${message} (line ${where.line}, column ${where.column})`, [
    { path: `line ${where.line}, column ${where.column}`, message },
  ]);
}

/** Checks `source` as described above and returns it with CDATA sections turned into escaped text. */
export function preflightXml(source: string): string {
  const chunks: string[] = [];
  let copiedUpTo = 0;
  let index = 0;
  let depth = 0;
  for (;;) {
    MARKUP_OR_REFERENCE.lastIndex = index;
    const next = MARKUP_OR_REFERENCE.exec(source);
    if (next === null) break;
    index = next.index;
    if (next[0] === '&') {
      index = checkReference(source, index);
    } else if (source.startsWith('<!--', index)) {
      const end = source.indexOf('-->', index + 4);
      if (end === -1) break;
      index = end + 3;
    } else if (source.startsWith('<![CDATA[', index)) {
      const end = source.indexOf(']]>', index + 9);
      if (end === -1) break;
      chunks.push(source.slice(copiedUpTo, index), escapeCharacterData(source.slice(index + 9, end)));
      index = end + 3;
      copiedUpTo = index;
    } else if (source.startsWith('<!', index)) {
      refuseDeclaration(source, index);
    } else if (source.startsWith('<?', index)) {
      const end = source.indexOf('?>', index + 2);
      if (end === -1) break;
      index = end + 2;
    } else if (source.startsWith('</', index)) {
      depth -= 1;
      index += 2;
    } else {
      START_TAG.lastIndex = index;
      const tag = START_TAG.exec(source);
      if (tag !== null && tag[1] === '') {
        depth += 1;
        if (depth > MAX_DOCUMENT_DEPTH) throw malformedAt('XML', locate(source, index), TOO_DEEP);
      }
      // Only past the `<`: references in the tag's attribute values are still to be checked.
      index += 1;
    }
  }
  chunks.push(source.slice(copiedUpTo));
  return chunks.join('');
}
