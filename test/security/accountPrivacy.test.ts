/**
 * What a tenant's administrator learns about accounts: usernames are global, but a user of another tenant is
 * answered exactly as an unknown username on every admin route that takes one, unless the administrator can
 * already see that user; and a member whose account lives elsewhere is shown by username and roles only.
 */
import { expect } from 'chai';
import { JSON_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createToken, createUser, listItems, TENANT_B } from './support.js';

const TENANT_C = 'museum-c';
/** Fields of an account that only its own tenant's administrators see. */
const ACCOUNT_FIELDS = ['disabled', 'defaultTenant', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy'];

/** Status and JSON body, with the per-request id and every occurrence of `name` taken out. */
async function answerAbout(res: Response, name: string): Promise<{ status: number; body: string }> {
  const text = (await res.text()).replaceAll(name, 'NAME');
  const body = JSON.parse(text) as { error?: { requestId?: string } };
  delete body.error?.requestId;
  return { status: res.status, body: JSON.stringify(body) };
}

describe('security: account privacy between tenants', () => {
  let service: TestService;
  let inB: TestService;

  beforeEach(async () => {
    service = await startTestService();
    inB = await createTenant(service);
  });
  afterEach(async () => {
    await service.stop();
  });

  /** Bea administers tenant B only (her default tenant). */
  async function tenantAdminOfB(): Promise<TestService> {
    const bea = await createUser(inB, 'bea', ['TENANT_ADMINISTRATOR']);
    return actingAs(service, bea, TENANT_B);
  }

  it('answers a tenant administrator about a user of another tenant exactly as about an unknown username, on every admin route', async () => {
    await createRole(service, 'reader', { definitions: 'RL' });
    const erin = await createUser(service, 'erin', ['reader']);
    await createRole(inB, 'b-viewer', { definitions: 'RL' });
    const bea = await tenantAdminOfB();
    const json = (method: string, body?: unknown) => ({
      method,
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const routes: Array<[string, (name: string) => [string, RequestInit]]> = [
      ['PUT membership', (name) => [`/cspace-services/admin/users/${name}/membership`, json('PUT', { roles: { role: ['b-viewer'] } })]],
      ['GET user', (name) => [`/cspace-services/admin/users/${name}`, json('GET')]],
      ['PUT password', (name) => [`/cspace-services/admin/users/${name}/password`, json('PUT', { password: 'taken-over-now' })]],
      ['POST disable', (name) => [`/cspace-services/admin/users/${name}/disable`, json('POST')]],
      ['POST enable', (name) => [`/cspace-services/admin/users/${name}/enable`, json('POST')]],
      ['PUT roles', (name) => [`/cspace-services/admin/users/${name}/roles`, json('PUT', { roles: { role: ['b-viewer'] } })]],
      ['DELETE membership', (name) => [`/cspace-services/admin/users/${name}/membership`, json('DELETE')]],
      ['GET tokens', (name) => [`/cspace-services/admin/tokens?username=${name}`, json('GET')]],
      ['POST token', (name) => ['/cspace-services/admin/tokens', json('POST', { token: { label: 'probe', username: name } })]],
    ];
    for (const [label, request] of routes) {
      const existing = await answerAbout(await bea.request(...request('erin')), 'erin');
      const unknown = await answerAbout(await bea.request(...request('nobody-here')), 'nobody-here');
      expect(existing, label).to.deep.equal(unknown);
      for (const field of ACCOUNT_FIELDS) expect(existing.body, `${label} shows ${field}`).to.not.include(`"${field}":`);
    }
    // Nothing was added or changed: erin is no member of B and still signs in with her password.
    expect((await actingAs(service, erin, TENANT_B).request('/cspace-services/batch')).status).to.equal(403);
    expect((await listItems(inB, '/cspace-services/admin/users')).map((item) => item.username)).to.not.include('erin');
    expect((await actingAs(service, erin).request('/cspace-services/batch')).status).to.equal(200);
  });

  it('lets an administrator add a user they can already see, and shows that member by username and roles only', async () => {
    await createRole(inB, 'b-viewer', { definitions: 'RL' });
    const bea = await tenantAdminOfB();
    // Bea also administers tenant C, where cy is at home; erin is at home in the default tenant.
    const inC = await createTenant(service, TENANT_C);
    await createRole(inC, 'c-reader', { definitions: 'RL' });
    await createUser(inC, 'cy', ['c-reader']);
    const membership = (client: TestService, name: string, role = 'b-viewer') =>
      client.request(`/cspace-services/admin/users/${name}/membership`, {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
        body: JSON.stringify({ roles: { role: [role] } }),
      });
    // The system tenant's administrator sees every user, so may make bea an administrator of C.
    expect((await membership(inC, 'bea', 'TENANT_ADMINISTRATOR')).status).to.equal(200);
    await createUser(service, 'erin', []);

    expect((await membership(bea, 'erin')).status).to.equal(404);
    // A token acts in its own tenant only, so through it bea cannot see C's users either.
    const token = await createToken(inB, 'bea');
    expect((await membership(actingAs(service, { token: token.token }), 'cy')).status).to.equal(404);

    const added = await membership(bea, 'cy');
    expect(added.status, await added.clone().text()).to.equal(200);
    expect(((await added.json()) as any).user).to.deep.equal({ username: 'cy', roles: { role: 'b-viewer' } });
    const read = await bea.request('/cspace-services/admin/users/cy', { headers: { Accept: JSON_TYPE } });
    expect(((await read.json()) as any).user).to.deep.equal({ username: 'cy', roles: { role: 'b-viewer' } });
    const listed = (await listItems(bea, '/cspace-services/admin/users')).find((item) => item.username === 'cy');
    expect(listed).to.deep.equal({ username: 'cy', roles: 'b-viewer' });
    // At home, cy's account is shown whole.
    const home = await inC.request('/cspace-services/admin/users/cy', { headers: { Accept: JSON_TYPE } });
    expect(((await home.json()) as any).user).to.include.keys(ACCOUNT_FIELDS);

    // The system tenant's administrator adds erin to B as well.
    const byAdmin = await membership(inB, 'erin');
    expect(byAdmin.status).to.equal(200);
    expect(((await byAdmin.json()) as any).user).to.deep.equal({ username: 'erin', roles: { role: 'b-viewer' } });
  });
});
