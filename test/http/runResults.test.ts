/**
 * Run results too large to inline (past RUN_RESULTS_INLINE_LIMIT) over HTTP: the run links to them and
 * `GET /runs/{id}/results` serves them whole, in JSON and XML; small results stay inline; a synchronous invoke
 * answers them whole either way.
 */
import path from 'node:path';
import { expect } from 'chai';
import { parseXml } from '../../src/codec/xmlCodec.js';
import { bigNote } from '../fixtures/plugins/runs/big-results.js';
import { createDefinition, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { createRole, createUser } from '../security/support.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const INLINE_LIMIT = 1000;
const BIG = 5000;
const SMALL = 20;

function contextBody(noteLength: number): string {
  return JSON.stringify({
    'ns2:invocationContext': {
      '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable',
      mode: 'nocontext',
      params: { param: [{ key: 'noteLength', value: String(noteLength) }] },
    },
  });
}

describe('HTTP run results', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  let definition: string;

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    service = await startTestService({ pluginsDir: plugins.dir, runResultsInlineLimit: INLINE_LIMIT });
    definition = await createDefinition(service, { name: 'Big results', supportsNoContext: true, className: 'test.BigResults' });
  });
  afterEach(async () => {
    await service.stop();
    await cleanup();
  });

  const invoke = (noteLength: number, headers: Record<string, string> = {}) =>
    service.request(`/cspace-services/batch/${definition}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...headers },
      body: contextBody(noteLength),
    });

  async function getJson(pathname: string, root: string): Promise<any> {
    const res = await service.request(pathname, { headers: { Accept: JSON_TYPE } });
    expect(res.status, await res.clone().text()).to.equal(200);
    return ((await res.json()) as any)[root];
  }

  /** Starts a background run of the plugin and waits for it to complete; answers its location and document. */
  async function completedRun(noteLength: number): Promise<{ location: string; run: any }> {
    const started = await invoke(noteLength, { Prefer: 'respond-async' });
    expect(started.status, await started.clone().text()).to.equal(202);
    const location = started.headers.get('location') ?? '';
    const run = await waitFor(`run ${location} to complete`, async () => {
      const current = await getJson(location, 'ns2:run');
      return current.status === 'Completed' ? current : undefined;
    });
    return { location, run };
  }

  it('links results past the limit from the run, and serves them whole in JSON and XML', async () => {
    const { location, run } = await completedRun(BIG);
    expect(run.invocationResults).to.equal(undefined);
    expect(run.resultsLink).to.equal(`${location}/results`);
    expect(Number(run.resultsSize)).to.be.greaterThan(Buffer.byteLength(bigNote(BIG), 'utf8'));

    const xmlRun = await (await service.request(location, { headers: { Accept: XML_TYPE } })).text();
    expect(xmlRun).to.include(`<resultsLink>${location}/results</resultsLink>`).and.not.include('invocationResults');

    const json = await getJson(run.resultsLink, 'ns2:invocationResults');
    expect(json).to.include({ numAffected: '1', userNote: bigNote(BIG) });
    // The run's one item keeps only the start of the note: the whole of it is behind the link.
    const item = (await getJson(`${location}/items`, 'ns2:abstract-common-list'))['list-item'];
    expect(item.note).to.have.lengthOf(1000);
    expect(bigNote(BIG).startsWith(item.note.slice(0, -1))).to.equal(true);

    const xml = await service.request(run.resultsLink, { headers: { Accept: XML_TYPE } });
    expect(xml.status).to.equal(200);
    expect(xml.headers.get('content-type')).to.match(/xml/);
    const parsed = parseXml(await xml.text())['ns2:invocationResults'] as Record<string, unknown>;
    expect(parsed).to.include({ userNote: bigNote(BIG) });
  });

  it('keeps small results inline in the run, and serves them from the results route too', async () => {
    const { location, run } = await completedRun(SMALL);
    expect(run.invocationResults).to.include({ numAffected: '1', userNote: bigNote(SMALL) });
    expect(run.resultsLink).to.equal(undefined);
    expect(run.resultsSize).to.equal(undefined);
    expect(await getJson(`${location}/results`, 'ns2:invocationResults')).to.include({ userNote: bigNote(SMALL) });
  });

  it('answers a synchronous invoke of large results with all of them', async () => {
    const res = await invoke(BIG);
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(((await res.json()) as any)['ns2:invocationResults']).to.include({ numAffected: '1', userNote: bigNote(BIG) });
  });

  it('answers 404 for the results of an unknown run, and of a run with no results yet', async () => {
    const unknown = await service.request('/cspace-services/runs/00000000-0000-4000-8000-000000000000/results', { headers: { Accept: JSON_TYPE } });
    expect(unknown.status).to.equal(404);
    expect(await unknown.text()).to.include('was not found');

    // An open run never completes before it is closed.
    const records = await createDefinition(service, { name: 'Records', supportsDocList: true, className: 'test.RecordItems' });
    const open = await service.request(`/cspace-services/batch/${records}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject' } }),
    });
    expect(open.status, await open.clone().text()).to.equal(201);
    const pending = await service.request(`${open.headers.get('location')}/results`, { headers: { Accept: JSON_TYPE } });
    expect(pending.status).to.equal(404);
    expect(await pending.text()).to.match(/has no results yet: it is (Queued|InProgress)/);
    expect((await service.request(`${open.headers.get('location')}/results`, { method: 'DELETE' })).status).to.equal(405);
  });

  it('takes the permission to read runs', async () => {
    const { run } = await completedRun(BIG);
    await createRole(service, 'invoker', { definitions: 'RL', invoke: 'I' });
    await createRole(service, 'reader', { runs: 'RL' });
    const invoker = await createUser(service, 'ivan', ['invoker']);
    const reader = await createUser(service, 'rita', ['reader']);
    expect((await service.request(run.resultsLink, { auth: invoker })).status).to.equal(403);
    expect((await service.request(run.resultsLink, { auth: reader })).status).to.equal(200);
  });
});
