/**
 * Items that bring their own data (README "Items that bring their own data"): `POST /runs/{id}/documents`
 * (src/http/routes/runsRouter.ts; records' fields in XML or JSON, or files), and what a record shows of them,
 * `…/records/{docType}/{csid}/file` and `…/runs` (recordsRouter.ts).
 */
import { DOCUMENT_ITEM_LIST_SPEC, RECORD_RUN_LIST_SPEC } from '../../../codec/index.js';
import { DOCUMENT_ITEMS_LIMIT } from '../../../domain/recordItems.js';
import type { UploadLimits } from '../../multipartUploads.js';
import { DOCUMENT_ITEMS_EXAMPLE, RECORD_RUN_LIST_EXAMPLE } from '../examples.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, documentBody, operation, pathParameter, ref, type OpenApiObject, type Paths } from '../operation.js';
import { PAGING } from '../parameters.js';
import { headers } from '../responses.js';
import { commonList, element } from '../schemas.js';
import { DOC_TYPE, RECORD, RECORD_CSID } from './recordPaths.js';

const ITEMS_BODY = named(
  'DocumentItems',
  element('items', {
    type: 'object',
    description: `1 to ${DOCUMENT_ITEMS_LIMIT} documents, each a record's fields as \`/records/{docType}\` takes them; \`@name\`, if given, must be the run's doc type.`,
    required: ['document'],
    properties: {
      document: { anyOf: [RECORD, { type: 'array', items: RECORD, minItems: 1, maxItems: DOCUMENT_ITEMS_LIMIT }] },
      clientRequestId: { type: 'string', description: 'Names the request, as `Idempotency-Key` does' },
    },
    additionalProperties: false,
  }),
);

const ITEMS_EXAMPLE = {
  items: { document: [{ '@name': 'CollectionObject', objectNumber: '2024.2.1', title: 'Resume one' }, { objectNumber: '2024.2.2' }] },
};

/** A file part: OpenAPI 3.1 describes binary content by its media type, which the part's own `Content-Type` gives. */
const FILE_PART = named('UploadedFile', {
  contentMediaType: 'application/octet-stream',
  description: "A file, with a `filename`; its part's `Content-Type` (default `application/octet-stream`) is kept as its media type.",
});

/** The `multipart/form-data` body: files only, within the limits this process was started with. */
function uploadContent({ maxBytes, maxFileBytes, maxFiles }: UploadLimits): OpenApiObject {
  const files = { type: 'array', items: FILE_PART, minItems: 1, maxItems: maxFiles };
  return {
    schema: {
      type: 'object',
      description:
        `1 to ${maxFiles} file parts, under any part names (\`file\` is usual; a name may repeat); a form field is refused (400). ` +
        `At most ${maxBytes} bytes in all (\`BODY_LIMIT\`) and ${maxFileBytes} per file, else 413. Each file becomes a record of the run's doc type whose \`file\` field describes it.`,
      minProperties: 1,
      properties: { file: files },
      additionalProperties: { anyOf: [FILE_PART, files] },
    },
    // Whatever the client declares for a file is taken, and kept.
    encoding: { file: { contentType: '*/*' } },
  };
}

/** The body: documents in every type the service reads, or files. */
function itemsBody(limits: UploadLimits): OpenApiObject {
  const body = documentBody(ITEMS_BODY, ITEMS_EXAMPLE);
  return { ...body, content: { ...(body.content as OpenApiObject), 'multipart/form-data': uploadContent(limits) } };
}

const FILE_ANSWER: OpenApiObject = {
  description: 'The file as uploaded, in the media type it was uploaded with',
  headers: {
    'Content-Disposition': { description: '`attachment; filename=…`: the name it was uploaded with.', schema: { type: 'string' } },
    ETag: { description: "The file's SHA-256 in hex, quoted (its record's `file` field has it as `sha256`).", schema: { type: 'string' } },
  },
  // Binary content of any type: OpenAPI 3.1 needs no schema for it.
  content: { '*/*': {} },
};

/** @param limits what a `multipart/form-data` upload may carry, as the app enforces it */
export function documentItemPaths(root: string, limits: UploadLimits): Paths {
  const record = `${root}/records/{docType}/{csid}`;
  return {
    [`${root}/runs/{id}/documents`]: {
      post: operation({
        id: 'addRunDocuments',
        summary: 'Add items that bring their own data to an open run: each document or file becomes a record of its doc type, and an item eligible at once',
        description:
          'All or nothing: a refusal (a bad document: 400; the run closed or finished: 409) keeps no record, file or item. A repeated `Idempotency-Key` (or `clientRequestId`) gets the first answer; an upload is the same request when its files have the same names, types and SHA-256, in order.',
        tag: 'Runs',
        parameters: [pathParameter('id', "The run's id"), ref('parameters', 'IdempotencyKey')],
        body: itemsBody(limits),
        responses: {
          201: documentAnswer('The records made, in the order sent', named('DocumentItemList', commonList(DOCUMENT_ITEM_LIST_SPEC)), {
            example: DOCUMENT_ITEMS_EXAMPLE,
            headers: headers('IdempotentReplayed'),
          }),
        },
        errors: [404, 409, 422],
      }),
    },
    [`${record}/file`]: {
      get: operation({
        id: 'getRecordFile',
        summary: "The file a record was made from (a document item's upload)",
        tag: 'Records',
        parameters: [DOC_TYPE, RECORD_CSID],
        responses: { 200: FILE_ANSWER },
        errors: [400, 404],
      }),
    },
    [`${record}/runs`]: {
      get: operation({
        id: 'listRecordRuns',
        summary: "The tenant's runs that have an item for the record, newest first, with that item's status",
        tag: 'Records',
        parameters: [DOC_TYPE, RECORD_CSID, ...PAGING],
        responses: { 200: documentAnswer('One page of runs', named('RecordRunList', commonList(RECORD_RUN_LIST_SPEC)), { example: RECORD_RUN_LIST_EXAMPLE }) },
        errors: [400, 404],
      }),
    },
  };
}
