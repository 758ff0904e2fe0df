/**
 * Request bodies are UTF-8 (RFC 8259 requires it of JSON; CollectionSpace reads and writes XML in it). A parser
 * decoding leniently turns every invalid byte into U+FFFD, which would then be stored as if the client had sent
 * it; so bodies are decoded with a fatal decoder first, and invalid ones refused with the offset of the first
 * bad byte.
 */
import { DomainError } from '../domain/errors.js';

// ignoreBOM keeps a byte order mark in the text, so that offsets counted in the text match the bytes.
const STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });
const REPLACEMENT = '\uFFFD';
const ENCODED_REPLACEMENT = [0xef, 0xbf, 0xbd];

/** Whether a `charset` label names UTF-8 (`utf-8`, `UTF8`, `unicode-1-1-utf-8`, ...). */
export function isUtf8Charset(label: string): boolean {
  try {
    return new TextDecoder(label).encoding === 'utf-8';
  } catch {
    return false;
  }
}

/**
 * The offset of the first byte that is not part of a valid UTF-8 sequence. Only called once the fatal decoder
 * has refused `bytes`: the lenient decoding marks each invalid sequence with U+FFFD, and every character before
 * the first such mark was decoded from valid bytes, so its UTF-8 length is exactly the offset. A U+FFFD the
 * client really sent (EF BF BD) is skipped.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  const text = LENIENT.decode(bytes);
  let offset = 0;
  let counted = 0;
  for (let mark = text.indexOf(REPLACEMENT); mark !== -1; mark = text.indexOf(REPLACEMENT, mark + 1)) {
    offset += Buffer.byteLength(text.slice(counted, mark), 'utf8');
    if (!ENCODED_REPLACEMENT.every((byte, i) => bytes[offset + i] === byte)) return offset;
    offset += ENCODED_REPLACEMENT.length;
    counted = mark + 1;
  }
  return offset;
}

/**
 * The text of a UTF-8 body.
 * @throws DomainError `MALFORMED_BODY` naming the byte offset of the first invalid sequence.
 */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return STRICT.decode(bytes);
  } catch (error) {
    const offset = firstInvalidByte(bytes);
    const details = [{ path: `(body) byte ${offset}`, message: 'starts a byte sequence that is not valid UTF-8' }];
    throw new DomainError('MALFORMED_BODY', `The body is not valid UTF-8: the first invalid sequence is at byte ${offset}`, details, {
      cause: error,
    });
  }
}
