/**
 * Background runs over HTTP on the embedded store: `Prefer: respond-async`, the run and item documents in JSON
 * and XML, open runs, cancel, rerun, refusals and the SSE stream. Tests wait on state, never on the clock.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { createDefinition, createObjects, invocationContextBody, JSON_TYPE, XML_TYPE, type InvocationContextInput } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { RunGate } from '../support/runGate.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const TENANT = 'default' as TenantId;
const LIST_MODES = { supportsSingleDoc: true, supportsDocList: true, supportsGroup: true, supportsNoContext: true };


describe('HTTP runs', () => {
  let service: TestService;
  let gate: RunGate;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    gate = new RunGate();
    service = await startTestService({ pluginsDir: plugins.dir, maxRunItems: 50, shutdownTimeoutMs: 60_000 });
  });
  afterEach(async () => {
    gate.close();
    await service.stop();
    await cleanup();
  });

  const definition = (className: string) =>
    createDefinition(service, { name: className, forDocTypes: { forDocType: ['CollectionObject'] }, ...LIST_MODES, className });

  const objects = (count: number, fields?: (i: number) => Record<string, string | undefined>) => createObjects(service, count, fields);

  async function startRun(csid: string, context: InvocationContextInput, accept = JSON_TYPE) {
    const res = await service.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: accept, Prefer: 'respond-async' },
      body: invocationContextBody(context),
    });
    return res;
  }

  async function getRun(location: string): Promise<any> {
    const res = await service.request(location, { headers: { Accept: JSON_TYPE } });
    expect(res.status).to.equal(200);
    return ((await res.json()) as any)['ns2:run'];
  }

  const finished = (location: string) =>
    waitFor(`run ${location} to finish`, async () => {
      const run = await getRun(location);
      return ['Completed', 'CompletedWithErrors', 'Failed', 'Cancelled'].includes(run.status) ? run : undefined;
    });

  describe('Prefer: respond-async', () => {
    it('answers 202 with Location and the run, started at once by the process that stored it, then completes every item', async () => {
      const csids = await objects(20);
      const res = await startRun(await definition('test.RecordItems'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      expect(res.status, await res.clone().text()).to.equal(202);
      expect(res.headers.get('preference-applied')).to.equal('respond-async');
      const location = res.headers.get('location') ?? '';
      expect(location).to.match(/^\/cspace-services\/runs\/[0-9a-f-]{36}$/);
      const body = ((await res.json()) as any)['ns2:run'];
      expect(body).to.include({ status: 'InProgress', noOfItemsPosted: '20', noOfItemsProcessed: '0', percentCompleted: '0' });
      expect(body.startedAt, 'stored started').to.equal(body.createdAt);

      const run = await finished(location);
      expect(run).to.include({ status: 'Completed', noOfItemsProcessed: '20', noOfItemsFailed: '0', percentCompleted: '100' });
      expect(run.invocationResults.userNote).to.equal('20 record(s) processed, 20 affected, 0 failed');
      expect(run.startedAt).to.be.a('string');
      expect(run.completedAt).to.be.a('string');

      const items = await service.request(`${location}/items?pgSz=5&status=Completed`, { headers: { Accept: JSON_TYPE } });
      const list = ((await items.json()) as any)['ns2:abstract-common-list'];
      expect(list).to.include({ totalItems: '20', itemsInPage: '5' });
      expect(list['list-item'][0]).to.include({ seq: '0', csid: csids[0], status: 'Completed', attempts: '1' });
    });

    it('records failed items without stopping the others, retries flaky ones, and ends CompletedWithErrors', async () => {
      const csids = await objects(6, (i) => (i === 2 ? { fail: 'yes' } : i === 4 ? { flaky: 'yes' } : {}));
      const res = await startRun(await definition('test.RecordItems'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      const run = await finished(res.headers.get('location') ?? '');
      expect(run).to.include({ status: 'CompletedWithErrors', noOfItemsProcessed: '6', noOfItemsFailed: '1', percentCompleted: '100' });
      expect(run.jobItemErrors.itemError).to.deep.equal({ csid: csids[2], message: 'Plugin \'test.RecordItems\' failed: record o2 refuses' });
      const flaky = await service.request(`${res.headers.get('location')}/items?status=Completed&pgSz=0`, { headers: { Accept: JSON_TYPE } });
      const items = ((await flaky.json()) as any)['ns2:abstract-common-list']['list-item'] as any[];
      expect(items.find((item) => item.csid === csids[4])).to.include({ attempts: '1', status: 'Completed' });
    });

    it('runs a whole-invocation plugin as one item and keeps its results, in XML too', async () => {
      const csids = await objects(3);
      const res = await startRun(await definition('test.WholeNote'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids }, XML_TYPE);
      expect(res.status).to.equal(202);
      expect(res.headers.get('content-type')).to.match(/xml/);
      expect(await res.text()).to.match(/<ns2:run xmlns:ns2="http:\/\/collectionspace.org\/services\/batch\/run">[\s\S]*<status>InProgress<\/status>/);
      const run = await finished(res.headers.get('location') ?? '');
      expect(run).to.include({ status: 'Completed', noOfItemsPosted: '1' });
      expect(run.invocationResults).to.deep.include({ userNote: 'whole: 3 csid(s)', numAffected: '3' });
    });

    it('stays synchronous without the header', async () => {
      const csids = await objects(2);
      const res = await service.request(`/cspace-services/batch/${await definition('test.RecordItems')}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
        body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: csids }),
      });
      expect(res.status).to.equal(200);
      expect(((await res.json()) as any)['ns2:invocationResults'].numAffected).to.equal('2');
    });
  });

  describe('refusals, before anything runs', () => {
    it('refuses a csid listed twice, an empty context and too many items, with 400 and nothing stored', async () => {
      const csid = await definition('test.RecordItems');
      const empty = await startRun(csid, { mode: 'nocontext' });
      expect(empty.status).to.equal(400);
      expect(await empty.text()).to.include('names no record');
      const [a] = await objects(1);
      const twice = await startRun(csid, { mode: 'list', docType: 'CollectionObject', listCSIDs: [a!, a!] });
      expect(twice.status).to.equal(400);
      expect(await twice.text()).to.include('more than once');
      const tooMany = await startRun(csid, { mode: 'list', docType: 'CollectionObject', listCSIDs: Array.from({ length: 51 }, (_, i) => `x${i}`) });
      expect(tooMany.status).to.equal(400);
      expect(await tooMany.text()).to.include('at most 50 items');
      const list = await service.request('/cspace-services/runs', { headers: { Accept: JSON_TYPE } });
      expect(((await list.json()) as any)['ns2:abstract-common-list'].totalItems).to.equal('0');
    });

    it('answers 404 for an unknown run and 400 for an unknown status filter', async () => {
      expect((await service.request('/cspace-services/runs/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
      expect((await service.request('/cspace-services/runs?status=Done')).status).to.equal(400);
    });
  });

  describe('listing', () => {
    it('lists runs newest first, filtered by status and definition', async () => {
      const records = await definition('test.RecordItems');
      const whole = await definition('test.WholeNote');
      const csids = await objects(2);
      const first = await startRun(records, { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      await finished(first.headers.get('location') ?? '');
      const second = await startRun(whole, { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      await finished(second.headers.get('location') ?? '');
      const ids = async (query: string) => {
        const res = await service.request(`/cspace-services/runs${query}`, { headers: { Accept: JSON_TYPE } });
        const list = ((await res.json()) as any)['ns2:abstract-common-list'];
        return ([] as any[]).concat(list['list-item'] ?? []).map((item) => item.uri);
      };
      const path = (res: Response) => (res.headers.get('location') ?? '').replace('/cspace-services', '');
      expect(await ids('')).to.deep.equal([path(second), path(first)]);
      expect(await ids(`?definition=${records}`)).to.deep.equal([path(first)]);
      expect(await ids('?status=Completed&pgSz=1&pgNum=1')).to.deep.equal([path(first)]);
    });
  });

  describe('open runs', () => {
    it('accepts items over time, each eligible at once, and completes after close', async () => {
      const csids = await objects(5);
      const created = await service.request(`/cspace-services/batch/${await definition('test.RecordItems')}/runs`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
        body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: csids.slice(0, 2) }),
      });
      expect(created.status, await created.clone().text()).to.equal(201);
      const location = created.headers.get('location') ?? '';
      await waitFor('first items done', async () => ((await getRun(location)).noOfItemsProcessed === '2' ? true : undefined));
      expect((await getRun(location)).status).to.equal('InProgress');

      const added = await service.request(`${location}/items`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE, Accept: JSON_TYPE },
        body: `<items>${csids.slice(2).map((csid) => `<csid>${csid}</csid>`).join('')}</items>`,
      });
      expect(added.status, await added.clone().text()).to.equal(200);
      await waitFor('added items done', async () => ((await getRun(location)).noOfItemsProcessed === '5' ? true : undefined));
      expect((await getRun(location)).status).to.equal('InProgress');

      const closed = await service.request(`${location}/close`, { method: 'POST', headers: { Accept: JSON_TYPE } });
      expect(closed.status).to.equal(200);
      const run = await finished(location);
      expect(run).to.include({ status: 'Completed', noOfItemsPosted: '5', open: 'false' });
      const late = await service.request(`${location}/items`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE },
        body: `<items><csid>${csids[0]}</csid></items>`,
      });
      expect(late.status).to.equal(409);
    });
  });

  describe('cancel and rerun', () => {
    it('cancels a run mid-way: every unfinished item ends Cancelled at once, counted in the run, its events and lists', async () => {
      const csids = await objects(30);
      const res = await startRun(await definition('test.GatedItems'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      const location = res.headers.get('location') ?? '';
      await waitFor('items to start', async () => (gate.started > 0 ? true : undefined));
      const stream = await service.request(`${location}/events`);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      const cancelled = await service.request(`${location}/cancel`, { method: 'POST', headers: { Accept: JSON_TYPE } });
      expect(cancelled.status).to.equal(200);
      // The cancel's own answer already says so: no item is left New or Processing.
      const answer = ((await cancelled.json()) as any)['ns2:run'];
      expect(answer).to.include({ status: 'Cancelled', noOfItemsProcessed: '0', noOfItemsCancelled: '30' });
      expect(answer.statusText).to.equal('Cancelled: 0 of 30 item(s) processed, 0 failed, 30 cancelled');
      const count = async (status: string) => {
        const list = await service.request(`${location}/items?status=${status}`, { headers: { Accept: JSON_TYPE } });
        expect(list.status).to.equal(200);
        return ((await list.json()) as any)['ns2:abstract-common-list'].totalItems;
      };
      expect([await count('New'), await count('Processing'), await count('Cancelled')]).to.deep.equal(['0', '0', '30']);
      // The plugin says 'started' from its thread: let what was sent before the cancel land, then nothing may follow.
      const pause = () => new Promise((resolve) => setTimeout(resolve, 300));
      await pause();
      const startedAtCancel = gate.started;
      await pause();
      expect(gate.started, 'items started after the cancel').to.equal(startedAtCancel);

      let text = '';
      while (!/event: end/.test(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const end = text.split('\n\n').find((chunk) => chunk.startsWith('event: end'));
      const data = JSON.parse(end!.split('\n').find((line) => line.startsWith('data: '))!.slice(6));
      expect(data).to.include({ status: 'Cancelled', noOfItemsPosted: 30, noOfItemsProcessed: 0, noOfItemsCancelled: 30 });

      const xml = await service.request(location, { headers: { Accept: XML_TYPE } });
      expect(await xml.text()).to.include('<noOfItemsCancelled>30</noOfItemsCancelled>');
      const list = await service.request(`/cspace-services/runs?status=Cancelled`, { headers: { Accept: JSON_TYPE } });
      expect(((await list.json()) as any)['ns2:abstract-common-list']['list-item']).to.include({ noOfItemsCancelled: '30' });
      const run = await getRun(location);
      expect(run).to.include({ status: 'Cancelled', noOfItemsProcessed: '0', noOfItemsCancelled: '30' });
      expect((await service.request(`${location}/cancel`, { method: 'POST' })).status).to.equal(409);
      // The gated plugin forbids reruns.
      const rerun = await service.request(`${location}/rerun`, { method: 'POST', headers: { Accept: JSON_TYPE } });
      expect(rerun.status).to.equal(409);
      expect(await rerun.text()).to.include('does not allow reruns');
    });

    it('reruns only the failed items, then the whole run', async () => {
      const csids = await objects(4, (i) => (i === 1 ? { fail: 'yes' } : {}));
      const res = await startRun(await definition('test.RecordItems'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      const location = res.headers.get('location') ?? '';
      expect((await finished(location)).status).to.equal('CompletedWithErrors');
      const active = await service.request(`${location}/rerun?only=everything`, { method: 'POST' });
      expect(active.status).to.equal(400);

      await service.store.records.update(TENANT, csids[1]!, { objectNumber: 'o1' }, { actor: 'test' });
      const again = await service.request(`${location}/rerun?only=failed`, { method: 'POST', headers: { Accept: JSON_TYPE } });
      expect(again.status).to.equal(202);
      expect(((await again.json()) as any)['ns2:run']).to.include({ status: 'Queued', noOfItemsProcessed: '3', reruns: '1' });
      const fixed = await finished(location);
      expect(fixed).to.include({ status: 'Completed', noOfItemsProcessed: '4', noOfItemsFailed: '0' });

      const whole = await service.request(`${location}/rerun`, { method: 'POST', headers: { Accept: JSON_TYPE } });
      expect(((await whole.json()) as any)['ns2:run']).to.include({ status: 'Queued', noOfItemsProcessed: '0', reruns: '2' });
      expect(await finished(location)).to.include({ status: 'Completed', noOfItemsProcessed: '4' });
    });
  });

  describe("a run whose job was deleted", () => {
    it('answers 409 to a rerun, added items and close, which would run a plugin it no longer has', async () => {
      const csid = await definition('test.RecordItems');
      const [first, second] = await objects(2);
      const done = (await startRun(csid, { mode: 'list', docType: 'CollectionObject', listCSIDs: [first!] })).headers.get('location') ?? '';
      await finished(done);
      const opened = await service.request(`/cspace-services/batch/${csid}/runs`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE },
        body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: [first!] }),
      });
      const open = opened.headers.get('location') ?? '';
      expect((await service.request(`/cspace-services/batch/${csid}`, { method: 'DELETE' })).ok).to.equal(true);

      const attempts: Array<[string, RequestInit]> = [
        [`${done}/rerun`, { method: 'POST' }],
        [`${open}/items`, { method: 'POST', headers: { 'Content-Type': XML_TYPE }, body: `<items><csid>${second}</csid></items>` }],
        [`${open}/close`, { method: 'POST' }],
      ];
      for (const [pathname, init] of attempts) {
        const res = await service.request(pathname, init);
        const text = await res.text();
        expect(res.status, `${pathname}: ${text}`).to.equal(409);
        expect(text).to.include(csid);
      }
      expect(await getRun(done)).to.include({ reruns: '0' });
      expect(await getRun(open)).to.include({ open: 'true', noOfItemsPosted: '1' });
    });
  });

  describe('GET /runs/{id}/events', () => {
    it('streams progress as server-sent events and ends with the final status', async () => {
      const csids = await objects(10);
      const res = await startRun(await definition('test.GatedItems'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      const location = res.headers.get('location') ?? '';
      const stream = await service.request(`${location}/events`);
      expect(stream.status).to.equal(200);
      expect(stream.headers.get('content-type')).to.match(/^text\/event-stream/);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      const readUntil = async (pattern: RegExp) => {
        while (!pattern.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += value;
        }
      };
      await readUntil(/event: progress/);
      gate.open();
      await readUntil(/event: end/);
      const events = text.split('\n\n').filter((chunk) => chunk.trim() !== '');
      const last = JSON.parse(events.at(-1)!.split('\n').find((line) => line.startsWith('data: '))!.slice(6));
      expect(events.at(-1)).to.match(/^event: end/);
      expect(last).to.include({ status: 'Completed', noOfItemsProcessed: 10, percentCompleted: 100 });
      expect((await reader.read()).done).to.equal(true);
    });

    it('ends the stream when the service shuts down, so shutdown does not wait for it', async () => {
      const csids = await objects(2);
      const res = await startRun(await definition('test.GatedItems'), { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
      const stream = await service.request(`${res.headers.get('location')}/events`);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      expect((await reader.read()).value).to.match(/event: progress/);
      await waitFor('items to start', async () => (gate.started > 0 ? true : undefined));
      const stopped = service.stop();
      // The run is still going: only the shutdown can end the stream (else this waits out the test's timeout).
      let done = false;
      while (!done) done = (await reader.read()).done;
      gate.open();
      await stopped;
    });
  });
});
