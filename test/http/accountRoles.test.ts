/**
 * `GET /cspace-services/accounts/{id}/accountroles`, which cspace-ui reads at login right after accountperms
 * (cspace-ui.js src/actions/account.js `readAccountRoles`, src/reducers/user.js reads
 * `data['ns2:account_role'].role[].roleName`): the caller's account and the roles it holds in the request's tenant,
 * in CollectionSpace's `account_role` shape (accounts_roles.xsd), in XML and JSON. No other account's.
 */
import { expect } from 'chai';
import { JSON_TYPE, readRoot, XML_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, addMembership, createRole, createTenant, createToken, createUser, TENANT_B } from '../security/support.js';

const AUTHZ_NS = 'http://collectionspace.org/services/authorization';
const ROOT = 'ns2:account_role';
const PATH = '/cspace-services/accounts/0/accountroles';
/** What cspace-ui (axios) sends. */
const AXIOS_ACCEPT = 'application/json, text/plain, */*';

const account = (user: string, tenant = 'default') => ({ accountId: user, screenName: user, userId: user, tenantId: tenant });
const role = (name: string, tenant = 'default', displayName = name) => ({ roleId: name, roleName: name, displayName, tenantId: tenant });

describe('HTTP accounts/{id}/accountroles (CollectionSpace)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const readAccountRoles = (client: TestService, accept: string, pathname = PATH) => readRoot(client, pathname, accept, ROOT);

  it('answers the administrator its account and TENANT_ADMINISTRATOR in XML, elements in the order of accounts_roles.xsd', async () => {
    const res = await service.request(PATH, { headers: { Accept: XML_TYPE } });
    expect(res.status).to.equal(200);
    expect(await res.text()).to.include(
      `<ns2:account_role xmlns:ns2="${AUTHZ_NS}">` +
        '<account><accountId>admin</accountId><screenName>admin</screenName><userId>admin</userId><tenantId>default</tenantId></account>' +
        '<role><roleId>TENANT_ADMINISTRATOR</roleId><roleName>TENANT_ADMINISTRATOR</roleName>' +
        '<displayName>TENANT_ADMINISTRATOR</displayName><tenantId>default</tenantId></role>' +
        '</ns2:account_role>',
    );
  });

  it('answers the same in JSON to what cspace-ui sends, and to the caller’s own account id', async () => {
    const expected = { '@xmlns:ns2': AUTHZ_NS, account: account('admin'), role: role('TENANT_ADMINISTRATOR') };
    expect(await readAccountRoles(service, AXIOS_ACCEPT)).to.deep.equal(expected);
    expect(await readAccountRoles(service, JSON_TYPE, '/cspace-services/accounts/admin/accountroles')).to.deep.equal(expected);
  });

  it('lists every role held, with its display name, in JSON and XML', async () => {
    await createRole(service, 'runner', { invoke: 'I' }, 'Job runner');
    const rex = actingAs(service, await createUser(service, 'rex', ['TENANT_READER', 'runner']));
    const expected = {
      '@xmlns:ns2': AUTHZ_NS,
      account: account('rex'),
      role: [role('TENANT_READER'), role('runner', 'default', 'Job runner')],
    };
    for (const accept of [JSON_TYPE, XML_TYPE]) {
      const answer = await readAccountRoles(rex, accept);
      expect({ ...answer, role: [answer.role].flat() }, accept).to.deep.equal(expected);
    }
  });

  it('answers the roles held in the tenant the request acts in, for a password or an API token', async () => {
    const inB = await createTenant(service);
    await createRole(inB, 'b-editor', { definitions: 'RUL' });
    const erin = await createUser(service, 'erin', ['TENANT_READER']);
    await addMembership(inB, 'erin', ['b-editor']);
    const { token } = await createToken(service, 'erin');

    expect(await readAccountRoles(actingAs(service, { token }), JSON_TYPE)).to.deep.equal({
      '@xmlns:ns2': AUTHZ_NS,
      account: account('erin'),
      role: role('TENANT_READER'),
    });
    expect(await readAccountRoles(actingAs(service, erin, TENANT_B), JSON_TYPE)).to.deep.equal({
      '@xmlns:ns2': AUTHZ_NS,
      account: account('erin', TENANT_B),
      role: role('b-editor', TENANT_B),
    });
  });

  it('answers a user without a role there with the account alone', async () => {
    const nora = actingAs(service, await createUser(service, 'nora', []));
    for (const accept of [JSON_TYPE, XML_TYPE]) {
      expect(await readAccountRoles(nora, accept), accept).to.deep.equal({ '@xmlns:ns2': AUTHZ_NS, account: account('nora') });
    }
  });

  it('refuses any other account, existing or not, the administrator’s included, alike, naming no one', async () => {
    const reader = actingAs(service, await createUser(service, 'rita', ['TENANT_READER']));
    const answers = new Set<string>();
    for (const other of ['admin', 'nobody', 'RITA', '1']) {
      const res = await reader.request(`/cspace-services/accounts/${other}/accountroles`, { headers: { Accept: JSON_TYPE } });
      expect(res.status, other).to.equal(403);
      const body = await res.text();
      expect(body, other).to.not.include('TENANT_');
      const { error } = JSON.parse(body);
      answers.add(JSON.stringify([error.code, error.message]));
    }
    expect([...answers]).to.deep.equal([JSON.stringify(['FORBIDDEN', "You are not allowed to read another account's roles"])]);
    const byAdmin = await service.request('/cspace-services/accounts/rita/accountroles', { headers: { Accept: XML_TYPE } });
    expect(byAdmin.status).to.equal(403);
  });

  it('needs credentials, and only GET', async () => {
    expect((await service.request(PATH, { auth: null })).status).to.equal(401);
    const put = await service.request(PATH, { method: 'PUT', headers: { 'Content-Type': JSON_TYPE }, body: '{}' });
    expect(put.status).to.equal(405);
    expect(put.headers.get('allow')).to.equal('GET');
  });
});
