/**
 * Issue 9, parts 2 and 3: every path that makes a plugin run checks what a live invoke checks (the `invoke`
 * permission, the job's `forRoles` / `resourceActionGroupList`, and for new or restarted work the active-run
 * limit), for the user making the request; the work carries the run's creator, whose rights are checked again when
 * a worker takes the run up; a schedule's firing checks its creator's rights as they are then.
 */
import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, createObjects, getJson, invocationContextBody, invoke, JSON_TYPE, runReaching, XML_TYPE } from '../support/api.js';
import { RunGate } from '../support/runGate.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { actingAs, createRole, createUser } from './support.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';
const FINAL = ['Completed', 'CompletedWithErrors', 'Failed', 'Cancelled'];

describe('security: runs, reruns and schedules check the invoke rule', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  /** Runner: invoke and runs rights, no Curator role. */
  let rita: TestService;
  /** Curator: invoke and runs rights, and the Curator role. */
  let carl: TestService;
  /** Watcher: runs rights (read, list, update) but not invoke. */
  let wanda: TestService;
  /** The gated fixture plugin's items wait here until it opens. */
  let gate: RunGate;

  async function startService(options: { maxActiveRunsPerUser?: number; maxConcurrentRuns?: number } = {}): Promise<void> {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    gate = new RunGate();
    service = await startTestService({ pluginsDir: plugins.dir, ...options });
    await createRole(service, 'runner', { invoke: 'I', definitions: 'RL', runs: 'RUL' }, 'Runner');
    await createRole(service, 'curator', { invoke: 'I', definitions: 'RL', runs: 'RUL' }, 'Curator');
    await createRole(service, 'watcher', { definitions: 'RL', runs: 'RUL' }, 'Watcher');
    rita = actingAs(service, await createUser(service, 'rita', ['runner']));
    carl = actingAs(service, await createUser(service, 'carl', ['curator']));
    wanda = actingAs(service, await createUser(service, 'wanda', ['watcher']));
  }

  afterEach(async () => {
    gate.close();
    await service.stop();
    await cleanup();
  });

  const LIST_MODES = { supportsSingleDoc: true, supportsDocList: true, supportsNoContext: true };
  const job = (className: string, forRoles?: string) =>
    createDefinition(service, {
      name: `${className}${forRoles === undefined ? '' : ` for ${forRoles}`}`,
      forDocTypes: { forDocType: ['CollectionObject'] },
      ...LIST_MODES,
      className,
      ...(forRoles !== undefined && { forRoles: { roleDisplayName: forRoles } }),
    });
  const listOf = (csids: string[]) => ({ mode: 'list', docType: 'CollectionObject', listCSIDs: csids });

  /** A background run started by `client`; answers its location. */
  async function startRun(client: TestService, csid: string, csids: string[]): Promise<string> {
    const res = await client.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: invocationContextBody(listOf(csids)),
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    return res.headers.get('location') ?? '';
  }

  /** An open run started by `client`; answers its location. */
  async function openRun(client: TestService, csid: string, csids: string[]): Promise<string> {
    const res = await client.request(`/cspace-services/batch/${csid}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: invocationContextBody(listOf(csids)),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return res.headers.get('location') ?? '';
  }

  const addItems = (client: TestService, location: string, csids: string[]) =>
    client.request(`${location}/items`, {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE, Accept: JSON_TYPE },
      body: `<items>${csids.map((csid) => `<csid>${csid}</csid>`).join('')}</items>`,
    });
  const post = (client: TestService, pathname: string) => client.request(pathname, { method: 'POST', headers: { Accept: JSON_TYPE } });
  const runAt = async (location: string) => (await getJson(service, location))['ns2:run'];
  /** The run's items as the API lists them (status, attempts, timestamps). */
  const itemsOf = async (location: string) => [(await getJson(service, `${location}/items?pgSz=0`))['ns2:abstract-common-list']['list-item'] ?? []].flat();

  async function setRoles(username: string, roles: string[]): Promise<void> {
    const res = await service.request(`/cspace-services/admin/users/${username}/roles`, {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ roles: { role: roles } }),
    });
    expect(res.status, await res.clone().text()).to.equal(200);
  }

  /** A schedule of `csid` by `client`, firing once `inMs` from now; answers its location and time. */
  async function scheduleOnce(client: TestService, csid: string, inMs: number): Promise<{ location: string; at: number }> {
    const at = Date.now() + inMs;
    const res = await client.request(`/cspace-services/batch/${csid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ schedule: { at: new Date(at).toISOString(), 'ns2:invocationContext': { '@xmlns:ns2': INVOCABLE_NS, mode: 'nocontext' } } }),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return { location: res.headers.get('location') ?? '', at };
  }

  /** The schedule once it fired: with the run it started, or the reason it started none. */
  const firedSchedule = (location: string) =>
    waitFor(`schedule ${location} to fire`, async () => {
      const schedule = (await getJson(service, location))['ns2:schedule'];
      return schedule.failReason === undefined && schedule.lastRunId === undefined ? undefined : schedule;
    });

  const runsOf = async (csid: string) => Number((await getJson(service, `/cspace-services/runs?definition=${csid}`))['ns2:abstract-common-list'].totalItems);

  describe('requests on existing runs', () => {
    beforeEach(() => startService());

    it("refuses a rerun of a Curator-only job to a user without the Curator role: 403, the plugin does not run again", async () => {
      const csid = await job('test.RecordItems', 'Curator');
      const location = await startRun(carl, csid, await createObjects(service, 2));
      const before = await runReaching(service, location, FINAL, 'the curator run to finish');
      expect(before.status).to.equal('Completed');
      const itemsBefore = await itemsOf(location);

      for (const only of ['', '?only=failed']) {
        const refused = await post(rita, `${location}/rerun${only}`);
        expect(refused.status, `rerun${only}`).to.equal(403);
        expect(((await refused.json()) as any).error.message).to.include(`'test.RecordItems for Curator'`);
      }
      const after = await runAt(location);
      expect(after).to.include({ status: 'Completed', reruns: '0', completedAt: before.completedAt });
      expect(await itemsOf(location)).to.deep.equal(itemsBefore);
      // The curator may still rerun their own run.
      expect((await post(carl, `${location}/rerun`)).status).to.equal(202);
      expect(await runReaching(service, location, FINAL, 'the rerun to finish')).to.include({ status: 'Completed', reruns: '1' });
    });

    it("refuses adding items to a curator's open run to a user without the Curator role: 403, nothing added", async () => {
      const csid = await job('test.RecordItems', 'Curator');
      const [first, second] = await createObjects(service, 2);
      const location = await openRun(carl, csid, [first!]);
      const refused = await addItems(rita, location, [second!]);
      expect(refused.status, await refused.clone().text()).to.equal(403);
      expect((await runAt(location)).noOfItemsPosted).to.equal('1');
      expect((await itemsOf(location)).map((item: any) => item.csid)).to.deep.equal([first]);
      expect((await post(rita, `${location}/close`)).status).to.equal(403);
      expect((await runAt(location)).open).to.equal('true');
      // The curator's own requests go through.
      expect((await addItems(carl, location, [second!])).status).to.equal(200);
      expect((await post(carl, `${location}/close`)).status).to.equal(200);
      expect(await runReaching(service, location, FINAL, 'the open run to finish')).to.include({ status: 'Completed', noOfItemsProcessed: '2' });
    });

    it('refuses rerun, adding items and close to a user with runs rights but without invoke', async () => {
      const csid = await job('test.RecordItems');
      const [first, second] = await createObjects(service, 2);
      const finished = await startRun(service, csid, [first!]);
      await runReaching(service, finished, FINAL, 'the run to finish');
      const open = await openRun(service, csid, [first!]);

      expect((await post(wanda, `${finished}/rerun`)).status, 'rerun').to.equal(403);
      expect((await addItems(wanda, open, [second!])).status, 'add items').to.equal(403);
      expect((await post(wanda, `${open}/close`)).status, 'close').to.equal(403);
      expect(await runAt(finished)).to.include({ reruns: '0' });
      expect(await runAt(open)).to.include({ open: 'true', noOfItemsPosted: '1' });
      // Cancelling runs no plugin code: runs rights are enough.
      expect((await post(wanda, `${open}/cancel`)).status, 'cancel').to.equal(200);
    });
  });

  describe('the active-run limit', () => {
    beforeEach(() => startService({ maxActiveRunsPerUser: 1 }));

    it('refuses a rerun, and a schedule firing, while the user is at MAX_ACTIVE_RUNS_PER_USER', async () => {
      const records = await job('test.RecordItems');
      const [object] = await createObjects(service, 1);
      const done = await startRun(rita, records, [object!]);
      await runReaching(service, done, FINAL, "rita's first run to finish");
      const gated = await startRun(rita, await job('test.GatedItems'), [object!]);
      await waitFor('the gated run to start its item', async () => (gate.started > 0 ? true : undefined));

      const refused = await post(rita, `${done}/rerun`);
      expect(refused.status).to.equal(429);
      expect(((await refused.json()) as any).error.message).to.include(gated.split('/').pop());
      expect(await runAt(done)).to.include({ status: 'Completed', reruns: '0' });

      // Creating a schedule starts nothing now, so the limit does not apply; its firing does.
      const whole = await job('test.WholeNote');
      const { location } = await scheduleOnce(rita, whole, 300);
      const failed = await firedSchedule(location);
      expect(failed.failReason, 'a refused firing').to.include('active run');
      expect(failed).to.not.have.property('lastRunId');
      expect(await runsOf(whole)).to.equal(0);
    });
  });

  describe('schedules', () => {
    beforeEach(() => startService());

    it('starts no run once its creator lost invoke, and records why on the schedule', async () => {
      const carol = actingAs(service, await createUser(service, 'carol', ['runner']));
      const csid = await job('test.WholeNote');
      const { location, at } = await scheduleOnce(carol, csid, 2000);
      await setRoles('carol', ['watcher']);
      expect(Date.now(), 'the roles changed before the firing').to.be.below(at);
      expect((await invoke(carol, csid, { mode: 'nocontext' })).status).to.equal(403);

      const failed = await firedSchedule(location);
      expect(failed.failReason, 'a refused firing').to.match(/invoke/i);
      expect(failed).to.not.have.property('lastRunId');
      expect(await runsOf(csid)).to.equal(0);
    });
  });

  describe('the worker', () => {
    // One run at a time: the curator's run waits, not taken up, while a gated run holds the only place.
    beforeEach(() => startService({ maxConcurrentRuns: 1 }));

    it('fails a run whose creator lost the job\'s role before it was taken up, instead of running it as them', async () => {
      const [held, first, second] = await createObjects(service, 3);
      await startRun(service, await job('test.GatedItems'), [held!]);
      await waitFor('the gated run to hold the worker', async () => (gate.started > 0 ? true : undefined));
      const curatorOnly = await job('test.RecordItems', 'Curator');
      const location = await openRun(carl, curatorOnly, [first!]);
      await setRoles('carl', ['runner']);
      // Another curator may add items to the run; the work would still act as carl.
      const cora = actingAs(service, await createUser(service, 'cora', ['curator']));
      expect((await addItems(cora, location, [second!])).status).to.equal(200);

      gate.open();
      // Taken up: either refused (Failed) or, as it must not be, worked on as carl.
      const run = await waitFor("the curator's run to be taken up", async () => {
        const current = await runAt(location);
        return current.status === 'Failed' || current.noOfItemsProcessed !== '0' ? current : undefined;
      });
      expect(run.status, run.statusText).to.equal('Failed');
      expect(run.statusText).to.include("'carl'");
      expect((await itemsOf(location)).map((item: any) => [item.status, item.attempts])).to.deep.equal([
        ['New', '0'],
        ['New', '0'],
      ]);
    });
  });
});
