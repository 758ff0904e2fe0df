/**
 * The Agenda dashboard shows and changes every tenant's jobs, so only administrators of the default tenant may
 * open it: a tenant's own administrator (issue 9, part 1) gets 403 on its page and on every call of its API, and
 * changes nothing. Looking needs `admin` R, changing jobs `admin` U.
 */
import { expect } from 'chai';
import { JSON_TYPE } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createUser, TENANT_B } from './support.js';

const DASHBOARD = '/cspace-services/agendash';

/** The dashboard's own calls: its page, its reads, and the calls that create, requeue and delete jobs. */
const CALLS: Array<[method: string, pathname: string, body?: unknown]> = [
  ['GET', `${DASHBOARD}/`],
  ['GET', `${DASHBOARD}/api?job=invocables:schedule`],
  ['GET', `${DASHBOARD}/api/stats`],
  ['POST', `${DASHBOARD}/api/jobs/create`, { jobName: 'invocables:schedule', jobData: { scheduleId: 'x', tenant: 'default' } }],
  ['POST', `${DASHBOARD}/api/jobs/requeue`, { jobIds: [] }],
  ['POST', `${DASHBOARD}/api/jobs/delete`, { jobIds: ['000000000000000000000000'] }],
  ['DELETE', `${DASHBOARD}/api/jobs/delete`],
];

function call(client: TestService, [method, pathname, body]: (typeof CALLS)[number]): Promise<Response> {
  return client.request(pathname, {
    method,
    headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function scheduleJobs(service: TestService): Promise<number> {
  const res = await service.request(`${DASHBOARD}/api?job=invocables:schedule`, { headers: { Accept: JSON_TYPE } });
  expect(res.status).to.equal(200);
  return ((await res.json()) as { total: number }).total;
}

describe('security: the Agenda dashboard', () => {
  let service: TestService;

  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it("refuses a tenant's own administrator with 403 on every call, and lets the default tenant's administrators in", async () => {
    const inB = await createTenant(service);
    const bea = actingAs(service, await createUser(inB, 'bea', ['TENANT_ADMINISTRATOR']));
    // The service administrator too, when acting as an administrator of tenant B only.
    const adminInB = actingAs(service, TEST_ADMIN, TENANT_B);
    for (const client of [bea, adminInB]) {
      for (const attempt of CALLS) {
        const res = await call(client, attempt);
        const text = await res.text();
        expect(res.status, `${attempt[0]} ${attempt[1]}: ${text}`).to.equal(403);
        expect(text).to.include('FORBIDDEN').and.not.include('"jobs"');
      }
    }
    expect(await scheduleJobs(service), 'no job was created').to.equal(0);

    // Administrators of the default tenant: looking needs admin R, changing jobs admin U.
    for (const attempt of CALLS.slice(0, 5)) {
      const res = await call(service, attempt);
      expect(res.status, `${attempt[0]} ${attempt[1]}: ${await res.clone().text()}`).to.equal(200);
    }
    await createRole(service, 'watcher', { admin: 'RL' });
    const watcher = actingAs(service, await createUser(service, 'walt', ['watcher']));
    expect((await call(watcher, CALLS[1]!)).status, 'reading with admin R').to.equal(200);
    expect((await call(watcher, CALLS[4]!)).status, 'requeueing without admin U').to.equal(403);
    await createRole(service, 'runner', { invoke: 'I', runs: 'RL' });
    const runner = actingAs(service, await createUser(service, 'rita', ['runner']));
    expect((await call(runner, CALLS[1]!)).status, 'reading without admin').to.equal(403);
  });
});
