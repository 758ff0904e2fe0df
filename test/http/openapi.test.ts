/**
 * `GET /cspace-services/openapi.json`: a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator)
 * that describes exactly the routes the app serves (read from its Express router stack), whose examples the service
 * accepts and whose error schema its errors match.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft07 from 'ajv/dist/refs/json-schema-draft-07.json' with { type: 'json' };
import { expect } from 'chai';
import { buildOpenApiDocument } from '../../src/http/openapi/openApiDocument.js';
import { servedRoutes, type ServedRoute } from '../support/expressRoutes.js';
import { startTestService, type TestService } from '../support/testService.js';

const ROOT = '/cspace-services';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Parameter {
  name: string;
  in: string;
  schema?: { enum?: string[] };
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
}
type Description = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown>; parameters: Record<string, Parameter>; responses: Record<string, unknown> };
};

function describedOperations(description: Description): Array<ServedRoute & { operation: Operation }> {
  return Object.entries(description.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

/** `$ref`-free parameters of an operation (components resolved). */
function parametersOf(description: Description, operation: Operation): Parameter[] {
  return (operation.parameters ?? []).map((parameter) => {
    const ref = (parameter as { $ref?: string }).$ref;
    return ref === undefined ? parameter : (description.components.parameters[ref.split('/').pop() ?? ''] as Parameter);
  });
}

/**
 * Whether a described operation covers a served route: the same path, or a template whose `{param}` enumerates the
 * served route's segment (`PUT …/workflow/{transition}` covers `PUT …/workflow/delete`). A template alone covers no
 * other segment, so `POST /batch/{csid}` does not pass for `POST /batch/bulk`.
 */
function covers(description: Description, described: ServedRoute & { operation: Operation }, served: ServedRoute): boolean {
  if (described.method !== served.method) return false;
  const want = described.path.split('/');
  const got = served.path.split('/');
  if (want.length !== got.length) return false;
  const parameters = parametersOf(description, described.operation);
  return want.every((segment, index) => {
    if (segment === got[index]) return true;
    const name = /^\{(\w+)\}$/.exec(segment)?.[1];
    const values = parameters.find((parameter) => parameter.in === 'path' && parameter.name === name)?.schema?.enum;
    return values?.includes(got[index] ?? '') ?? false;
  });
}

const key = ({ method, path }: ServedRoute) => `${method} ${path}`;

/** Routes not served by Express routes but by a third party's app mounted whole, which the description covers. */
const DELEGATED = [`${ROOT}/oauth2`, `${ROOT}/agendash`];
/** Agendash's own JSON calls are its business, not this API's: the description names only its page. */
const UNDESCRIBED = `${ROOT}/agendash/`;

