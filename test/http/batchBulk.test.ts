import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, getJson, invoke, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createUser } from '../security/support.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/invocation');
const BATCH_NS = 'http://collectionspace.org/services/batch';

const echoFields = (name: string) => ({ name, forDocTypes: { forDocType: ['CollectionObject'] }, supportsNoContext: true, className: 'test.Echo' });

function batchXml(fields: string): string {
  return `<document name="batch"><ns2:batch_common xmlns:ns2="${BATCH_NS}">${fields}</ns2:batch_common></document>`;
}

function batchJson(fields: Record<string, unknown>) {
  return { '@name': 'batch', 'ns2:batch_common': { '@xmlns:ns2': BATCH_NS, ...fields } };
}

/** The store the service runs on: the embedded one always, MongoDB with `MONGODB_URI`. */
function describeBulkAdmin(engine: 'sqlite' | 'mongodb'): void {
describe(`HTTP bulk administration of batch definitions (${engine})`, function () {
  let service: TestService;
  let mongodbUri: string | undefined;
  let cleanup: () => Promise<void>;
  /** The definitions the shipped plugins registered at start, which the tests leave out of what they compare. */
  let registered: string[];

  // A MongoDB-backed service builds its indexes and Agenda's at start, which the shared emulator may take long over.
  if (engine === 'mongodb') this.timeout(120_000);

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    mongodbUri = engine === 'mongodb' ? ownMongoUri('inv_bulk') : undefined;
    service = await startTestService({ pluginsDir: plugins.dir, mongodbUri });
    registered = await allNames();
  });
  afterEach(async () => {
    await service.stop();
    await cleanup();
    if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
  });

  const bulk = (body: string, type: string, client: TestService = service) =>
    client.request('/cspace-services/batch/bulk', { method: 'POST', headers: { 'Content-Type': type, Accept: type }, body });
  const bulkJson = async (entries: unknown[], client: TestService = service) => {
    const res = await bulk(JSON.stringify({ batch_bulk: { entry: entries } }), JSON_TYPE, client);
    return { status: res.status, body: (await res.json()) as any };
  };
  /** The JSON answers by form id. */
  const byFormId = (body: any): Record<string, any> =>
    Object.fromEntries([body.batch_bulk_responses.response].flat().map((response: any) => [response['@formId'], response]));
  const allNames = async (): Promise<string[]> => {
    const list = await getJson(service, '/cspace-services/batch?pgSz=0');
    return [list['ns2:abstract-common-list']?.['list-item'] ?? []].flat().map((item: any) => item.name).sort();
  };
  const names = async (): Promise<string[]> => (await allNames()).filter((name) => !registered.includes(name));

  describe('POST /batch/bulk', () => {
    it('answers each XML entry on its own, linked by its form id: an invalid one fails alone', async () => {
      const kept = await createDefinition(service, echoFields('kept'));
      const gone = await createDefinition(service, echoFields('gone'));
      const res = await bulk(
        `<batch_bulk>
          <entry formId="new" operation="create">${batchXml('<name>made</name><supportsNoContext>true</supportsNoContext><className>test.Echo</className>')}</entry>
          <entry formId="broken" operation="create">${batchXml('<name>no class</name>')}</entry>
          <entry formId="edit" operation="update" csid="${kept}" revision="1">${batchXml('<name>kept</name><notes>edited in bulk</notes><className>test.Echo</className>')}</entry>
          <entry formId="drop" operation="delete" csid="${gone}"/>
          <entry formId="ghost" operation="delete" csid="00000000-0000-4000-8000-000000000000"/>
        </batch_bulk>`,
        XML_TYPE,
      );
      expect(res.status).to.equal(200);
      const xml = await res.text();
      const made = /<response formId="new" operation="create" status="201"><csid>([0-9a-f-]{36})<\/csid><uri>\/batch\/\1<\/uri><\/response>/.exec(xml);
      expect(made, xml).to.not.equal(null);
      expect(xml).to.match(/<response formId="broken" operation="create" status="400"><error><status>400<\/status><code>VALIDATION_FAILED<\/code>.*className.*<\/error><\/response>/s);
      expect(xml).to.include(`<response formId="edit" operation="update" status="200"><csid>${kept}</csid>`);
      expect(xml).to.include(`<response formId="drop" operation="delete" status="200"><csid>${gone}</csid>`);
      expect(xml).to.match(/<response formId="ghost" operation="delete" status="404"><error><status>404<\/status><code>NOT_FOUND<\/code>/);
      expect(await names()).to.deep.equal(['kept', 'made']);
      const edited = await getJson(service, `/cspace-services/batch/${kept}`);
      expect(edited.document['ns2:batch_common']).to.include({ name: 'kept', notes: 'edited in bulk' });
    });

    it('takes JSON entries: a stale revision is 412, an entry missing what its operation needs or with an unknown operation is 400', async () => {
      const csid = await createDefinition(service, echoFields('one'));
      const { status, body } = await bulkJson([
        { '@formId': 'a', '@operation': 'create', document: batchJson(echoFields('two')) },
        { '@formId': 'b', '@operation': 'update', '@csid': csid, '@revision': '7', document: batchJson({ name: 'one', notes: 'late', className: 'test.Echo' }) },
        { '@formId': 'c', '@operation': 'update', '@csid': csid },
        { '@formId': 'd', '@operation': 'rename', '@csid': csid },
        { '@formId': 'e', '@operation': 'delete', '@csid': csid, document: batchJson(echoFields('x')) },
      ]);
      expect(status).to.equal(200);
      const answers = byFormId(body);
      expect(answers['a']).to.include({ '@operation': 'create', '@status': '201' });
      expect(answers['a'].uri).to.equal(`/batch/${answers['a'].csid}`);
      expect(answers['b']['@status']).to.equal('412');
      expect(answers['b'].error.code).to.equal('PRECONDITION_FAILED');
      expect(answers['c']['@status']).to.equal('400');
      expect(answers['c'].error.details.detail).to.deep.equal({ path: 'entry/document', message: 'is required' });
      expect(answers['d'].error.code).to.equal('VALIDATION_FAILED');
      expect(answers['d']['@operation']).to.equal('rename');
      expect(answers['e'].error.details.detail).to.deep.equal({ path: 'entry/document', message: 'is not used by a delete entry' });
      expect(await names()).to.deep.equal(['one', 'two']);
      expect((await getJson(service, `/cspace-services/batch/${csid}`)).document['ns2:batch_common']).to.not.have.property('notes');
    });

    it('fails the whole request, doing nothing, for a repeated form id, no entries, too many, or a missing form id', async () => {
      const create = (formId: string) => ({ '@formId': formId, '@operation': 'create', document: batchJson(echoFields(formId)) });
      const refusals = [
        [create('x'), create('x')],
        [],
        Array.from({ length: 101 }, (_, index) => create(`f${index}`)),
        [{ '@operation': 'create', document: batchJson(echoFields('nameless')) }],
      ];
      for (const entries of refusals) {
        const { status, body } = await bulkJson(entries);
        expect(status, JSON.stringify(body)).to.equal(400);
        expect(body.error.code).to.equal('VALIDATION_FAILED');
      }
      expect((await bulk('<batch_bulk><entry formId="a" operation="create">', XML_TYPE)).status).to.equal(400);
      expect(await names()).to.deep.equal([]);
    });

    it('needs the right of every operation it carries, or refuses it all with 403', async () => {
      await createRole(service, 'definer', { definitions: 'CRL' });
      const definer = actingAs(service, await createUser(service, 'dora', ['definer']));
      const existing = await createDefinition(service, echoFields('existing'));
      const create = { '@formId': 'c', '@operation': 'create', document: batchJson(echoFields('by dora')) };
      const refused = await bulkJson([create, { '@formId': 'd', '@operation': 'delete', '@csid': existing }], definer);
      expect(refused.status).to.equal(403);
      expect(refused.body.error.code).to.equal('FORBIDDEN');
      expect(await names()).to.deep.equal(['existing']);
      const allowed = await bulkJson([create], definer);
      expect(allowed.status).to.equal(200);
      expect(await names()).to.deep.equal(['by dora', 'existing']);
    });
  });

  describe('aliases', () => {
    it('reads and invokes a definition through its alias, in XML and JSON', async () => {
      const csid = await createDefinition(service, echoFields('aliased'));
      const { body } = await bulkJson([{ '@formId': 'a', '@operation': 'alias', '@csid': csid, '@alias': 'echo-job' }]);
      expect(byFormId(body)['a']).to.deep.equal({ '@formId': 'a', '@operation': 'alias', '@status': '200', csid, uri: `/batch/${csid}`, alias: 'echo-job' });
      const xml = await (await service.request('/cspace-services/batch/echo-job')).text();
      expect(xml).to.include('<name>aliased</name>').and.include(`<uri>/batch/${csid}</uri>`);
      expect((await getJson(service, '/cspace-services/batch/echo-job')).document['ns2:batch_common'].name).to.equal('aliased');
      const invoked = await invoke(service, 'echo-job', { mode: 'nocontext' });
      expect(invoked.status, JSON.stringify(invoked.body)).to.equal(200);
      expect(JSON.parse(invoked.body['ns2:invocationResults'].userNote)).to.include({ mode: 'nocontext' });
    });

    it('starts a background run and a schedule through an alias, both naming the csid', async () => {
      const csid = await createDefinition(service, echoFields('aliased'));
      await bulkJson([{ '@formId': 'a', '@operation': 'alias', '@csid': csid, '@alias': 'echo-job' }]);
      const context = { 'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' } };
      const post = (pathname: string, body: unknown, headers: Record<string, string> = {}) =>
        service.request(pathname, { method: 'POST', headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...headers }, body: JSON.stringify(body) });
      const started = await post('/cspace-services/batch/echo-job/invoke', context, { Prefer: 'respond-async' });
      expect(started.status, await started.clone().text()).to.equal(202);
      const run = await getJson(service, started.headers.get('location') ?? '');
      expect(run['ns2:run'].definitionCsid).to.equal(csid);
      const schedule = await post('/cspace-services/batch/echo-job/schedules', { schedule: { every: '1 day', ...context } });
      expect(schedule.status, await schedule.clone().text()).to.equal(201);
      expect(((await schedule.json()) as any)['ns2:schedule'].definitionCsid).to.equal(csid);
      for (const id of ['echo-job', csid]) {
        const list = (await getJson(service, `/cspace-services/batch/${id}/schedules`))['ns2:abstract-common-list'];
        expect(list.totalItems, `schedules of ${id}`).to.equal('1');
      }
      expect((await service.request('/cspace-services/batch/no-such-job/schedules')).status).to.equal(404);
    });

    it('moves an alias that named another definition, and saying from where', async () => {
      const first = await createDefinition(service, echoFields('first'));
      const second = await createDefinition(service, echoFields('second'));
      await bulkJson([{ '@formId': 'a', '@operation': 'alias', '@csid': first, '@alias': 'current' }]);
      const res = await bulk(`<batch_bulk><entry formId="m" operation="alias" csid="${second}" alias="current"/></batch_bulk>`, XML_TYPE);
      expect(await res.text()).to.include(
        `<response formId="m" operation="alias" status="200"><csid>${second}</csid><uri>/batch/${second}</uri><alias>current</alias><movedFrom>${first}</movedFrom></response>`,
      );
      expect((await getJson(service, '/cspace-services/batch/current')).document['ns2:batch_common'].name).to.equal('second');
    });

    it('refuses an alias shaped like a csid, a reserved path or not a plain segment, and one for an unknown definition', async () => {
      const csid = await createDefinition(service, echoFields('target'));
      const alias = (formId: string, value: string, target = csid) => ({ '@formId': formId, '@operation': 'alias', '@csid': target, '@alias': value });
      const { body } = await bulkJson([
        alias('uuid', '11111111-2222-4333-8444-555555555555'),
        alias('reserved', 'Bulk'),
        alias('spaces', 'two words'),
        alias('unknown', 'fine', 'no-such-definition'),
      ]);
      const answers = byFormId(body);
      expect(answers['uuid'].error.message).to.include('shape of a csid');
      expect(answers['reserved'].error.message).to.include('reserved');
      expect(answers['spaces']['@status']).to.equal('400');
      expect(answers['unknown']['@status']).to.equal('404');
      expect((await service.request('/cspace-services/batch/fine')).status).to.equal(404);
      expect((await service.request('/cspace-services/batch/bulk')).status).to.equal(405);
    });

    it('gives a definition at most 20 aliases: the 21st is a 409 of its entry alone', async () => {
      const csid = await createDefinition(service, echoFields('popular'));
      const entries = Array.from({ length: 21 }, (_, index) => ({ '@formId': `f${index}`, '@operation': 'alias', '@csid': csid, '@alias': `name-${index}` }));
      const answers = byFormId((await bulkJson(entries)).body);
      expect(Object.values(answers).filter((answer) => answer['@status'] === '200')).to.have.length(20);
      expect(answers['f20']['@status']).to.equal('409');
      expect(answers['f20'].error.message).to.include('(20)');
      expect((await service.request('/cspace-services/batch/name-20')).status).to.equal(404);
    });
  });

    it('acts once for a repeated Idempotency-Key (JSON): the repeat gets the first answer, another body 422', async () => {
      const send = (entries: unknown[], key: string) =>
        service.request('/cspace-services/batch/bulk', {
          method: 'POST',
          headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, 'Idempotency-Key': `"${key}"` },
          body: JSON.stringify({ batch_bulk: { entry: entries } }),
        });
      const entries = [{ '@formId': 'once', '@operation': 'create', document: batchJson({ name: 'made once', supportsNoContext: 'true', className: 'test.Echo' }) }];
      const first = await send(entries, 'bulk-1');
      expect(first.status).to.equal(200);
      const firstBody = await first.text();
      const repeat = await send(entries, 'bulk-1');
      expect(repeat.status).to.equal(200);
      expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
      expect(await repeat.text()).to.equal(firstBody);
      expect(await names()).to.deep.equal(['made once']);

      const other = await send([{ ...entries[0], '@formId': 'twice' }], 'bulk-1');
      expect(other.status).to.equal(422);
      expect(((await other.json()) as any).error).to.include({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect(await names()).to.deep.equal(['made once']);
    });

    it('acts once for a repeated clientRequestId (XML), and refuses a caller without the right even with a key', async () => {
      const body = (key: string) =>
        `<batch_bulk><clientRequestId>${key}</clientRequestId>` +
        `<entry formId="x" operation="create">${batchXml('<name>xml once</name><supportsNoContext>true</supportsNoContext><className>test.Echo</className>')}</entry></batch_bulk>`;
      const first = await bulk(body('bulk-xml'), XML_TYPE);
      const firstXml = await first.text();
      expect(firstXml).to.include('status="201"');
      const repeat = await bulk(body('bulk-xml'), XML_TYPE);
      expect(repeat.headers.get('idempotent-replayed')).to.equal('true');
      expect(await repeat.text()).to.equal(firstXml);
      expect(await names()).to.deep.equal(['xml once']);

      // A reader may not create: the key does not make the request any more allowed.
      await createRole(service, 'reader', { definitions: 'RL' });
      const reader = actingAs(service, await createUser(service, 'rita', ['reader']));
      const refused = await bulk(body('bulk-reader'), XML_TYPE, reader);
      expect(refused.status).to.equal(403);
      expect(refused.headers.get('idempotent-replayed')).to.equal(null);
      expect(await names()).to.deep.equal(['xml once']);
    });

  describe('DELETE /batch?confirm=all', () => {
    it('deletes every definition of the tenant with one response each, and nothing without confirm=all', async () => {
      const a = await createDefinition(service, echoFields('a'));
      const b = await createDefinition(service, echoFields('b'));
      const unconfirmed = await service.request('/cspace-services/batch', { method: 'DELETE' });
      expect(unconfirmed.status).to.equal(400);
      expect(await names()).to.deep.equal(['a', 'b']);
      const res = await service.request('/cspace-services/batch?confirm=all', { method: 'DELETE', headers: { Accept: JSON_TYPE } });
      expect(res.status).to.equal(200);
      const responses = ((await res.json()) as any).batch_bulk_responses.response;
      expect(responses).to.have.length(registered.length + 2);
      expect(responses).to.deep.include({ '@operation': 'delete', '@status': '200', csid: a, uri: `/batch/${a}` });
      expect(responses).to.deep.include({ '@operation': 'delete', '@status': '200', csid: b, uri: `/batch/${b}` });
      expect(responses.every((response: any) => response['@status'] === '200')).to.equal(true);
      expect(await allNames()).to.deep.equal([]);
      const xml = await (await service.request('/cspace-services/batch?confirm=all', { method: 'DELETE' })).text();
      expect(xml).to.include('<batch_bulk_responses/>');
    });
  });

  describe('forms', () => {
    it('for create: the JSON Schema of each part and every plugin with its modes and params schema, in JSON and XML', async () => {
      const forms = (await getJson(service, '/cspace-services/batch/forms/create')).batch_forms;
      expect(forms['@operation']).to.equal('create');
      const common = forms.schemas.schema.find((schema: any) => schema['@part'] === 'batch_common');
      expect(common['@mediaType']).to.equal('application/schema+json');
      expect(JSON.parse(common['.']).required).to.include('className');
      const echo = [forms.plugins.plugin].flat().find((plugin: any) => plugin.className === 'test.Echo');
      expect(echo.modes.mode).to.deep.equal(['single', 'list', 'group', 'nocontext']);
      expect(echo.paramsSchema['@mediaType']).to.equal('application/schema+json');
      expect(JSON.parse(echo.paramsSchema['.']).properties.count).to.deep.equal({ type: 'integer', minimum: 1 });
      const inventory = [forms.plugins.plugin].flat().find((plugin: any) => plugin.className === 'update-inventory-status');
      expect(inventory.description).to.equal('Sets the inventory status of the listed CollectionObject records to the given values.');
      const xml = await (await service.request('/cspace-services/batch/forms/create')).text();
      expect(xml).to.match(/<batch_forms operation="create"><schemas><schema part="batch_common" mediaType="application\/schema\+json">\{/);
      expect(xml).to.include('<plugin><className>test.Echo</className><modes><mode>single</mode>');
      expect(xml).to.include('<paramsSchema mediaType="application/schema+json">{"type":"object"');
    });

    it('for update: one form per csid or alias with its revision and stored document; an unknown one is 404', async () => {
      const one = await createDefinition(service, echoFields('one'));
      const two = await createDefinition(service, echoFields('two'));
      await bulkJson([{ '@formId': 'a', '@operation': 'alias', '@csid': two, '@alias': 'second' }]);
      const forms = (await getJson(service, `/cspace-services/batch/forms/update?csid=${one}&csid=second`)).batch_forms;
      expect(forms.form.map((form: any) => [form['@csid'], form['@revision'], form.document['ns2:batch_common'].name, form.plugin.className])).to.deep.equal([
        [one, '1', 'one', 'test.Echo'],
        [two, '1', 'two', 'test.Echo'],
      ]);
      const xml = await (await service.request(`/cspace-services/batch/forms/update?csid=${one}`)).text();
      expect(xml).to.include(`<form csid="${one}" revision="1"><plugin><className>test.Echo</className>`);
      expect((await service.request(`/cspace-services/batch/forms/update?csid=${one}&csid=nothing`)).status).to.equal(404);
      expect((await service.request('/cspace-services/batch/forms/update')).status).to.equal(400);
    });
  });
});
}

describeBulkAdmin('sqlite');
if (process.env.MONGODB_URI === undefined || process.env.MONGODB_URI === '') {
  console.log('Bulk administration on MongoDB skipped: MONGODB_URI is not set (no MongoDB server here)');
} else {
  describeBulkAdmin('mongodb');
}
