/**
 * No Agenda job carries authority in its data (issue 9, part 1). Jobs are written here the way an attacker with the
 * dashboard would (through Agendash's own API, as the service administrator who alone may open it): a schedule job
 * whose data names tenant `default` and user `admin`, a copy of a real schedule's job, run jobs naming another
 * tenant or a slot that does not exist. Each is refused: a warning names the job, the job is removed, and nothing
 * runs; the real schedule keeps firing through its own job only.
 */
import { expect } from 'chai';
import { createDefinition, getJson, invoke, JSON_TYPE } from '../support/api.js';
import { capturedLogs, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { createTenant, TENANT_B } from './support.js';

const DASHBOARD = '/cspace-services/agendash';
const REFUSED = 'Agenda job refused: it names nothing stored that it may act on';
const NOCONTEXT = { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' };

describe('security: Agenda jobs carry no authority in their data', () => {
  let service: TestService;
  let logs: ReturnType<typeof capturedLogs>;

  beforeEach(async () => {
    logs = capturedLogs('warn');
    service = await startTestService({}, logs.logger);
  });
  afterEach(async () => {
    await service.stop();
  });

  /** Saves a job due now through the dashboard, as Agendash's "create job" does. */
  async function createJob(jobName: string, jobData: unknown): Promise<void> {
    const res = await service.request(`${DASHBOARD}/api/jobs/create`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ jobName, jobData }),
    });
    expect(res.status, await res.clone().text()).to.equal(200);
  }

  async function jobsNamed(name: string): Promise<Array<{ _id: string; data: any; nextRunAt?: string }>> {
    const body = await getJson(service, `${DASHBOARD}/api?job=${encodeURIComponent(name)}`);
    return body.jobs.map((entry: { job: any }) => entry.job);
  }

  /** The refusals logged for jobs named `name`, once there are `count`. */
  const refusals = (name: string, count: number) =>
    waitFor(`${count} refusal(s) of ${name} jobs`, async () => {
      const found = logs.lines().filter((line) => line.msg === REFUSED && line.name === name);
      return found.length >= count ? found : undefined;
    });

  async function runCount(client: TestService): Promise<number> {
    return Number((await getJson(client, '/cspace-services/runs'))['ns2:abstract-common-list'].totalItems);
  }

  it("refuses a schedule job whose data names tenant default and user admin: no run, the job removed", async () => {
    const csid = await createDefinition(service, { name: 'Forged', className: 'noop', supportsNoContext: true });
    // The job data of a schedule as this service wrote it before schedules were stored.
    await createJob('invocables:schedule', {
      scheduleId: 'forged',
      tenant: 'default',
      definitionCsid: csid,
      definitionName: 'Forged',
      createdBy: 'admin',
      createdAt: new Date().toISOString(),
      context: { mode: 'nocontext', listCSIDs: [], params: [] },
    });
    const [refusal] = await refusals('invocables:schedule', 1);
    expect(refusal?.job).to.be.a('string').and.not.equal('undefined');
    expect(refusal?.level, 'a warning').to.equal(40);
    expect(await runCount(service), 'runs in default').to.equal(0);
    expect(await jobsNamed('invocables:schedule'), 'the job is removed').to.deep.equal([]);
  });

  it("refuses jobs that name a real schedule with another tenant, another user, or as a second job", async () => {
    const inB = await createTenant(service);
    const csid = await createDefinition(inB, { name: 'B job', className: 'noop', supportsNoContext: true });
    const created = await inB.request(`/cspace-services/batch/${csid}/schedules`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ schedule: { every: '10 minutes', 'ns2:invocationContext': NOCONTEXT } }),
    });
    expect(created.status, await created.clone().text()).to.equal(201);
    const scheduleId = ((await created.json()) as any)['ns2:schedule'].id as string;
    const [own] = await jobsNamed('invocables:schedule');
    expect(own?.data, 'the job only names the schedule').to.deep.equal({ scheduleId, tenant: TENANT_B });

    await createJob('invocables:schedule', { scheduleId, tenant: 'default' });
    await createJob('invocables:schedule', {
      scheduleId,
      tenant: TENANT_B,
      definitionCsid: csid,
      createdBy: 'admin',
      context: { mode: 'nocontext', listCSIDs: [], params: [] },
    });
    // What Agendash's "requeue" makes of the schedule's own job: a second job with the same data.
    await createJob('invocables:schedule', { scheduleId, tenant: TENANT_B });
    await refusals('invocables:schedule', 3);

    expect(await runCount(inB), 'runs in B').to.equal(0);
    expect(await runCount(service), 'runs in default').to.equal(0);
    const left = await jobsNamed('invocables:schedule');
    expect(left.map((job) => job._id), 'only the schedule\'s own job is left').to.deep.equal([own?._id]);
    const schedule = (await getJson(inB, `/cspace-services/schedules/${scheduleId}`))['ns2:schedule'];
    expect(schedule.nextRunAt, 'the schedule still fires on time').to.equal(own?.nextRunAt);
    expect(schedule).to.not.have.property('failReason');
  });

  it('refuses run jobs naming a run under another tenant, a slot out of range, or anything more', async () => {
    const csid = await createDefinition(service, { name: 'Runs', className: 'noop', supportsNoContext: true });
    expect((await invoke(service, csid, { mode: 'nocontext' })).status).to.equal(200);
    const runId = (await getJson(service, '/cspace-services/runs'))['ns2:abstract-common-list']['list-item'].id as string;
    await createJob('invocables:run-slot', { tenant: TENANT_B, runId, slot: 1 });
    await createJob('invocables:run-slot', { tenant: 'default', runId, slot: 0 });
    await createJob('invocables:run', { tenant: 'default', runId, slot: 7 });
    await createJob('invocables:run', { tenant: 'default', runId, slot: 0, createdBy: 'mallory' });
    const slotRefusals = await refusals('invocables:run-slot', 2);
    const runRefusals = await refusals('invocables:run', 2);
    expect(new Set([...slotRefusals, ...runRefusals].map((line) => line.job)).size, 'each job named').to.equal(4);
    expect(await jobsNamed('invocables:run-slot')).to.deep.equal([]);
    expect(await jobsNamed('invocables:run')).to.deep.equal([]);
    const run = (await getJson(service, `/cspace-services/runs/${runId}`))['ns2:run'];
    expect(run).to.include({ status: 'Completed', createdBy: 'admin' });
  });
});
