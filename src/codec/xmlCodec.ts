/**
 * XML text ⇄ `DocTree`. Parsing is fast-xml-parser with every conversion switched off (values stay strings,
 * no entity processing), after `preflightXml` has refused DTDs and checked references; this module decodes
 * the predefined and character references itself. Writing is a small serializer of our own so that escaping
 * and element order are exactly what we emit.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  isDocNode,
  isElementKey,
  rootElement,
  toOutputTree,
  type DocNode,
  type DocTree,
  type DocValue,
} from './tree.js';
import { MAX_DOCUMENT_DEPTH } from './documentDepth.js';
import { locate, malformedAt } from './sourceLocation.js';
import { preflightXml } from './xmlPreflight.js';

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCES = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

/** Decodes references that `preflightXml` has already checked, so every match is well-formed. */
function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCES, (_match, name: string) => {
    if (!name.startsWith('#')) return PREDEFINED_ENTITIES[name] ?? '';
    const codePoint = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return String.fromCodePoint(codePoint);
  });
}

// Stateless between parses (each parse builds its own tree), so one instance serves every request.
const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '.',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // preflightXml refuses deeper documents first, saying where; this keeps the parser's own (default 100) limit
  // from refusing what preflight accepts should MAX_DOCUMENT_DEPTH grow.
  maxNestedTags: MAX_DOCUMENT_DEPTH,
  tagValueProcessor: (_name, value) => decodeReferences(value),
  attributeValueProcessor: (_name, value) => decodeReferences(value),
});

/**
 * Parses an XML body into a `DocTree`.
 * @throws DomainError `UNSAFE_XML` for any DTD or markup declaration; `MALFORMED_BODY` (with line and column
 *   where known) for an empty body or text that is not well-formed XML.
 */
export function parseXml(text: string): DocTree {
  // A UTF-8 byte order mark is legal before the declaration but trips the validator.
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') throw malformedAt('XML', { line: 1, column: 1 }, 'the body is empty');
  const prepared = preflightXml(source);
  const verdict = XMLValidator.validate(source);
  if (verdict !== true) {
    const { line, col, msg } = verdict.err;
    throw malformedAt('XML', { line, column: col ?? 1 }, msg);
  }
  // The validator misses text after a self-closing root (`<a/>tail`) and the parser drops it silently.
  const end = source.lastIndexOf('>') + 1;
  if (source.slice(end).trim() !== '') throw malformedAt('XML', locate(source, end), 'text after the root element');
  let parsed: unknown;
  try {
    parsed = PARSER.parse(prepared);
  } catch (error) {
    // The validator passed, so this is one of the parser's own refusals (e.g. `__proto__` as an element name).
    const reason = error instanceof Error ? error.message : String(error);
    throw malformedAt('XML', locate(source, 0), reason, error);
  }
  // Likewise a second root after a self-closing one (`<a/><b/>`), which the parser does keep.
  if (!isDocNode(parsed) || Object.keys(parsed).length !== 1 || rootElement(parsed) === undefined) {
    throw malformedAt('XML', locate(source, 0), 'expected exactly one root element');
  }
  return parsed;
}

const ELEMENT_NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?$/;
const ILLEGAL_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

// Control characters cannot appear in XML 1.0 even as references; replacing them beats failing the response.
function legalChars(text: string): string {
  return text.replace(ILLEGAL_CHARS, '\uFFFD');
}

/** Anything `escapeText` would change: most text has none, and one test is cheaper than five passes. */
const NEEDS_ESCAPING = /[&<>\r]|[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function escapeText(text: string): string {
  if (!NEEDS_ESCAPING.test(text)) return text;
  return legalChars(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\r', '&#13;');
}

function escapeAttribute(text: string): string {
  return escapeText(text).replaceAll('"', '&quot;').replaceAll('\t', '&#9;').replaceAll('\n', '&#10;');
}

function assertName(name: string): void {
  if (!ELEMENT_NAME.test(name)) throw new Error(`'${name}' cannot be written as an XML name`);
}

function writeNode(name: string, node: DocNode): string {
  let attributes = '';
  let content = '';
  for (const [key, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (key === '.') {
      content += escapeText(String(value));
    } else if (!isElementKey(key)) {
      const attribute = key.slice(1);
      assertName(attribute);
      attributes += ` ${attribute}="${escapeAttribute(String(value))}"`;
    } else {
      content += writeElement(key, value);
    }
  }
  return content === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${content}</${name}>`;
}

function writeElement(name: string, value: DocValue): string {
  assertName(name);
  if (Array.isArray(value)) return value.map((item) => writeElement(name, item)).join('');
  if (isDocNode(value)) return writeNode(name, value);
  const text = value === null ? '' : String(value);
  return text === '' ? `<${name}/>` : `<${name}>${escapeText(text)}</${name}>`;
}

/** Serializes a document tree (one root element) with the XML declaration CollectionSpace emits. */
export function buildXml(tree: DocTree): string {
  const output = toOutputTree(tree);
  const root = rootElement(output);
  if (root === undefined) throw new Error('An XML document needs exactly one root element');
  return XML_DECLARATION + writeElement(root.key, root.value);
}
