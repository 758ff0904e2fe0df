/**
 * Seed 003's "one active batch job at a time": with MAX_ACTIVE_RUNS_PER_USER a user's next run is refused with
 * 429, `Retry-After` and the id of the run still active, until that run has finished.
 */
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { createDefinition, JSON_TYPE } from '../support/api.js';
import { waitFor } from '../support/waitFor.js';
import { startRunFixtureService } from '../support/runFixtureService.js';
import type { TestService } from '../support/testService.js';
import { RunGate } from '../support/runGate.js';
import { actingAs, createRole, createUser } from '../security/support.js';

describe('HTTP runs: active runs per user', () => {
  let service: TestService;
  let gate: RunGate;
  let stop: () => Promise<void>;

  beforeEach(async () => {
    ({ service, gate, stop } = await startRunFixtureService({ maxActiveRunsPerUser: 1 }));
  });
  afterEach(() => stop());

  it('refuses a second active run with 429, Retry-After and the active run, and accepts one once it finished', async () => {
    const object = await service.store.records.create('default' as TenantId, 'CollectionObject', { objectNumber: '1' }, 'test');
    const csid = await createDefinition(service, { name: 'gated', supportsDocList: true, className: 'test.GatedItems' });
    const start = () =>
      service.request(`/cspace-services/batch/${csid}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
        body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: [object.csid] } } }),
      });
    const first = await start();
    expect(first.status).to.equal(202);
    const runUrl = first.headers.get('location') ?? '';
    const runId = runUrl.split('/').pop() ?? '';

    const refused = await start();
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.equal('30');
    const body = (await refused.json()) as any;
    expect(body.error.code).to.equal('RUN_LIMIT_REACHED');
    expect(body.error.message).to.include(runId);

    gate.open();
    await waitFor('the first run to complete', async () => {
      const run = (await (await service.request(runUrl, { headers: { Accept: JSON_TYPE } })).json()) as any;
      return (Object.values(run)[0] as { status: string }).status === 'Completed' ? true : undefined;
    });
    expect((await start()).status).to.equal(202);
  });

  it("refuses another user's rerun of a run whose creator is at the limit, without naming the creator's active run", async () => {
    const object = await service.store.records.create('default' as TenantId, 'CollectionObject', { objectNumber: '2' }, 'test');
    const csid = await createDefinition(service, { name: 'items', supportsDocList: true, className: 'test.RecordItems' });
    const post = (client: TestService, pathname: string, headers: Record<string, string> = {}) =>
      client.request(pathname, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...headers },
        body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: [object.csid] } } }),
      });
    const finished = await post(service, `/cspace-services/batch/${csid}/invoke`, { Prefer: 'respond-async' });
    const finishedUrl = finished.headers.get('location') ?? '';
    await waitFor('the first run to complete', async () => {
      const run = (await (await service.request(finishedUrl, { headers: { Accept: JSON_TYPE } })).json()) as any;
      return run['ns2:run'].status === 'Completed' ? true : undefined;
    });
    const open = await post(service, `/cspace-services/batch/${csid}/runs`);
    expect(open.status, 'an open run stays active').to.equal(201);
    const openId = ((await open.json()) as any)['ns2:run'].id as string;

    await createRole(service, 'rerunner', { runs: 'RU', invoke: 'I' });
    const rita = actingAs(service, await createUser(service, 'rita', ['rerunner']));
    const refused = await rita.request(`${finishedUrl}/rerun`, { method: 'POST', headers: { Accept: JSON_TYPE } });
    expect(refused.status).to.equal(429);
    const body = (await refused.json()) as any;
    expect(body.error).to.include({ code: 'RUN_LIMIT_REACHED', message: "User 'admin' already has 1 active run(s). Try again once one has finished" });
    expect(JSON.stringify(body)).to.not.include(openId);

    // A schedule's firing refused by the limit records why, which whoever may read runs reads: without the run.
    const at = new Date(Date.now() + 300).toISOString();
    const scheduled = await service.request(`/cspace-services/batch/${csid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ schedule: { at, 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: [object.csid] } } } }),
    });
    expect(scheduled.status, await scheduled.clone().text()).to.equal(201);
    const location = scheduled.headers.get('location') ?? '';
    const failed = await waitFor('the firing to be refused', async () => {
      const shown = ((await (await service.request(location, { headers: { Accept: JSON_TYPE } })).json()) as any)['ns2:schedule'];
      return shown.failReason === undefined ? undefined : shown;
    });
    expect(failed.failReason).to.equal("User 'admin' already has 1 active run(s). Try again once one has finished");
  });
});
