/**
 * Error answers, one component per status, listing the codes (from the one status table, `STATUS_BY_CODE`) that
 * answer with it; each in XML, JSON and, as CollectionSpace answers errors, `text/plain` for clients that ask for it.
 * Examples are written by the service's own error encoders.
 */
import { encodeError, encodeErrorText, RESPONSE_MEDIA_TYPES, type ErrorBody } from '../../codec/index.js';
import { STATUS_BY_CODE } from '../problems.js';
import { exampleIn, ref, type OpenApiObject } from './operation.js';

/** Headers some answers carry, by component name. */
export const HEADERS: Record<string, OpenApiObject> = {
  Location: { description: 'Where the created (or started) resource lives.', schema: { type: 'string' } },
  ETag: { description: 'The revision read or written; send it back as `If-Match`.', schema: { type: 'string' } },
  RetryAfter: { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
  Allow: { description: 'The methods this path allows.', schema: { type: 'string' } },
  WWWAuthenticate: { description: 'The schemes to authenticate with, one header each: `Basic realm="invocables"` and `Bearer`.', schema: { type: 'string' } },
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

/** What an error of each status typically says; the first code of the status is shown with it. */
const EXAMPLE_PROBLEMS: Partial<Record<number, Pick<ErrorBody, 'message' | 'details'>>> = {
  400: { message: 'Invalid batch_common: batch_common/name is required', details: [{ path: 'batch_common/name', message: 'is required' }] },
  401: { message: 'Authentication required: send valid Basic credentials or a Bearer token' },
  403: { message: "You are not allowed to invoke the batch job 'Create and Link Loan Out'" },
  404: { message: "Batch job '6f1c2b3a-…' was not found" },
  405: { message: 'PATCH is not allowed on /cspace-services/batch; use GET, POST, DELETE' },
  406: { message: 'None of the media types in Accept can be produced; this resource is available as application/xml, application/json' },
  409: { message: "The transition 'undelete' is not allowed from the workflow state 'project'" },
  412: { message: "The batch job '6f1c2b3a-…' has changed since it was read (If-Match)" },
  413: { message: 'Request body is larger than the limit of 1048576 bytes' },
  415: { message: 'Content-Type text/csv is not supported; send application/xml or application/json' },
  422: { message: 'This Idempotency-Key was used for another request' },
  429: { message: 'Too many failed logins; try again later' },
  500: { message: "Plugin 'create-and-link-loan-out' failed: the loan out number is already taken" },
  503: { message: 'The store cannot take writes now; nothing was kept' },
};

function errorResponse(status: number, codes: string[]): OpenApiObject {
  const [code = ''] = codes;
  const problem = EXAMPLE_PROBLEMS[status] ?? { message: `An example of ${code}` };
  const example: ErrorBody = { status, code, ...problem, requestId: 'b2c7…' };
  const tree = encodeError(example);
  const content: OpenApiObject = Object.fromEntries(RESPONSE_MEDIA_TYPES.map((type) => [type, { schema: ref('schemas', 'Error'), example: exampleIn(type, tree) }]));
  content['text/plain'] = { schema: { type: 'string' }, example: encodeErrorText(example) };
  const carried = ERROR_HEADERS[status];
  return {
    description: `Error: ${codes.map((name) => `\`${name}\``).join(', ')}`,
    ...(carried !== undefined && { headers: headers(...carried) }),
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
