/**
 * Many small runs at once, with the default settings: synchronous invokes that a UI sends together must all be
 * answered with their results, none with 202 because its run waited for a place. The runs are held at a gate until
 * all of them are stored, so that they queue up as they would behind a busy moment; then each must start as soon
 * as a place frees (not a few at each poll), and many at once.
 *
 * The clients wait up to a minute (`Prefer: wait=60`): that is no speed asserted, but what the old limits could not
 * meet at all (four runs every 2 s: 200 runs would take 100 s), with room to spare for a loaded machine.
 */
import { expect } from 'chai';
import { createDefinition, createObjects, getJson, invocationContextBody, JSON_TYPE } from '../support/api.js';
import { RunGate } from '../support/runGate.js';
import { startRunFixtureService } from '../support/runFixtureService.js';
import type { TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

/** Above the runs one process takes up at once (`MAX_CONCURRENT_RUNS`, 64), as the figure is. */
const INVOKES = 200;

describe('many small runs at once', () => {
  let service: TestService;
  let gate: RunGate;
  let stop: () => Promise<void>;

  beforeEach(async () => {
    ({ service, gate, stop } = await startRunFixtureService());
  });
  afterEach(() => stop());

  it(`answers ${INVOKES} simultaneous one-record synchronous invokes all with 200, none with 202`, async function () {
    this.timeout(180_000);
    const csid = await createDefinition(service, {
      name: 'gated',
      forDocTypes: { forDocType: ['CollectionObject'] },
      supportsDocList: true,
      className: 'test.GatedItems',
    });
    const records = await createObjects(service, INVOKES);
    const answers = records.map(async (record) => {
      const res = await service.request(`/cspace-services/batch/${csid}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'wait=60' },
        body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: [record] }),
      });
      return { status: res.status, body: await res.text() };
    });
    await waitFor(
      'every run stored',
      async () => ((await getJson(service, `/cspace-services/runs?definition=${csid}&pgSz=1`))['ns2:abstract-common-list'].totalItems === String(INVOKES) ? true : undefined),
      { timeoutMs: 60_000 },
    );
    gate.open();

    const settled = await Promise.all(answers);
    const statuses = settled.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 200), settled.find((answer) => answer.status !== 200)?.body).to.deep.equal([]);
    for (const { body } of settled) expect(JSON.parse(body)['ns2:invocationResults'].userNote).to.equal('1 record(s) processed, 1 affected, 0 failed');
  });
});
