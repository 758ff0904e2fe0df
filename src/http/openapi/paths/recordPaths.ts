/**
 * Records plugins act on: `/records/{docType}` (free-form field maps, src/http/routes/recordsRouter.ts),
 * CollectionSpace's record services (`/collectionobjects`, …, recordServicesRouter.ts) and `/relations`
 * (relationsRouter.ts). Both record families share their handlers (recordRoutes.ts), and so their description.
 */
import {
  commonPartName,
  RECORD_LIST_SPEC,
  RECORD_SERVICES,
  RELATION_LIST_SPEC,
  RELATION_NAMESPACE,
  recordServiceListSpec,
  type DocTree,
  type ListSpec,
} from '../../../codec/index.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, documentBody, emptyAnswer, operation, pathParameter, queryParameter, ref, type OpenApiObject, type Paths } from '../operation.js';
import { PAGING } from '../parameters.js';
import { headers } from '../responses.js';
import { commonList, documentNode, element, partsDocument } from '../schemas.js';
import { workflowPaths } from './workflowPaths.js';

const TAG = 'Records';
const RELATIONS_TAG = 'Relations';
export const RECORD_CSID = pathParameter('csid', "The record's csid");
export const DOC_TYPE = pathParameter('docType', 'The document type, e.g. `CollectionObject`', { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$' });
const FIELD = { description: 'A field: text, or nested fields', anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'object' }, { type: 'array' }] };
const SYSTEM_PARTS = {
  'ns2:collectionspace_core': { type: 'object', description: 'Read-only (ignored when sent back): tenant, URI, who created and updated it and when, revision, workflow state.' },
  'ns2:account_permission': { type: 'object', description: "Read-only: the caller's account and permissions on the service (GET only)." },
};

interface RecordFamily {
  /** The collection's path, e.g. `/cspace-services/records/{docType}`. */
  base: string;
  /** Operation id stem, e.g. `Record` or `Collectionobjects`. */
  name: string;
  /** What a document of it looks like, sent and answered. */
  body: OpenApiObject;
  answer: OpenApiObject;
  example: DocTree;
  listSpec: Pick<ListSpec<never>, 'fieldsReturned'>;
  /** Path parameters before `{csid}`. */
  parameters: OpenApiObject[];
  /** Query parameters a list takes besides paging, sorting, `wf_deleted` and `as`. */
  filters: OpenApiObject[];
}

function familyPaths(family: RecordFamily, what: string): Paths {
  const { base, name, parameters } = family;
  const one = [...parameters, RECORD_CSID];
  return {
    [base]: {
      get: operation({
        id: `list${name}s`,
        summary: `List ${what}s`,
        tag: TAG,
        parameters: [
          ...parameters,
          ...family.filters,
          queryParameter('sortBy', '`createdAt` or `updatedAt`, optionally followed by ` ASC` or ` DESC`'),
          queryParameter('wf_deleted', '`false` leaves soft-deleted records out', { type: 'string', enum: ['true', 'false'] }),
          queryParameter('as', 'Advanced search (NXQL subset)'),
          ...PAGING,
        ],
        responses: { 200: documentAnswer(`One page of ${what}s`, commonList(family.listSpec)) },
        errors: [400],
      }),
      post: operation({
        id: `create${name}`,
        summary: `Create a ${what}`,
        tag: TAG,
        parameters,
        body: documentBody(family.body, family.example),
        responses: { 201: emptyAnswer('Created', headers('Location', 'ETag')) },
      }),
    },
    [`${base}/{csid}`]: {
      get: operation({
        id: `get${name}`,
        summary: `Read a ${what}`,
        tag: TAG,
        parameters: one,
        responses: { 200: documentAnswer(`The ${what}`, family.answer, { headers: headers('ETag') }) },
        errors: [400, 404],
      }),
      put: operation({
        id: `update${name}`,
        summary: `Update a ${what}: the fields sent are set, the others kept`,
        tag: TAG,
        parameters: [...one, ref('parameters', 'IfMatch')],
        body: documentBody(family.body, family.example),
        responses: { 200: documentAnswer(`The updated ${what}`, family.answer, { headers: headers('ETag') }) },
        errors: [404, 409, 412],
      }),
      delete: operation({
        id: `delete${name}`,
        summary: `Delete a ${what} and its relations`,
        tag: TAG,
        parameters: [...one, ref('parameters', 'IfMatch')],
        responses: { 200: emptyAnswer('Deleted') },
        errors: [400, 404, 409, 412],
      }),
    },
    ...workflowPaths(`${base}/{csid}`, what, name, one, true),
  };
}

