/**
 * Exactly-once store effects through the real service: what a plugin writes through `ctx.records` reaches the
 * store with its item's Completed outcome and never otherwise (a failed attempt, a timeout, a cancel), the item
 * reads its own writes meanwhile, and `ctx.item` names the item with an idempotency key that holds across retries.
 * Tests wait on state, never on the clock.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { StoredRecord, TenantId } from '../../src/domain/types.js';
import { createDefinition, createObjects, getJson, invocationContextBody, JSON_TYPE, runReaching } from '../support/api.js';
import { FixtureEvents } from '../support/fixtureEvents.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const TENANT = 'default' as TenantId;

describe('staged store writes of run items', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  /** What the fixture plugins report from their threads. */
  let events: FixtureEvents;

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    events = new FixtureEvents();
    // One item at a time, and a heartbeat often enough to find a lost lease at once.
    service = await startTestService({ pluginsDir: plugins.dir, itemConcurrency: 1, runHeartbeatMs: 50 });
  });
  afterEach(async () => {
    events.send('updateGate', 'open');
    await service.stop();
    events.close();
    await cleanup();
  });

  const definition = (className: string, limits?: Record<string, unknown>) =>
    createDefinition(service, { name: className, forDocTypes: { forDocType: ['CollectionObject'] }, supportsDocList: true, className }, limits);

  async function invoke(definitionCsid: string, csids: string[], async = true): Promise<Response> {
    return service.request(`/cspace-services/batch/${definitionCsid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...(async && { Prefer: 'respond-async' }) },
      body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: csids }),
    });
  }

  async function startRun(definitionCsid: string, csids: string[]): Promise<string> {
    const res = await invoke(definitionCsid, csids);
    expect(res.status, await res.clone().text()).to.equal(202);
    return res.headers.get('location') ?? '';
  }

  const itemsOf = async (location: string): Promise<any[]> => [(await getJson(service, `${location}/items`))['ns2:abstract-common-list']['list-item']].flat();

  const markers = async (): Promise<StoredRecord[]> =>
    (await service.store.records.list(TENANT, { docTypes: ['Marker'], sort: { field: 'createdAt', direction: 'asc' }, paging: { pageNum: 0, pageSize: 100 } })).items;

  it('commits one marker per item with its outcome, which the item read back before it returned, background or synchronous', async () => {
    const csids = await createObjects(service, 5);
    const markerItems = await definition('test.MarkerItems');
    const location = await startRun(markerItems, csids);
    const run = await runReaching(service, location, ['Completed', 'CompletedWithErrors'], 'the run to finish');
    expect(run).to.include({ status: 'Completed', noOfItemsProcessed: '5', noOfItemsFailed: '0' });
    expect((await markers()).map((marker) => marker.fields.item).sort()).to.deep.equal([...csids].sort());
    expect((await markers()).every((marker) => marker.core.createdBy === 'admin')).to.equal(true);

    const [one] = await createObjects(service, 1);
    const sync = await invoke(markerItems, [one!], false);
    expect(sync.status, await sync.clone().text()).to.equal(200);
    expect((await markers()).filter((marker) => marker.fields.item === one), 'committed when the 200 is answered').to.have.length(1);
  });

  it('gives ctx.item the run, key, attempt and an idempotency key that holds across a retry and changes with a rerun; a failed attempt leaves no trace', async () => {
    const [csid] = await createObjects(service, 1);
    const location = await startRun(await definition('test.ItemInfo'), [csid!]);
    const runId = location.split('/').pop();
    await runReaching(service, location, ['Completed'], 'the run to complete');
    const [first, ...others] = await markers();
    expect(others, 'only the second attempt wrote').to.deep.equal([]);
    expect(first?.fields).to.deep.include({ item: csid, runId, key: csid, attempt: 2 });
    const key = first?.fields.idempotencyKey as string;
    expect(key).to.be.a('string').and.include(runId);
    expect(first?.fields.keysSeen).to.deep.equal([key, key]);

    const rerun = await service.request(`${location}/rerun`, { method: 'POST', headers: { Accept: JSON_TYPE } });
    expect(rerun.status).to.equal(202);
    await waitFor('the rerun to complete', async () => ((await markers()).length === 2 ? true : undefined));
    await runReaching(service, location, ['Completed'], 'the rerun to complete');
    const second = (await markers()).find((marker) => marker.csid !== first?.csid);
    const rerunKey = second?.fields.idempotencyKey as string;
    expect(rerunKey).to.be.a('string').and.not.equal(key);
    expect(second?.fields.keysSeen).to.deep.equal([key, key, rerunKey, rerunKey]);
  });

  it('refuses the writes of a plugin that ignores its signal past its time limit, and keeps none of what it wrote before', async () => {
    const csids = await createObjects(service, 2, () => ({ waitMs: '300' }));
    const location = await startRun(await definition('test.LateWriter', { itemTimeoutMs: 50 }), csids);
    await runReaching(service, location, ['CompletedWithErrors'], 'the items to time out');
    expect((await itemsOf(location)).map((item) => item.errorCode)).to.deep.equal(['PLUGIN_TIMEOUT', 'PLUGIN_TIMEOUT']);
    const late = await waitFor('the late writes', async () => (events.count('lateWriter', 'late') === 2 ? events.values('lateWriter', 'late') : undefined), { timeoutMs: 5_000 });
    for (const message of late) expect(message).to.match(/has ended .*: its writes are refused/);
    expect(await markers()).to.deep.equal([]);
  });

  it('refuses the writes of a plugin that ignores its signal after its run was cancelled, and keeps none of what it wrote before', async () => {
    const csids = await createObjects(service, 2, () => ({ waitMs: '400' }));
    const location = await startRun(await definition('test.LateWriter', { itemTimeoutMs: 60_000 }), csids);
    await waitFor('the first item to start', async () => (events.count('lateWriter', 'started') === 1 ? true : undefined));
    const cancelled = await service.request(`${location}/cancel`, { method: 'POST', headers: { Accept: JSON_TYPE } });
    expect(cancelled.status).to.equal(200);
    const late = await waitFor('the late write', async () => (events.count('lateWriter', 'late') === 1 ? events.values('lateWriter', 'late') : undefined), { timeoutMs: 5_000 });
    expect(late[0]).to.match(/has ended .*: its writes are refused/);
    expect(events.count('lateWriter', 'started'), 'no item starts after the cancel').to.equal(1);
    expect(await markers()).to.deep.equal([]);
    expect((await getJson(service, location))['ns2:run']).to.include({ status: 'Cancelled', noOfItemsProcessed: '0' });
  });

  it('stops an item another worker took over, drops its outcome and writes, and never starts the items it lost meanwhile', async () => {
    const csids = await createObjects(service, 2);
    const location = await startRun(await definition('test.UntilAborted'), csids);
    const runId = location.split('/').pop() as string;
    await waitFor('the first item to start', async () => (events.count('untilAborted', 'started') === 1 ? true : undefined));
    // Another worker, its clock past this one's leases (as after a stall longer than the lease), takes both items.
    // Expired items are taken over one claim at a time (each a crash suspect).
    const taken = [];
    for (const _ of csids) {
      taken.push(...(await service.store.runs.claim(TENANT, runId, { owner: 'other worker', limit: 10, leaseMs: 60_000, now: new Date(Date.now() + 3_600_000) })));
    }
    expect(taken.map((item) => item.key)).to.deep.equal(csids);
    const [reason] = await waitFor('the item to be stopped', async () => (events.count('untilAborted', 'aborted') === 1 ? events.values('untilAborted', 'aborted') : undefined));
    expect(reason).to.match(/Another worker took this item over/);

    const now = new Date();
    const outcomes = taken.map((item) => ({ seq: item.seq, status: 'Completed' as const }));
    expect(await service.store.runs.complete(TENANT, runId, 'other worker', outcomes, now)).to.deep.equal({ written: 2, requeued: 0 });
    const run = await runReaching(service, location, ['Completed', 'CompletedWithErrors'], 'the run to finish');
    expect(run).to.include({ status: 'Completed', noOfItemsProcessed: '2', noOfItemsFailed: '0' });
    expect(events.count('untilAborted', 'started'), 'the second item never started here').to.equal(1);
    expect(await markers(), "the stopped item's writes").to.deep.equal([]);
  });

  it("runs an item again on a fresh read when a record it updated was changed meanwhile, keeping both changes", async () => {
    const [csid] = await createObjects(service, 1);
    const location = await startRun(await definition('test.GatedUpdate'), [csid!]);
    await waitFor('the item to start', async () => (events.count('updateGate', 'started') === 1 ? true : undefined));
    await service.store.records.update(TENANT, csid!, { objectNumber: 'o0', note: 'edited meanwhile' }, { actor: 'bob' });
    events.send('updateGate', 'open');
    const run = await runReaching(service, location, ['Completed', 'CompletedWithErrors'], 'the run to finish');
    expect(run).to.include({ status: 'Completed', noOfItemsProcessed: '1' });
    expect(events.count('updateGate', 'started')).to.equal(2);
    const [item] = await itemsOf(location);
    expect(item).to.include({ status: 'Completed', attempts: '2' });
    const record = await service.store.records.get(TENANT, csid!);
    expect(record?.fields).to.deep.equal({ objectNumber: 'o0', note: 'edited meanwhile', touchedAt: 2 });
    expect(record?.core.revision).to.equal(3);
  });
});
