import { expect } from 'chai';
import { JSON_TYPE } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createToken, createUser, TENANT_B } from './support.js';

const CONTEXT = { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' };

describe('security: multi-tenant invocation (seed 003)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
    await createTenant(service);
  });
  afterEach(async () => {
    await service.stop();
  });

  async function post(client: TestService, tenants: string[], className = 'noop') {
    const res = await client.request('/cspace-services/batch-multitenant/invoke', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ multitenantInvocation: { className, tenants: { tenant: tenants }, 'ns2:invocationContext': CONTEXT } }),
    });
    const body = ((await res.json()) as any).multitenantInvocationResults;
    return { status: res.status, body };
  }
  const posted = (body: any) => [body?.postedSuccess?.posted ?? []].flat() as Array<{ tenant: string; runId: string }>;
  const problems = (body: any) => [body?.postedProblems?.problem ?? []].flat() as Array<{ tenant: string; message: string }>;

  it('starts a run in every listed tenant: 200 with the run of each', async () => {
    const { status, body } = await post(service, ['default', TENANT_B]);
    expect(status).to.equal(200);
    expect(posted(body).map((p) => p.tenant)).to.deep.equal(['default', TENANT_B]);
    for (const { tenant, runId } of posted(body)) {
      const run = await actingAs(service, TEST_ADMIN, tenant).request(`/cspace-services/runs/${runId}`);
      expect(run.status, tenant).to.equal(200);
    }
    // Each run lives in its own tenant only.
    const [first] = posted(body);
    expect((await actingAs(service, TEST_ADMIN, TENANT_B).request(`/cspace-services/runs/${first?.runId}`)).status).to.equal(404);
  });

  it("keeps each tenant's runs and items to itself: 404 for another tenant, never listed", async () => {
    const { body } = await post(service, ['default']);
    const runId = posted(body)[0]?.runId;
    const other = actingAs(service, TEST_ADMIN, TENANT_B);
    for (const pathname of [`/cspace-services/runs/${runId}`, `/cspace-services/runs/${runId}/items`]) {
      expect((await other.request(pathname)).status, pathname).to.equal(404);
    }
    expect((await other.request(`/cspace-services/runs/${runId}/cancel`, { method: 'POST' })).status).to.equal(404);
    const list = (await (await other.request('/cspace-services/runs', { headers: { Accept: JSON_TYPE } })).json()) as any;
    expect(JSON.stringify(list)).not.to.include(runId);
    expect((await service.request(`/cspace-services/runs/${runId}/items`)).status).to.equal(200);
  });

  it('answers 207 with the problems of the tenants that could not run it, and runs the others', async () => {
    const { status, body } = await post(service, ['default', 'nowhere']);
    expect(status).to.equal(207);
    expect(posted(body).map((p) => p.tenant)).to.deep.equal(['default']);
    expect(problems(body)).to.deep.equal([{ tenant: 'nowhere', message: 'Unable to find tenant by identifier: nowhere.' }]);
  });

  it('never reaches a tenant the user is not a member of, nor one outside a token', async () => {
    await createRole(service, 'runner', { invoke: 'I', definitions: 'RL' });
    const user = await createUser(service, 'rita', ['runner']);
    const rita = await post(actingAs(service, user), ['default', TENANT_B]);
    expect(rita.status).to.equal(207);
    expect(problems(rita.body)).to.deep.equal([{ tenant: TENANT_B, message: `Unable to find tenant by identifier: ${TENANT_B}.` }]);

    const token = await createToken(service, TEST_ADMIN.username);
    const viaToken = await post(actingAs(service, { token: token.token }), ['default', TENANT_B]);
    expect(viaToken.status).to.equal(207);
    expect(problems(viaToken.body).map((p) => p.tenant)).to.deep.equal([TENANT_B]);
  });

  it('reports a tenant without that job, and refuses a tenant listed twice', async () => {
    const missing = await post(service, ['default'], 'com.example.Nothing');
    expect(missing.status).to.equal(207);
    expect(problems(missing.body)[0]?.message).to.include("No batch job with className 'com.example.Nothing'");
    const twice = await post(service, ['default', 'default']);
    expect(twice.status).to.equal(400);
  });
});
