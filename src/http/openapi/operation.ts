/**
 * The few shapes every path module repeats: one operation with its default error answers, bodies and answers in
 * both media types (examples rendered by the service's own codecs, so they are what the service writes and reads),
 * and parameters. Path modules say only what differs per route.
 */
import { JSON_MEDIA_TYPE, MEDIA_CODECS, MEDIA_TYPES, RESPONSE_MEDIA_TYPES, type DocTree, type MediaType } from '../../codec/index.js';

/** An OpenAPI object (operation, schema, parameter…): plain JSON. */
export type OpenApiObject = { [key: string]: unknown };
export type Method = 'get' | 'put' | 'post' | 'delete';
/** Path (with `{param}` templates) → method → operation. */
export type Paths = Record<string, Partial<Record<Method, OpenApiObject>>>;

export const ref = (kind: 'schemas' | 'parameters' | 'responses' | 'headers', name: string): OpenApiObject => ({
  $ref: `#/components/${kind}/${name}`,
});

/** Errors any authenticated route may answer: credentials, rights, `Accept`, throttling, a bug, the store. */
const AUTHENTICATED_ERRORS = [401, 403, 406, 429, 500, 503];
/** Errors an open route may still answer: a bug. */
const OPEN_ERRORS = [500];

export interface OperationSpec {
  id: string;
  summary: string;
  tag: string;
  description?: string;
  parameters?: OpenApiObject[];
  body?: OpenApiObject;
  /** Status → response object; the error statuses of `errors` and the defaults are added, unless given here. */
  responses: Record<number, OpenApiObject>;
  /** Error statuses this route answers beyond the defaults (400 is implied by a body). */
  errors?: number[];
  /** Needs no credentials. */
  open?: boolean;
  /** Who may call, when not the document's default (any one of the schemes). */
  security?: OpenApiObject[];
  deprecated?: boolean;
}

export function operation(spec: OperationSpec): OpenApiObject {
  const statuses = new Set([
    ...(spec.open === true ? OPEN_ERRORS : AUTHENTICATED_ERRORS),
    ...(spec.body !== undefined ? [400, 413, 415] : []),
    ...(spec.errors ?? []),
  ]);
  // Whoever logs in may name the tenant to act in.
  const parameters = [...(spec.open === true ? [] : [ref('parameters', 'TenantHeader')]), ...(spec.parameters ?? [])];
  // A route's own answer for a status (an HTML page, an OAuth error) stands over the shared error document.
  const answers: Record<string, OpenApiObject> = { ...Object.fromEntries([...statuses].map((status) => [status, ref('responses', `Error${status}`)])), ...spec.responses };
  const responses = Object.fromEntries(Object.entries(answers).sort(([a], [b]) => Number(a) - Number(b)));
  return {
    operationId: spec.id,
    summary: spec.summary,
    ...(spec.description !== undefined && { description: spec.description }),
    tags: [spec.tag],
    ...(spec.deprecated === true && { deprecated: true }),
    ...(spec.open === true && { security: [] }),
    ...(spec.security !== undefined && { security: spec.security }),
    ...(parameters.length > 0 && { parameters }),
    ...(spec.body !== undefined && { requestBody: spec.body }),
    responses,
  };
}

/** A request or answer example in one media type, as the service's codec writes `tree`. */
export function exampleIn(mediaType: MediaType, tree: DocTree): unknown {
  const text = MEDIA_CODECS[mediaType].encode(tree);
  return mediaType === JSON_MEDIA_TYPE ? JSON.parse(text) : text;
}

/** A request body of `schema` in every type the service reads (XML as `application/xml` or `text/xml`, JSON). */
export function documentBody(schema: OpenApiObject, example?: DocTree): OpenApiObject {
  const content = Object.fromEntries(
    MEDIA_TYPES.map((type) => [
      type,
      { schema, ...(example !== undefined && { example: exampleIn(type, example) }) },
    ]),
  );
  return { required: true, content };
}

/** An answer carrying a document of `schema` in either answer type (`Accept`), with `headers`. */
export function documentAnswer(description: string, schema: OpenApiObject, options: { example?: DocTree; headers?: Record<string, OpenApiObject> } = {}): OpenApiObject {
  const content = Object.fromEntries(
    RESPONSE_MEDIA_TYPES.map((type) => [type, { schema, ...(options.example !== undefined && { example: exampleIn(type, options.example) }) }]),
  );
  return { description, ...(options.headers !== undefined && { headers: options.headers }), content };
}

/** An answer without a body. */
export function emptyAnswer(description: string, headers?: Record<string, OpenApiObject>): OpenApiObject {
  return { description, ...(headers !== undefined && { headers }) };
}

export function pathParameter(name: string, description: string, schema: OpenApiObject = { type: 'string' }): OpenApiObject {
  return { name, in: 'path', required: true, description, schema };
}

export function queryParameter(name: string, description: string, schema: OpenApiObject = { type: 'string' }): OpenApiObject {
  return { name, in: 'query', description, schema };
}
