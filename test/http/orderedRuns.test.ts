/**
 * Ordered runs (seed 003: Genero's execution order Block → Chain → Wholesaler → Customer) against the real service:
 * a run names the runs it follows (`after`, XML or JSON context) or follows its tenant's order (`RUN_ORDER`), shows
 * `Waiting` with the runs it waits for, and starts (or fails, by its rule) once they end. The runs it follows are
 * open runs, which stay active until the test closes or cancels them: nothing here waits on the clock.
 */
import path from 'node:path';
import { expect } from 'chai';
import { parseRunOrder } from '../../src/domain/runOrder.js';
import { createDefinition, createRecord, getJson, JSON_TYPE, runReaching, XML_TYPE } from '../support/api.js';
import type { TenantId } from '../../src/domain/types.js';
import { capturedLogs, pluginsDirWith, REPO_ROOT, startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createUser, TENANT_B } from '../security/support.js';
import { waitFor } from '../support/waitFor.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const NS = 'http://collectionspace.org/services/common/invocable';
const RUNS = '/cspace-services/runs';
/** A one-element list comes back as a value in JSON: both read as an array. */
const list = (value: unknown): string[] => (value === undefined ? [] : [value].flat() as string[]);

describe('HTTP ordered runs (after, RUN_ORDER, Waiting)', () => {
  let service: TestService;
  let plugins: { dir: string; cleanup: () => Promise<void> };
  /** A per-record job for any doc type. */
  let job: string;

  before(async () => {
    plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    service = await startTestService({ pluginsDir: plugins.dir, runOrder: parseRunOrder('default:Block,Chain,Wholesaler,Customer') });
    job = await createDefinition(service, { name: 'Items of any type', className: 'test.RecordItems', supportsDocList: true });
    await createTenant(service);
  });
  after(async () => {
    await service.stop();
    await plugins.cleanup();
  });

  const post = (pathname: string, body: string, type = JSON_TYPE, headers: Record<string, string> = {}) =>
    service.request(pathname, { method: 'POST', headers: { 'Content-Type': type, Accept: type, ...headers }, body });
  const context = (fields: Record<string, unknown>) => JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': NS, mode: 'list', ...fields } });
  /** An open run of `docType`: active until closed or cancelled. */
  async function lead(docType: string): Promise<string> {
    const res = await post(`/cspace-services/batch/${job}/runs`, context({ docType }));
    expect(res.status, await res.clone().text()).to.equal(201);
    return ((await res.json()) as any)['ns2:run'].id;
  }
  /** Starts a background run of one new record of `docType` (JSON), with the context's further `fields`. */
  async function follower(docType: string, fields: Record<string, unknown> = {}): Promise<any> {
    const csid = await createRecord(service, docType, { title: docType });
    const res = await post(`/cspace-services/batch/${job}/invoke`, context({ docType, listCSIDs: { csid: [csid] }, ...fields }), JSON_TYPE, {
      Prefer: 'respond-async',
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    return ((await res.json()) as any)['ns2:run'];
  }
  const run = async (id: string) => (await getJson(service, `${RUNS}/${id}`))['ns2:run'];
  const reaching = (id: string, status: string) => runReaching(service, `${RUNS}/${id}`, [status], `run ${id} to be ${status}`);
  const end = async (id: string, how: 'close' | 'cancel') => expect((await post(`${RUNS}/${id}/${how}`, '')).status).to.equal(200);

  it('JSON: a run naming a run to follow waits for it (Waiting, listed and filtered so), then runs once it ended', async () => {
    const first = await lead('Place');
    const waiting = await follower('Place', { after: { runId: [first] } });
    expect(waiting).to.include({ status: 'Waiting', afterFailure: 'fail', statusText: 'Waiting for the runs it follows to end (1 item(s))' });
    expect(list(waiting.after.runId)).to.deep.equal([first]);
    expect(list(waiting.waitingFor.runId)).to.deep.equal([first]);

    const shown = await run(waiting.id);
    expect(shown.status).to.equal('Waiting');
    expect(list(shown.waitingFor.runId)).to.deep.equal([first]);
    const listed = list((await getJson(service, `${RUNS}?status=Waiting`))['ns2:abstract-common-list']['list-item']) as any[];
    expect(listed.map((item) => item.id)).to.include(waiting.id);
    expect(listed.find((item) => item.id === waiting.id).status).to.equal('Waiting');

    await end(first, 'close');
    const done = await reaching(waiting.id, 'Completed');
    const followed = await reaching(first, 'Completed');
    expect(Date.parse(done.startedAt)).to.be.at.least(Date.parse(followed.completedAt));
    expect(done.noOfItemsProcessed).to.equal('1');
    expect(done.waitingFor, 'no longer waiting').to.equal(undefined);
    expect(list(done.after.runId)).to.deep.equal([first]);
  });

  it("XML: a followed run that is cancelled fails a follower under 'fail' (the default), naming it; 'start' runs anyway", async () => {
    const first = await lead('Place');
    const xmlFollower = async (rule: string) => {
      const csid = await createRecord(service, 'Place', { title: rule });
      const body = `<ns2:invocationContext xmlns:ns2="${NS}"><mode>list</mode><docType>Place</docType>
        <listCSIDs><csid>${csid}</csid></listCSIDs><after><runId>${first}</runId></after>${rule}</ns2:invocationContext>`;
      const res = await post(`/cspace-services/batch/${job}/invoke`, body, XML_TYPE, { Prefer: 'respond-async' });
      expect(res.status).to.equal(202);
      expect(res.headers.get('content-type')).to.match(/^application\/xml/);
      const xml = await res.text();
      expect(xml).to.include('<status>Waiting</status>');
      expect(xml).to.include(`<waitingFor><runId>${first}</runId></waitingFor>`);
      return res.headers.get('location')?.split('/').pop() as string;
    };
    const strict = await xmlFollower('');
    const lenient = await xmlFollower('<afterFailure>start</afterFailure>');
    expect((await run(lenient)).afterFailure).to.equal('start');

    await end(first, 'cancel');
    await reaching(lenient, 'Completed');
    const failed = await reaching(strict, 'Failed');
    expect(failed.statusText).to.equal(`Failed: run '${first}', which this run follows, ended Cancelled; its items were not run`);
    expect(failed.noOfItemsProcessed).to.equal('0');
    const xml = await (await service.request(`${RUNS}/${strict}`, { headers: { Accept: XML_TYPE } })).text();
    expect(xml).to.include(`<after><runId>${first}</runId></after><afterFailure>fail</afterFailure>`);
  });

  it("follows the tenant's order: a Customer run waits for the Block and Chain runs active when it is posted, not later ones", async () => {
    const block = await lead('Block');
    const chain = await lead('chain');
    const customer = await follower('Customer');
    expect(customer.status).to.equal('Waiting');
    expect(list(customer.after.runId)).to.deep.equal([block, chain]);
    const unordered = await follower('Place');
    expect(unordered.status, 'a doc type outside the order').to.not.equal('Waiting');
    const laterBlock = await lead('Block');

    await end(block, 'close');
    await reaching(block, 'Completed');
    expect(list((await run(customer.id)).waitingFor.runId)).to.deep.equal([chain]);
    await end(chain, 'close');
    await reaching(customer.id, 'Completed');
    await end(laterBlock, 'close');
    await reaching(unordered.id, 'Completed');
  });

  it('JSON: a synchronous invoke that follows a run answers its results once that run ended and it ran', async () => {
    const first = await lead('Place');
    const csid = await createRecord(service, 'Place', { title: 'sync' });
    const answer = post(`/cspace-services/batch/${job}/invoke`, context({ docType: 'Place', listCSIDs: { csid: [csid] }, after: { runId: [first] } }));
    const waiting = await waitFor('the synchronous run to wait', async () => {
      const listed = list((await getJson(service, `${RUNS}?status=Waiting`))['ns2:abstract-common-list']['list-item']) as any[];
      return listed.length === 1 ? listed[0] : undefined;
    });
    await end(first, 'close');
    const res = await answer;
    expect(res.status).to.equal(200);
    expect(((await res.json()) as any)['ns2:invocationResults'].numAffected).to.equal('1');
    expect((await run(waiting.id)).status).to.equal('Completed');
  });

  /** Posts `noop` in several tenants, with `context` fields beside `mode: nocontext`. */
  const postInTenants = (tenants: string[], fields: Record<string, unknown> = {}) =>
    post(
      '/cspace-services/batch-multitenant/invoke',
      JSON.stringify({ multitenantInvocation: { className: 'noop', tenants: { tenant: tenants }, 'ns2:invocationContext': { '@xmlns:ns2': NS, mode: 'nocontext', ...fields } } }),
    );

  it("refuses an unknown or another tenant's run to follow (404), a bad rule or a repeated id (400), and after in several tenants", async () => {
    const foreign = (await (await postInTenants([TENANT_B])).json()) as any;
    const foreignRun = foreign.multitenantInvocationResults.postedSuccess.posted.runId as string;
    const first = await lead('Place');
    const refused = async (fields: Record<string, unknown>, status: number, code: string) => {
      const csid = await createRecord(service, 'Place', { title: 'refused' });
      const res = await post(`/cspace-services/batch/${job}/invoke`, context({ docType: 'Place', listCSIDs: { csid: [csid] }, ...fields }), JSON_TYPE, {
        Prefer: 'respond-async',
      });
      const body = (await res.json()) as any;
      expect(res.status, JSON.stringify(body)).to.equal(status);
      expect(body.error.code).to.equal(code);
      return body.error.message as string;
    };
    expect(await refused({ after: { runId: ['nope', foreignRun] } }, 404, 'NOT_FOUND')).to.equal(
      `A run to follow was not found in this tenant: 'nope', '${foreignRun}'`,
    );
    expect(await refused({ after: { runId: [first] }, afterFailure: 'maybe' }, 400, 'VALIDATION_FAILED')).to.equal("Unknown afterFailure 'maybe'");
    expect(await refused({ after: { runId: [first, first] } }, 400, 'VALIDATION_FAILED')).to.equal(`Run '${first}' is named twice in after`);
    const several = await postInTenants(['default', TENANT_B], { after: { runId: [first] } });
    expect(several.status).to.equal(400);
    expect(((await several.json()) as any).error.message).to.include('cannot follow runs by id');
    const scheduled = await post(
      `/cspace-services/batch/${job}/schedules`,
      JSON.stringify({ schedule: { at: '2030-01-31T22:00:00Z', 'ns2:invocationContext': { '@xmlns:ns2': NS, mode: 'list', docType: 'Place', listCSIDs: { csid: ['x'] }, after: { runId: [first] } } } }),
    );
    expect(scheduled.status, 'a schedule fires later: the runs it names will have ended').to.equal(400);
    const waiting = list((await getJson(service, `${RUNS}?status=Waiting`))['ns2:abstract-common-list']['list-item']) as any[];
    expect(waiting, 'nothing refused was stored').to.deep.equal([]);
    await end(first, 'close');
  });

  it("keeps multi-tenant posts working: 207, and each run follows its own tenant's order", async () => {
    const block = await lead('Block');
    const res = await postInTenants(['default', TENANT_B, 'nowhere'], { docType: 'Customer' });
    expect(res.status).to.equal(207);
    const posted = list(((await res.json()) as any).multitenantInvocationResults.postedSuccess.posted) as unknown as Array<{ tenant: string; runId: string }>;
    expect(posted.map((p) => p.tenant)).to.deep.equal(['default', TENANT_B]);
    const [here, there] = posted.map((p) => p.runId) as [string, string];
    const shown = await run(here);
    expect(shown.status, "default's order: after its Block run").to.equal('Waiting');
    expect(list(shown.after.runId)).to.deep.equal([block]);
    const other = await runReaching(actingAs(service, TEST_ADMIN, TENANT_B), `${RUNS}/${there}`, ['Completed'], "the other tenant's run");
    expect(other.after, `${TENANT_B} has no order`).to.equal(undefined);
    await end(block, 'close');
    await reaching(here, 'Completed');
  });

  it("shows a user who may not list runs the ids of their own runs it follows only, the others counted, wherever the run shows", async () => {
    await createRole(service, 'ordered-invoker', { definitions: 'RL', records: 'CRUDL', invoke: 'I', runs: 'RU' });
    const ivy = actingAs(service, await createUser(service, 'ivy', ['ordered-invoker']));
    const asIvy = (pathname: string, body: string, type = JSON_TYPE, headers: Record<string, string> = {}) =>
      ivy.request(pathname, { method: 'POST', headers: { 'Content-Type': type, Accept: type, ...headers }, body });
    const adminsBlock = await lead('Block');
    const opened = await asIvy(`/cspace-services/batch/${job}/runs`, context({ docType: 'Block' }));
    expect(opened.status, await opened.clone().text()).to.equal(201);
    const ivysBlock = ((await opened.json()) as any)['ns2:run'].id as string;

    const csid = await createRecord(service, 'Chain', { title: 'ivy' });
    const body = `<ns2:invocationContext xmlns:ns2="${NS}"><mode>list</mode><docType>Chain</docType><listCSIDs><csid>${csid}</csid></listCSIDs></ns2:invocationContext>`;
    const posted = await asIvy(`/cspace-services/batch/${job}/invoke`, body, XML_TYPE, { Prefer: 'respond-async' });
    expect(posted.status).to.equal(202);
    const xml = await posted.text();
    expect(xml, 'the invoke answer').to.include(`<after><runId>${ivysBlock}</runId><otherRuns>1</otherRuns></after>`);
    expect(xml).to.include(`<waitingFor><runId>${ivysBlock}</runId><otherRuns>1</otherRuns></waitingFor>`);
    expect(xml).to.not.include(adminsBlock);
    const chain = posted.headers.get('location')?.split('/').pop() as string;

    const readBy = async (client: TestService) => (await getJson(client, `${RUNS}/${chain}`))['ns2:run'];
    const seenByIvy = await readBy(ivy);
    expect(seenByIvy.after).to.deep.equal({ runId: ivysBlock, otherRuns: '1' });
    expect(seenByIvy.waitingFor).to.deep.equal({ runId: ivysBlock, otherRuns: '1' });
    const seenByAdmin = await readBy(service);
    expect(list(seenByAdmin.after.runId), 'who may list runs sees every id').to.deep.equal([adminsBlock, ivysBlock]);
    expect(seenByAdmin.after.otherRuns).to.equal(undefined);
    expect((await ivy.request(RUNS)).status, 'ivy may not list runs').to.equal(403);

    const syncCsid = await createRecord(service, 'Chain', { title: 'ivy, waiting' });
    const syncAnswer = asIvy(`/cspace-services/batch/${job}/invoke`, context({ docType: 'Chain', listCSIDs: { csid: [syncCsid] } }));
    await waitFor('the synchronous run to wait', async () => {
      const listed = list((await getJson(service, `${RUNS}?status=Waiting`))['ns2:abstract-common-list']['list-item']) as any[];
      return listed.length === 2 ? listed : undefined;
    });

    await end(adminsBlock, 'cancel');
    const closed = await asIvy(`${RUNS}/${ivysBlock}/close`, '');
    expect(closed.status).to.equal(200);
    const syncError = ((await (await syncAnswer).json()) as any).error;
    expect(syncError.code, 'a synchronous invoke whose run failed').to.equal('RUN_FAILED');
    expect(syncError.message).to.equal('Failed: another run, which this run follows, ended Cancelled; its items were not run');
    const failed = await reaching(chain, 'Failed');
    expect(failed.statusText).to.equal(`Failed: run '${adminsBlock}', which this run follows, ended Cancelled; its items were not run`);
    const failedForIvy = await readBy(ivy);
    expect(failedForIvy.statusText).to.equal('Failed: another run, which this run follows, ended Cancelled; its items were not run');
    expect(failedForIvy.waitingFor).to.equal(undefined);
    const events = await (await ivy.request(`${RUNS}/${chain}/events`)).text();
    expect(events, 'the event stream').to.include('"statusText":"Failed: another run, which this run follows');
    expect(events).to.not.include(adminsBlock);
    await reaching(ivysBlock, 'Completed');
  });
});

describe('HTTP ordered runs: a lost wake', () => {
  it('is found by the sweep: a run whose followed run ended without waking it is decided; one still waiting is left alone', async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    const logs = capturedLogs('warn');
    const service = await startTestService({ pluginsDir: plugins.dir, runSweepMs: 1_000 }, logs.logger);
    try {
      const job = await createDefinition(service, { name: 'Items of any type', className: 'test.RecordItems', supportsDocList: true });
      const post = (pathname: string, fields: Record<string, unknown>) =>
        service.request(pathname, {
          method: 'POST',
          headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
          body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': NS, mode: 'list', docType: 'Place', ...fields } }),
        });
      const open = async () => ((await (await post(`/cspace-services/batch/${job}/runs`, {})).json()) as any)['ns2:run'].id as string;
      const follow = async (id: string) => {
        const csid = await createRecord(service, 'Place', { title: id });
        return ((await (await post(`/cspace-services/batch/${job}/invoke`, { listCSIDs: { csid: [csid] }, after: { runId: [id] } })).json()) as any)['ns2:run'];
      };
      const [ended, going] = [await open(), await open()];
      const [stranded, waiting] = [await follow(ended), await follow(going)];
      expect([stranded.status, waiting.status]).to.deep.equal(['Waiting', 'Waiting']);
      // Straight in the store: nothing wakes the run that follows it (as when a process dies right after the write).
      await service.store.runs.cancel('default' as TenantId, ended, new Date());
      const failed = await runReaching(service, `${RUNS}/${stranded.id}`, ['Failed'], 'the sweep to decide the stranded run');
      expect(failed.statusText).to.include(`run '${ended}', which this run follows, ended Cancelled`);
      const woken = logs.lines().filter((line) => line.msg === 'active run with no session: woken').map((line) => line.run);
      expect(woken).to.include(stranded.id);
      expect(woken, 'a run still waiting is not woken').to.not.include(waiting.id);
      expect((await getJson(service, `${RUNS}/${waiting.id}`))['ns2:run'].status).to.equal('Waiting');
    } finally {
      await service.stop();
      await plugins.cleanup();
    }
  });
});
