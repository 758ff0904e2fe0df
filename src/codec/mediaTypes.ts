/**
 * The media types Invocables speaks, each with one codec. src/http uses this one table both to parse request
 * bodies (by `Content-Type`) and to build `res.format` (by `Accept`), so the two can't drift apart.
 * XML is CollectionSpace's native type and the default when a client states no preference.
 */
import { decodeUtf8Body } from './bodyText.js';
import { buildJson, parseJsonTree } from './jsonCodec.js';
import type { DocTree } from './tree.js';
import { buildXml, parseXml } from './xmlCodec.js';

export const XML_MEDIA_TYPE = 'application/xml';
export const XML_TEXT_MEDIA_TYPE = 'text/xml';
export const JSON_MEDIA_TYPE = 'application/json';

/** Every accepted request media type. */
export const MEDIA_TYPES = [XML_MEDIA_TYPE, XML_TEXT_MEDIA_TYPE, JSON_MEDIA_TYPE] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** Response types in order of preference; the first is the default for `Accept: *\/*` or none. */
export const RESPONSE_MEDIA_TYPES = [XML_MEDIA_TYPE, JSON_MEDIA_TYPE] as const;
export const DEFAULT_MEDIA_TYPE = XML_MEDIA_TYPE;

/** The media types express.text should read as strings (express.json handles JSON). */
export const XML_BODY_TYPES: readonly MediaType[] = [XML_MEDIA_TYPE, XML_TEXT_MEDIA_TYPE];

export interface MediaCodec {
  /** The `Content-Type` to send, with charset. */
  contentType: string;
  /** Turns a parsed request body (a string or bytes for XML, the express.json value for JSON) into a tree. */
  decode(body: unknown): DocTree;
  encode(tree: DocTree): string;
}

function xmlBodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return decodeUtf8Body(body);
  // No body parser ran (or the body was empty): treat like an empty document.
  return '';
}

const XML_CODEC: MediaCodec = {
  contentType: `${XML_MEDIA_TYPE}; charset=utf-8`,
  decode: (body) => parseXml(xmlBodyText(body)),
  encode: buildXml,
};

export const MEDIA_CODECS: Readonly<Record<MediaType, MediaCodec>> = {
  [XML_MEDIA_TYPE]: XML_CODEC,
  [XML_TEXT_MEDIA_TYPE]: { ...XML_CODEC, contentType: `${XML_TEXT_MEDIA_TYPE}; charset=utf-8` },
  [JSON_MEDIA_TYPE]: {
    contentType: `${JSON_MEDIA_TYPE}; charset=utf-8`,
    decode: parseJsonTree,
    encode: buildJson,
  },
};

export function isMediaType(value: string): value is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(value);
}

/** The codec for a `Content-Type` header value (parameters and case ignored), or `undefined` if unsupported. */
export function codecForContentType(contentType: string | undefined): MediaCodec | undefined {
  const essence = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return isMediaType(essence) ? MEDIA_CODECS[essence] : undefined;
}
