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
});