/** A free-form record, the inside of its `document` element: as `/records/{docType}` and document items take it. */
export const RECORD = named('Record', {
  ...documentNode(undefined, SYSTEM_PARTS),
  additionalProperties: FIELD,
  description: 'The record: `@name` is its docType, every other child a field.',
});

function freeFormRecords(root: string): Paths {
  return familyPaths(
    {
      base: `${root}/records/{docType}`,
      name: 'Record',
      body: named('RecordDocument', element('document', RECORD)),
      answer: named('RecordDocument', element('document', RECORD)),
      example: { document: { '@name': 'CollectionObject', objectNumber: '2024.1.1', title: 'Bowl' } },
      listSpec: RECORD_LIST_SPEC,
      parameters: [DOC_TYPE],
      filters: [{ name: 'field', in: 'query', description: 'Any other parameter filters on a top-level field: `field=value`', schema: { type: 'object', additionalProperties: { type: 'string' } }, style: 'form', explode: true }],
    },
    'record',
  );
}

function recordServices(root: string): Paths {
  return Object.assign(
    {},
    ...RECORD_SERVICES.map((spec) => {
      const part = `ns2:${commonPartName(spec)}`;
      const common = { type: 'object', description: `The ${spec.docType} record's fields`, additionalProperties: FIELD };
      const name = spec.docType;
      return familyPaths(
        {
          base: `${root}/${spec.service}`,
          name,
          body: named(`${name}Document`, partsDocument(spec.service, { [part]: common, ...SYSTEM_PARTS }, [part])),
          answer: named(`${name}Answer`, partsDocument(spec.service, { [part]: common, ...SYSTEM_PARTS })),
          // The first field its lists show is one it commonly has.
          example: { document: { '@name': spec.service, [part]: { '@xmlns:ns2': spec.namespace, ...(spec.listFields[0] !== undefined && { [spec.listFields[0]]: '2026.1.1' }) } } },
          listSpec: recordServiceListSpec(spec),
          parameters: [],
          filters: [],
        },
        `${spec.docType} (\`${spec.service}\`)`,
      );
    }),
  ) as Paths;
}

function relations(root: string): Paths {
  const body = named('RelationDocument', partsDocument('relations', { 'ns2:relations_common': ref('schemas', 'RelationsCommon') }, ['ns2:relations_common']));
  const example = {
    document: {
      '@name': 'relations',
      'ns2:relations_common': {
        '@xmlns:ns2': RELATION_NAMESPACE,
        subjectCsid: '8c391793-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
        relationshipType: 'affects',
        objectCsid: '1e624d79-2f3a-4a4e-9d7b-0c6f9a1d2e3f',
      },
    },
  };
  return {
    [`${root}/relations`]: {
      get: operation({
        id: 'listRelations',
        summary: 'List relations',
        tag: RELATIONS_TAG,
        parameters: [
          queryParameter('sbj', 'Relations whose subject is this csid'),
          queryParameter('obj', 'Relations whose object is this csid'),
          queryParameter('prd', 'Relations of this type (predicate)'),
          ...PAGING,
        ],
        responses: { 200: documentAnswer('One page of relations', commonList(RELATION_LIST_SPEC)) },
        errors: [400],
      }),
      post: operation({
        id: 'createRelation',
        summary: 'Relate two records',
        tag: RELATIONS_TAG,
        body: documentBody(body, example),
        responses: { 201: emptyAnswer('Created', headers('Location', 'ETag')) },
        errors: [404],
      }),
    },
    [`${root}/relations/{csid}`]: {
      get: operation({
        id: 'getRelation',
        summary: 'Read a relation',
        tag: RELATIONS_TAG,
        parameters: [pathParameter('csid', "The relation's csid")],
        responses: { 200: documentAnswer('The relation', named('RelationAnswer', partsDocument('relations', { 'ns2:relations_common': { type: 'object' }, ...SYSTEM_PARTS }))) },
        errors: [404],
      }),
      delete: operation({
        id: 'deleteRelation',
        summary: 'Delete a relation',
        tag: RELATIONS_TAG,
        parameters: [pathParameter('csid', "The relation's csid")],
        responses: { 200: emptyAnswer('Deleted') },
        errors: [404],
      }),
    },
  };
}

export function recordPaths(root: string): Paths {
  return { ...freeFormRecords(root), ...recordServices(root), ...relations(root) };
}
