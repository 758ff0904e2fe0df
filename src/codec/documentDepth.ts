/**
 * How deeply a request document may nest, checked before anything recursive walks it. The codecs, the schema
 * checks and the record mappers all recurse over a document's tree; a client's 10,000-deep JSON would take them
 * past the end of the stack. CollectionSpace documents nest a handful of levels, so the limit costs nobody.
 */
import { locate, malformedAt } from './sourceLocation.js';

/** The deepest nesting accepted: XML elements inside elements, or JSON objects and arrays inside each other. */
export const MAX_DOCUMENT_DEPTH = 100;

export const TOO_DEEP = `nested more than ${MAX_DOCUMENT_DEPTH} levels deep (the limit for request documents)`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]

/**
 * Refuses JSON text whose objects and arrays nest deeper than `MAX_DOCUMENT_DEPTH`, naming where the limit was
 * passed. One loop over the text and a counter: it must not recurse itself. Text that is not JSON at all is left
 * to `JSON.parse`, which says what is wrong with it.
 */
export function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index += 1;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (OPENERS.has(code)) {
      depth += 1;
      if (depth > MAX_DOCUMENT_DEPTH) throw malformedAt('JSON', locate(text, index), TOO_DEEP);
    } else if (CLOSERS.has(code)) {
      depth -= 1;
    }
  }
}
