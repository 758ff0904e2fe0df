/**
 * Schedules over HTTP on the embedded store: a one-off `at` and a repeating `every` each start a background run
 * (awaited through the runs API, never on the clock), the documents in JSON and XML, refusals naming the field,
 * deletion, and tenant scoping.
 */
import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createUser } from '../security/support.js';
import { waitFor } from '../support/waitFor.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';
const NOCONTEXT = { 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NS, mode: 'nocontext' } };

describe('HTTP schedules', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  let csid: string;

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    service = await startTestService({ pluginsDir: plugins.dir });
    csid = await createDefinition(service, { name: 'scheduled note', className: 'test.WholeNote', supportsNoContext: true });
  });
  afterEach(async () => {
    await service.stop();
    await cleanup();
  });

  async function schedule(body: Record<string, unknown>, client: TestService = service, definition = csid) {
    return client.request(`/cspace-services/batch/${definition}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ schedule: { ...body, ...NOCONTEXT } }),
    });
  }

  async function getJson(pathname: string, client: TestService = service): Promise<{ status: number; body: any }> {
    const res = await client.request(pathname, { headers: { Accept: JSON_TYPE } });
    return { status: res.status, body: await res.json() };
  }

  /** The definition's runs, once there is at least `count` of them. */
  const runsOf = (count: number) =>
    waitFor(`${count} run(s) of the definition`, async () => {
      const { body } = await getJson(`/cspace-services/runs?definition=${csid}`);
      const list = body['ns2:abstract-common-list'];
      return Number(list.totalItems) >= count ? [list['list-item']].flat() : undefined;
    });

  it('starts a run at a one-off time, then shows it as the last run with no next time', async () => {
    const at = new Date(Date.now() + 300).toISOString();
    const res = await schedule({ at });
    expect(res.status, await res.clone().text()).to.equal(201);
    const location = res.headers.get('location') ?? '';
    expect(location).to.match(/^\/cspace-services\/schedules\/[0-9a-f-]{36}$/);
    const created = ((await res.json()) as any)['ns2:schedule'];
    expect(created).to.include({ definitionCsid: csid, definitionName: 'scheduled note', at, nextRunAt: at, createdBy: 'admin' });
    expect(created).to.not.have.property('lastRunAt');
    expect(created['ns2:invocationContext'].mode).to.equal('nocontext');

    const [run] = await runsOf(1);
    const done = await waitFor('the scheduled run to complete', async () => {
      const { body } = await getJson(`/cspace-services/runs/${run.id}`);
      return body['ns2:run'].status === 'Completed' ? body['ns2:run'] : undefined;
    });
    expect(done.createdBy).to.equal('admin');
    expect(done.invocationResults.userNote).to.equal('whole: 0 csid(s)');

    const shown = await waitFor('the schedule to name its run', async () => {
      const { body } = await getJson(location);
      return body['ns2:schedule'].lastRunId === undefined ? undefined : body['ns2:schedule'];
    });
    expect(shown).to.include({ lastRunId: run.id, lastRunUri: `/runs/${run.id}` });
    expect(shown.lastRunAt).to.be.a('string');
    expect(shown).to.not.have.property('nextRunAt');

    // A user who may read runs by id but not list them is not told the id of another user's run.
    await createRole(service, 'run-reader', { runs: 'R' });
    const reader = actingAs(service, await createUser(service, 'rory', ['run-reader']));
    const { status, body } = await getJson(location, reader);
    expect(status).to.equal(200);
    expect(body['ns2:schedule']).to.include({ createdBy: 'admin', lastRunAt: shown.lastRunAt });
    expect(body['ns2:schedule']).to.not.have.any.keys('lastRunId', 'lastRunUri');
  });

  it('repeats on an interval until deleted', async () => {
    const res = await schedule({ every: '1 second' });
    expect(res.status, await res.clone().text()).to.equal(201);
    const location = res.headers.get('location') ?? '';
    const runs = await runsOf(2);
    expect(new Set(runs.map((run: any) => run.id)).size).to.be.at.least(2);
    expect((await service.request(location, { method: 'DELETE' })).status).to.equal(204);
    expect((await getJson(location)).status).to.equal(404);
    expect((await service.request(location, { method: 'DELETE' })).status).to.equal(404);
  });

  it('takes XML with a cron expression and a time zone, lists it, and deletes it', async () => {
    const body = `<schedule><every>30 9 * * *</every><timezone>Europe/Paris</timezone><ns2:invocationContext xmlns:ns2="${INVOCABLE_NS}"><mode>nocontext</mode></ns2:invocationContext></schedule>`;
    const res = await service.request(`/cspace-services/batch/${csid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE, Accept: XML_TYPE },
      body,
    });
    const xml = await res.text();
    expect(res.status, xml).to.equal(201);
    expect(xml).to.match(/<ns2:schedule xmlns:ns2="http:\/\/collectionspace.org\/services\/batch\/schedule">/);
    expect(xml).to.include('<every>30 9 * * *</every>').and.include('<timezone>Europe/Paris</timezone>');
    const nextRunAt = /<nextRunAt>([^<]+)<\/nextRunAt>/.exec(xml)?.[1] ?? '';
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit' });
    expect(paris.format(new Date(nextRunAt)), 'next run at 09:30 in Paris').to.equal('09:30');
    expect(new Date(nextRunAt).getTime()).to.be.greaterThan(Date.now());

    const id = /<id>([^<]+)<\/id>/.exec(xml)?.[1] ?? '';
    for (const pathname of [`/cspace-services/batch/${csid}/schedules`, '/cspace-services/schedules']) {
      const list = (await getJson(pathname)).body['ns2:abstract-common-list'];
      expect(list.totalItems, pathname).to.equal('1');
      expect(list['list-item']).to.include({ id, every: '30 9 * * *', timezone: 'Europe/Paris', nextRunAt });
    }
    expect((await service.request(`/cspace-services/schedules/${id}`, { method: 'DELETE' })).status).to.equal(204);
    expect((await getJson('/cspace-services/schedules')).body['ns2:abstract-common-list'].totalItems).to.equal('0');
  });

  it('refuses a bad schedule with a 400 naming the field, and checks the context as invoking does', async () => {
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ every: 'every so often' }, 'schedule/every'],
      [{ every: '0 99 * * *' }, 'schedule/every'],
      [{ every: '1' }, 'schedule/every'],
      [{ every: '*/5 * * * *', timezone: 'Mars/Olympus' }, 'schedule/timezone'],
      [{ at: 'tomorrow' }, 'schedule/at'],
      [{ at: '2030-01-01T10:00:00' }, 'schedule/at'],
      [{ at: '2030-01-01T10:00:00Z', every: '10 minutes' }, 'schedule/at'],
      [{}, 'schedule/every'],
    ];
    for (const [body, path] of refusals) {
      const res = await schedule(body);
      const text = await res.text();
      expect(res.status, `${JSON.stringify(body)}: ${text}`).to.equal(400);
      expect(text, JSON.stringify(body)).to.include(path);
    }
    const unknownDefinition = await schedule({ every: '10 minutes' }, service, '00000000-0000-4000-8000-000000000000');
    expect(unknownDefinition.status).to.equal(404);
    const wrongMode = await service.request(`/cspace-services/batch/${csid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ schedule: { every: '10 minutes', 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NS, mode: 'single', singleCSID: 'x' } } }),
    });
    const invoked = await service.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NS, mode: 'single', singleCSID: 'x' } }),
    });
    expect(wrongMode.status).to.be.within(400, 499);
    expect(wrongMode.status).to.equal(invoked.status);
    expect((await getJson('/cspace-services/schedules')).body['ns2:abstract-common-list'].totalItems).to.equal('0');
  });

  it('shows why a firing started no run when the definition was deleted meanwhile', async () => {
    const res = await schedule({ at: new Date(Date.now() + 200).toISOString() });
    const location = res.headers.get('location') ?? '';
    expect((await service.request(`/cspace-services/batch/${csid}`, { method: 'DELETE' })).ok).to.equal(true);
    const failed = await waitFor('the schedule to record its failure', async () => {
      const { body } = await getJson(location);
      return body['ns2:schedule'].failReason === undefined ? undefined : body['ns2:schedule'];
    });
    expect(failed.failReason).to.include(csid);
    expect(failed.failedAt).to.be.a('string');
    expect(failed).to.not.have.property('lastRunId');
  });

  it("answers another tenant's schedule as unknown, and never lists it", async () => {
    const res = await schedule({ every: '10 minutes' });
    const location = res.headers.get('location') ?? '';
    const inB = await createTenant(service);
    expect((await getJson(location, inB)).status).to.equal(404);
    expect((await inB.request(location, { method: 'DELETE' })).status).to.equal(404);
    expect((await getJson('/cspace-services/schedules', inB)).body['ns2:abstract-common-list'].totalItems).to.equal('0');
    expect((await getJson(location)).status).to.equal(200);
  });
});
