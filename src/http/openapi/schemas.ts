/**
 * Component schemas. Request parts are the very JSON Schemas the codecs validate with (`schemas/*.json`,
 * imported, never copied): each keeps its draft-07 `$schema` and `$id`, so its own `#/definitions/…` references
 * resolve inside it. The wrappers around them are the documents as sent: a CollectionSpace `document` holding
 * `ns2:`-prefixed parts, or a root element. Answers carry every value as text (XML has nothing else, and JSON mirrors
 * it), so answer documents are described as trees of strings with the fields their encoders write.
 */
import adminRole from '../../../schemas/admin-role.json' with { type: 'json' };
import adminRoles from '../../../schemas/admin-roles.json' with { type: 'json' };
import adminTenant from '../../../schemas/admin-tenant.json' with { type: 'json' };
import adminToken from '../../../schemas/admin-token.json' with { type: 'json' };
import adminUser from '../../../schemas/admin-user.json' with { type: 'json' };
import batchBulkEntry from '../../../schemas/batch-bulk-entry.json' with { type: 'json' };
import batchBulk from '../../../schemas/batch-bulk.json' with { type: 'json' };
import batchInvocables from '../../../schemas/batch-invocables.json' with { type: 'json' };
import batchCommon from '../../../schemas/batch.json' with { type: 'json' };
import invocationContext from '../../../schemas/invocation-context.json' with { type: 'json' };
import multitenantInvocation from '../../../schemas/multitenant-invocation.json' with { type: 'json' };
import relationsCommon from '../../../schemas/relation.json' with { type: 'json' };
import resultLink from '../../../schemas/result-link.json' with { type: 'json' };
import type { ListSpec } from '../../codec/index.js';
import { STATUS_BY_CODE } from '../problems.js';
import { ref, type OpenApiObject } from './operation.js';

/** The validated parts, by component name; each is also a request body's root element or document part. */
const VALIDATED_SCHEMAS = {
  BatchCommon: batchCommon,
  BatchInvocables: batchInvocables,
  BatchBulk: batchBulk,
  BatchBulkEntry: batchBulkEntry,
  InvocationContext: invocationContext,
  MultitenantInvocation: multitenantInvocation,
  RelationsCommon: relationsCommon,
  ResultLinkRequest: resultLink,
  AdminTenant: adminTenant,
  AdminUser: adminUser,
  AdminRoles: adminRoles,
  AdminRole: adminRole,
  AdminToken: adminToken,
} as const satisfies Record<string, { title: string }>;
export type ValidatedSchema = keyof typeof VALIDATED_SCHEMAS;

const text: OpenApiObject = { type: 'string' };

/** A text property; `@name` is, in XML, the attribute `name` (OpenAPI's `xml` object says so to XML tools). */
function textProperty(name: string): OpenApiObject {
  return name.startsWith('@') ? { ...text, xml: { name: name.slice(1), attribute: true } } : text;
}

/** The `document` element holding `{ "ns2:<part>": <schema> }` parts, as CollectionSpace sends them (any prefix is read). */
export function documentNode(name: string | undefined, parts: Record<string, OpenApiObject>, required: string[] = []): OpenApiObject {
  return {
    type: 'object',
    description: 'The CollectionSpace multipart document; parts may carry any namespace prefix. In XML, `@name` is the `name` attribute.',
    properties: { '@name': { ...textProperty('@name'), ...(name !== undefined && { const: name }) }, ...parts },
    ...(required.length > 0 && { required }),
  };
}

/** A document of parts, as a body or an answer. */
export function partsDocument(name: string | undefined, parts: Record<string, OpenApiObject>, required: string[] = []): OpenApiObject {
  return element('document', documentNode(name, parts, required));
}

/** A document whose root element is the validated schema's `title` (`<user>`, `<ns2:invocationContext>`). */
export function rootDocument(schema: ValidatedSchema, prefix = ''): OpenApiObject {
  const element = `${prefix}${VALIDATED_SCHEMAS[schema].title}`;
  return { type: 'object', required: [element], properties: { [element]: ref('schemas', schema) } };
}

/** A document whose root element is `name`, holding `inner`. */
export function element(name: string, inner: OpenApiObject = { type: 'object' }): OpenApiObject {
  return { type: 'object', required: [name], properties: { [name]: inner } };
}

/** An element that is one item or several: XML has no arrays, so the JSON mirror writes a lone item bare. */
export function oneOrMany(item: OpenApiObject): OpenApiObject {
  return { anyOf: [item, { type: 'array', items: item }] };
}

/** A flat answer element of text fields (and `extra` ones). */
export function textFields(names: readonly string[], extra: Record<string, OpenApiObject> = {}): OpenApiObject {
  return { type: 'object', properties: { ...Object.fromEntries(names.map((name) => [name, textProperty(name)])), ...extra } };
}

/** `textFields` whose encoder writes no others: the list items of a `ListSpec`, the run document. */
export function onlyTextFields(names: readonly string[], extra: Record<string, OpenApiObject> = {}): OpenApiObject {
  return { ...textFields(names, extra), additionalProperties: false };
}

/** `ns2:abstract-common-list` whose items carry the list's `fieldsReturned`. */
export function commonList(spec: Pick<ListSpec<never>, 'fieldsReturned'>, extra: Record<string, OpenApiObject> = {}): OpenApiObject {
  return {
    type: 'object',
    required: ['ns2:abstract-common-list'],
    properties: {
      'ns2:abstract-common-list': textFields(['@xmlns:ns2', 'pageNum', 'pageSize', 'itemsInPage', 'totalItems', 'fieldsReturned'], {
        ...extra,
        'list-item': oneOrMany(onlyTextFields(spec.fieldsReturned)),
      }),
    },
  };
}

/** The error document (XML `<error>`, JSON `{"error": …}`), written by src/codec/errorDocument.ts. */
const errorDocument: OpenApiObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['status', 'code', 'message'],
      properties: {
        status: { type: 'string', pattern: '^[45][0-9]{2}$' },
        // Every code the service answers with: those of the one status table.
        code: { type: 'string', enum: Object.keys(STATUS_BY_CODE) },
        message: text,
        details: {
          type: 'object',
          description: 'At most 10 problems, then one saying how many more there were.',
          properties: { detail: oneOrMany(textFields(['path', 'message'])) },
        },
        requestId: { type: 'string', description: 'The id the log has the request under (also the X-Request-Id header).' },
      },
      additionalProperties: false,
    },
  },
};

export function componentSchemas(): Record<string, OpenApiObject> {
  return { ...(VALIDATED_SCHEMAS as unknown as Record<string, OpenApiObject>), Error: errorDocument };
}
