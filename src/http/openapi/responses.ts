/**
 * Error answers, one component per status, listing the codes (from the one status table, `STATUS_BY_CODE`) that
 * answer with it; each in XML, JSON and, as CollectionSpace answers errors, `text/plain` for clients that ask for it.
 * Examples are written by the service's own error encoders.
 */
import { encodeError, encodeErrorText } from '../../codec/index.js';
import { MEDIA_CODECS, RESPONSE_MEDIA_TYPES, JSON_MEDIA_TYPE } from '../../codec/mediaTypes.js';
import { STATUS_BY_CODE } from '../problems.js';
import { ref, type OpenApiObject } from './operation.js';

/** Headers some answers carry, by component name. */
export const HEADERS: Record<string, OpenApiObject> = {
  Location: { description: 'Where the created (or started) resource lives.', schema: { type: 'string' } },
  ETag: { description: 'The revision read or written; send it back as `If-Match`.', schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
  Allow: { description: 'The methods this path allows.', schema: { type: 'string' } },
  WWWAuthenticate: { description: 'The schemes to authenticate with: `Basic realm="invocables", Bearer`.', schema: { type: 'string' } },
  IdempotentReplayed: { description: '`true` on the stored answer to a repeated `Idempotency-Key`.', schema: { type: 'string', enum: ['true'] } },
  PreferenceApplied: { description: 'The `Prefer` preferences this answer honours (RFC 7240).', schema: { type: 'string' } },
};

/** Headers each error status carries. */
const ERROR_HEADERS: Partial<Record<number, string[]>> = {
  401: ['WWWAuthenticate'],
  405: ['Allow'],
  409: ['RetryAfter'],
  429: ['RetryAfter'],
  503: ['RetryAfter'],
};

function codesByStatus(): Map<number, string[]> {
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  return byStatus;
}

function errorResponse(status: number, codes: string[]): OpenApiObject {
  const [code = ''] = codes;
  const example = { status, code, message: `An example of ${code}`, details: [{ path: 'batch_common/name', message: 'is required' }], requestId: 'b2c7…' };
  const tree = encodeError(example);
  const content: OpenApiObject = Object.fromEntries(
    RESPONSE_MEDIA_TYPES.map((type) => {
      const written = MEDIA_CODECS[type].encode(tree);
      return [type, { schema: ref('schemas', 'Error'), example: type === JSON_MEDIA_TYPE ? JSON.parse(written) : written }];
    }),
  );
  content['text/plain'] = { schema: { type: 'string' }, example: encodeErrorText(example) };
  const headers = ERROR_HEADERS[status];
  return {
    description: `Error: ${codes.map((name) => `\`${name}\``).join(', ')}`,
    ...(headers !== undefined && { headers: Object.fromEntries(headers.map((name) => [headerName(name), ref('headers', name)])) }),
    content,
  };
}

/** The HTTP header a component is named after (`RetryAfter` → `Retry-After`). */
function headerName(component: string): string {
  return component === 'WWWAuthenticate' ? 'WWW-Authenticate' : component.replace(/(?<=[a-z])(?=[A-Z])/g, '-');
}

/** `Error400` … `Error503`. */
export function errorResponses(): Record<string, OpenApiObject> {
  return Object.fromEntries([...codesByStatus()].map(([status, codes]) => [`Error${status}`, errorResponse(status, codes)]));
}

/** `{ Location: $ref, … }` for an answer's headers. */
export function headers(...names: string[]): Record<string, OpenApiObject> {
  return Object.fromEntries(names.map((name) => [headerName(name), ref('headers', name)]));
}
