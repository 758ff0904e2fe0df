/**
 * Schedule intervals (issue 9, part 5): what is accepted fires exactly as written, and what is refused gets a 400
 * saying why. Agenda's own reading took "1500 milliseconds" for 1500 seconds (every 25 minutes) and
 * "1 millisecond" for one second, and answered "every 1 minute" and "0 0 31 2 *" with the wrong reason. Timing is
 * checked on the times Agenda computed (the schedule's lastRunAt and nextRunAt), never on the wall clock.
 */
import { expect } from 'chai';
import { createDefinition, getJson, JSON_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

const NOCONTEXT = { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' };

describe('security: schedule intervals', () => {
  let service: TestService;
  let csid: string;

  beforeEach(async () => {
    service = await startTestService();
    csid = await createDefinition(service, { name: 'Repeated', className: 'noop', supportsNoContext: true });
  });
  afterEach(async () => {
    await service.stop();
  });

  async function schedule(every: string): Promise<{ status: number; body: any }> {
    const res = await service.request(`/cspace-services/batch/${csid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ schedule: { every, 'ns2:invocationContext': NOCONTEXT } }),
    });
    return { status: res.status, body: await res.json() };
  }

  it('refuses what would not fire as written, saying why', async () => {
    const refusals: Array<[every: string, message: string]> = [
      ['1 millisecond', "'1 millisecond' is 1 ms: a schedule fires at most once a second"],
      ['every 1 minute', "'every 1 minute': write '1 minute'"],
      ['0 0 31 2 *', "'0 0 31 2 *' never fires: February has no 31st"],
      ['1.5 hours', "'1.5 hours': an interval counts whole units"],
    ];
    for (const [every, message] of refusals) {
      const { status, body } = await schedule(every);
      expect(status, every).to.equal(400);
      expect(body.error.message, every).to.equal(message);
      expect(JSON.stringify(body.error), every).to.include('schedule/every');
    }
    expect((await getJson(service, '/cspace-services/schedules'))['ns2:abstract-common-list'].totalItems).to.equal('0');
  });

  it("fires '1500 milliseconds' every 1.5 s and '2 seconds' every 2 s, as Agenda computes the next time", async () => {
    for (const [every, ms] of [['1500 milliseconds', 1_500], ['2 seconds', 2_000]] as const) {
      const { status, body } = await schedule(every);
      expect(status, JSON.stringify(body)).to.equal(201);
      const created = body['ns2:schedule'];
      expect(created.every).to.equal(every);
      const fired = await waitFor(`'${every}' to fire once`, async () => {
        const shown = (await getJson(service, `/cspace-services/schedules/${created.id}`))['ns2:schedule'];
        return shown.lastRunAt === undefined || shown.nextRunAt === undefined ? undefined : shown;
      });
      expect(Date.parse(fired.nextRunAt) - Date.parse(fired.lastRunAt), every).to.equal(ms);
      expect(fired.failReason, every).to.equal(undefined);
      expect((await service.request(`/cspace-services/schedules/${created.id}`, { method: 'DELETE' })).status).to.equal(204);
    }
  });
});