describe('HTTP OpenAPI description', function () {
  this.timeout(60_000);
  let service: TestService;
  let description: Description;

  before(async () => {
    service = await startTestService();
    const res = await service.request(`${ROOT}/openapi.json`, { auth: null });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    description = (await res.json()) as Description;
  });
  after(async () => {
    await service.stop();
  });

  it('is served without credentials and is a valid OpenAPI 3.1 document, its references resolved', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(description) as never);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).to.deep.equal([]);
    expect(result.valid).to.equal(true);
    expect(validator.version).to.equal('3.1');
    expect(description.openapi).to.match(/^3\.1\./);
  });

  it('describes every route the app serves, and nothing else', () => {
    const served = servedRoutes(service.app);
    const described = describedOperations(description);
    const undescribed = served.filter((route) => !route.path.startsWith(UNDESCRIBED) && !described.some((operation) => covers(description, operation, route)));
    expect(undescribed.map(key), 'served but not described').to.deep.equal([]);
    const servedKeys = new Set(served.map(key));
    const notServed = described.filter((operation) => !servedKeys.has(key(operation)) && !DELEGATED.some((prefix) => operation.path.startsWith(prefix)));
    expect(notServed.map(key), 'described but not served').to.deep.equal([]);
    // The description is not trivially small: every area of the API is there.
    for (const path of [`${ROOT}/batch/{csid}/invoke`, `${ROOT}/runs/{id}/events`, `${ROOT}/admin/tokens/{id}`, `${ROOT}/loansout/{csid}/workflow`, '/health']) {
      expect(description.paths, path).to.have.property(path);
    }
  });

  it('describes truly what oidc-provider and Agendash serve themselves: each such operation answers', async () => {
    const servedKeys = new Set(servedRoutes(service.app).map(key));
    const delegated = describedOperations(description).filter((operation) => !servedKeys.has(key(operation)));
    expect(delegated.map(key)).to.have.members([
      `GET ${ROOT}/oauth2/authorize`,
      `POST ${ROOT}/oauth2/revoke`,
      `GET ${ROOT}/oauth2/jwks`,
      `GET ${ROOT}/oauth2/.well-known/openid-configuration`,
      `GET ${ROOT}/agendash`,
    ]);
    for (const { method, path } of delegated) {
      const res = await service.request(path, { method, ...(method === 'POST' && { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'token=x' }) });
      expect(res.status, `${method} ${path}`).to.not.equal(404);
      expect(res.status, `${method} ${path}`).to.be.below(500);
    }
  });

  it("declares every path template's parameters, and gives each operation its own id", () => {
    const ids = new Set<string>();
    for (const { method, path, operation } of describedOperations(description)) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = parametersOf(description, operation).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
      expect(declared, `${method} ${path}`).to.have.members(templated);
      expect(ids.has(operation.operationId), operation.operationId).to.equal(false);
      ids.add(operation.operationId);
    }
  });

  it('has the security schemes the service has: Basic, bearer tokens and OAuth 2 with its endpoints', () => {
    const schemes = description.components.securitySchemes as Record<string, { type: string; scheme?: string; flows?: { authorizationCode: { authorizationUrl: string; tokenUrl: string } } }>;
    expect(schemes['basic']).to.include({ type: 'http', scheme: 'basic' });
    expect(schemes['bearer']).to.include({ type: 'http', scheme: 'bearer' });
    expect(schemes['oauth2']?.flows?.authorizationCode).to.include({ authorizationUrl: `${ROOT}/oauth2/authorize`, tokenUrl: `${ROOT}/oauth2/token` });
  });

  /** A new definition of `common` (its `batch_common`); answers its URL. */
  async function newJob(common: Record<string, unknown>): Promise<string> {
    const created = await service.request(`${ROOT}/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ document: { 'ns2:batch_common': common } }),
    });
    expect(created.status, await created.clone().text()).to.equal(201);
    return created.headers.get('location') ?? '';
  }
  /** The shipped no-op plugin, for `nocontext` invocations. */
  const noopJob = () => newJob({ name: 'No-op', supportsNoContext: true, className: 'noop' });
  /** The shipped per-record inventory plugin, whose open runs take items. */
  const listJob = () => newJob({ name: 'Inventory', supportsDocList: true, forDocTypes: { forDocType: ['CollectionObject'] }, className: 'update-inventory-status' });

  /** The example body of an operation's request in `type`, ready to send. */
  function exampleBody(path: string, method: string, type: string): string {
    const example = description.paths[path]?.[method]?.requestBody?.content[type]?.example;
    if (example === undefined) throw new Error(`${method.toUpperCase()} ${path} has no ${type} example`);
    return typeof example === 'string' ? example : JSON.stringify(example);
  }

  it('gives request examples the service accepts, in XML and JSON', async () => {
    const send = async (path: string, method: string, type: string, url = path) => {
      const res = await service.request(url, { method: method.toUpperCase(), headers: { 'Content-Type': type }, body: exampleBody(path, method, type) });
      return { status: res.status, text: await res.text(), location: res.headers.get('location') ?? '' };
    };
    const creations: Array<[string, string]> = [
      [`${ROOT}/batch`, `${ROOT}/batch`],
      [`${ROOT}/records/{docType}`, `${ROOT}/records/CollectionObject`],
      ...['collectionobjects', 'movements', 'groups', 'loansout'].map((service): [string, string] => [`${ROOT}/${service}`, `${ROOT}/${service}`]),
    ];
    for (const type of ['application/xml', 'text/xml', 'application/json']) {
      for (const [path, url] of creations) {
        const created = await send(path, 'post', type, url);
        expect(created.status, `POST ${url} as ${type}: ${created.text}`).to.equal(201);
      }
      // A list job opens a run (that example), which takes the document items example.
      const opened = await send(`${ROOT}/batch/{csid}/runs`, 'post', type, `${await listJob()}/runs`);
      expect(opened.status, opened.text).to.equal(201);
      const added = await send(`${ROOT}/runs/{id}/documents`, 'post', type, `${opened.location}/documents`);
      expect(added.status, added.text).to.equal(201);
      const imported = await send(`${ROOT}/batch/import`, 'post', type);
      expect(imported.status, imported.text).to.equal(200);
      const bulk = await send(`${ROOT}/batch/bulk`, 'post', type);
      expect(bulk.status, bulk.text).to.equal(200);
      expect(bulk.text).to.match(/formId="loan-out"[^>]*status="201"|"@formId":"loan-out"[^}]*"@status":"201"/);
    }
    // A job that needs no context takes the schedule example.
    const job = await noopJob();
    const scheduled = await send(`${ROOT}/batch/{csid}/schedules`, 'post', 'application/json', `${job}/schedules`);
    expect(scheduled.status, scheduled.text).to.equal(201);
    // The administration examples, in the order they build on each other (the user holds the role, the token is hers).
    const admin = `${ROOT}/admin`;
    for (const [path, method, type, url, status] of [
      [`${admin}/tenants`, 'post', 'application/json', undefined, 201],
      [`${admin}/roles`, 'post', 'application/xml', undefined, 201],
      [`${admin}/users`, 'post', 'application/json', undefined, 201],
      [`${admin}/tokens`, 'post', 'application/json', undefined, 201],
      [`${admin}/roles/{name}`, 'put', 'application/json', `${admin}/roles/runner`, 200],
      [`${admin}/users/{username}/roles`, 'put', 'application/xml', `${admin}/users/alice/roles`, 200],
      // The tenant just made has the shipped jobs too, and its creator may act in it.
      [`${ROOT}/batch-multitenant/invoke`, 'post', 'application/json', undefined, 200],
    ] as const) {
      const answer = await send(path, method, type, url);
      expect(answer.status, `${method.toUpperCase()} ${url ?? path}: ${answer.text}`).to.equal(status);
    }
  });

  /** An ajv instance holding the description, to check documents against its schemas by JSON pointer. */
  function schemaChecker() {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // The codecs' schemas keep their draft-07 dialect inside the description.
    ajv.addMetaSchema(draft07);
    ajv.addSchema(description as object, 'openapi.json');
    return (pointer: string) => {
      const check = ajv.getSchema(`openapi.json#${pointer}`);
      if (check === undefined) throw new Error(`No schema at ${pointer}`);
      return check;
    };
  }
  const escape = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

  it('gives answer examples that match their own schemas', () => {
    const schemaAt = schemaChecker();
    let checked = 0;
    const answers = [
      ...describedOperations(description).flatMap(({ method, path, operation }) =>
        Object.entries(operation.responses).map(([status, answer]) => ({ where: `/paths/${escape(path)}/${method.toLowerCase()}/responses/${status}`, answer })),
      ),
      ...Object.entries(description.components.responses).map(([name, answer]) => ({ where: `/components/responses/${name}`, answer })),
    ];
    for (const { where, answer } of answers) {
      const example = (answer as { content?: Record<string, { example?: unknown }> }).content?.['application/json']?.example;
      if (example === undefined) continue;
      const check = schemaAt(`${where}/content/application~1json/schema`);
      expect(check(example), `${where}: ${JSON.stringify(check.errors)}`).to.equal(true);
      checked += 1;
    }
    // The run examples, and an error example per error status.
    expect(checked).to.be.at.least(15);
  });

  it('describes the error document the service answers with', async () => {
    const validateError = schemaChecker()('/components/schemas/Error');
    const missing = await service.request(`${ROOT}/batch/no-such-definition`, { headers: { Accept: 'application/json' } });
    expect(missing.status).to.equal(404);
    expect(validateError(await missing.json()), JSON.stringify(validateError.errors)).to.equal(true);
    // …and not just anything: a document without its code is not one.
    expect(validateError({ error: { status: '404', message: 'x' } })).to.equal(false);
    const refused = await service.request(`${ROOT}/batch`, { auth: null, headers: { Accept: 'application/json' } });
    expect(refused.status).to.equal(401);
    expect(validateError(await refused.json())).to.equal(true);
    expect(description.paths[`${ROOT}/batch`]?.['get']?.responses['401']).to.deep.equal({ $ref: '#/components/responses/Error401' });
  });

  it('describes the run document the service answers with', async () => {
    const started = await service.request(`${await noopJob()}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'nocontext' } }),
    });
    expect(started.status, await started.clone().text()).to.equal(202);
    const schemaAt = schemaChecker();
    const check = schemaAt(`/paths/${escape(`${ROOT}/batch/{csid}/invoke`)}/post/responses/202/content/application~1json/schema`);
    expect(check(await started.json()), JSON.stringify(check.errors)).to.equal(true);
  });
  it('describes the document items, record files and record runs the service answers with', async () => {
    const opened = await service.request(`${await listJob()}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: exampleBody(`${ROOT}/batch/{csid}/runs`, 'post', 'application/json'),
    });
    expect(opened.status, await opened.clone().text()).to.equal(201);
    const files = new FormData();
    files.append('file', new Blob(['Resume of Ada Lovelace'], { type: 'text/plain' }), 'ada.txt');
    files.append('resume', new Blob(['%PDF-1.4'], { type: 'application/pdf' }), 'grace.pdf');
    const uploaded = await service.request(`${opened.headers.get('location') ?? ''}/documents`, { method: 'POST', headers: { Accept: 'application/json' }, body: files });
    expect(uploaded.status, await uploaded.clone().text()).to.equal(201);
    const schemaAt = schemaChecker();
    const answerSchema = (path: string, method: string, status: number) => schemaAt(`/paths/${escape(path)}/${method}/responses/${status}/content/application~1json/schema`);
    const checkUploaded = answerSchema(`${ROOT}/runs/{id}/documents`, 'post', 201);
    const list = (await uploaded.json()) as { 'ns2:abstract-common-list': { 'list-item': Array<{ uri: string; fileName: string }> } };
    expect(checkUploaded(list), JSON.stringify(checkUploaded.errors)).to.equal(true);
    const [first] = list['ns2:abstract-common-list']['list-item'];
    expect(first?.fileName).to.equal('ada.txt');
    const record = `${ROOT}${first?.uri ?? ''}`;

    const runs = await service.request(`${record}/runs`, { headers: { Accept: 'application/json' } });
    expect(runs.status, await runs.clone().text()).to.equal(200);
    const checkRuns = answerSchema(`${ROOT}/records/{docType}/{csid}/runs`, 'get', 200);
    expect(checkRuns(await runs.json()), JSON.stringify(checkRuns.errors)).to.equal(true);

    // The file answer carries the headers described, in the media type it was uploaded with.
    const file = await service.request(`${record}/file`);
    expect(file.status).to.equal(200);
    expect(await file.text()).to.equal('Resume of Ada Lovelace');
    expect(file.headers.get('content-type')).to.match(/^text\/plain/);
    const described = description.paths[`${ROOT}/records/{docType}/{csid}/file`]?.['get']?.responses['200'] as { headers: Record<string, unknown> };
    const headerNames = Object.keys(described.headers);
    expect(headerNames).to.have.members(['Content-Disposition', 'ETag']);
    for (const name of headerNames) expect(file.headers.get(name), name).to.be.a('string');
  });
});

describe('OpenAPI description of a service without optional features', () => {
  /** Smaller than any default, so that only what the app passes can give them. */
  const UPLOAD_LIMITS = { maxBytes: 4096, maxFileBytes: 2048, maxFiles: 3 };

  it('leaves out what is not served: schedules, result links, several tenants, OAuth and the console it signs in with, the dashboard', async () => {
    const bare = buildOpenApiDocument(ROOT, { schedules: false, resultLinks: false, multiTenant: false, uploadLimits: UPLOAD_LIMITS }) as unknown as Description;
    const paths = Object.keys(bare.paths);
    expect(paths.filter((path) => path === '/' || /schedules|links|multitenant|oauth2|console|agendash/.test(path))).to.deep.equal([]);
    expect(bare.components.securitySchemes).to.have.all.keys('basic', 'bearer');
    const result = await new Validator().validate(bare as never);
    expect(result.valid, JSON.stringify(result.errors)).to.equal(true);
  });

  it('describes the upload limits the app enforces', () => {
    const bare = buildOpenApiDocument(ROOT, { schedules: false, resultLinks: false, multiTenant: false, uploadLimits: UPLOAD_LIMITS }) as unknown as Description;
    const upload = bare.paths[`${ROOT}/runs/{id}/documents`]?.['post']?.requestBody?.content['multipart/form-data'] as { schema: { description: string; properties: { file: { maxItems: number } } } };
    expect(upload.schema.properties.file.maxItems).to.equal(3);
    expect(upload.schema.description).to.contain('At most 4096 bytes in all').and.contain('2048 per file');
  });
});
