/**
 * `GET /cspace-services/accounts/0/accountperms`, which cspace-ui reads right after login to learn the user's
 * username, tenant and rights (cspace-ui.js src/actions/login.js, src/helpers/permissionHelpers.js): the caller's
 * account and every permission of their roles in the request's tenant, under CollectionSpace's resource names,
 * in XML and JSON (CollectionSpace's xmljson test data `accountperms.xml`/`.json`). No other account's.
 */
import { expect } from 'chai';
import { parseXml } from '../../src/codec/index.js';
import { JSON_TYPE, readRoot, XML_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, addMembership, createRole, createTenant, createToken, createUser, TENANT_B } from '../security/support.js';

const AUTHZ_NS = 'http://collectionspace.org/services/authorization';
const ROOT = 'ns2:account_permission';
const PATH = '/cspace-services/accounts/0/accountperms';
/** What cspace-ui (axios) sends. */
const AXIOS_ACCEPT = 'application/json, text/plain, */*';

const account = (user: string, tenant = 'default') => ({ accountId: user, screenName: user, userId: user, tenantId: tenant });
const permission = (tenant: string, resourceName: string, actionGroup: string) => ({
  permissionId: `${tenant}-${resourceName.replaceAll('/', '_')}-${actionGroup}`,
  resourceName,
  actionGroup,
});
const RECORD_SERVICES = ['collectionobjects', 'movements', 'groups', 'loansout'];

/** The rights of one set of letters on every resource, as the answer lists them (in its order). */
function everyResource(tenant: string, letters: { data: string; invoke: string; transition: { delete: string; undelete: string } }) {
  const withWorkflow = (service: string) => [
    permission(tenant, service, letters.data),
    permission(tenant, `/${service}/*/workflow/delete`, letters.transition.delete),
    permission(tenant, `/${service}/*/workflow/undelete`, letters.transition.undelete),
  ];
  return [
    ...withWorkflow('batch'),
    permission(tenant, 'batch/invoke', letters.invoke),
    ...RECORD_SERVICES.flatMap(withWorkflow),
    permission(tenant, 'relations', letters.data),
    permission(tenant, 'runs', letters.data),
  ];
}

describe('HTTP accounts/0/accountperms (CollectionSpace)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const readAccountPerms = (client: TestService, accept: string, pathname = PATH) => readRoot(client, pathname, accept, ROOT);

  describe('the administrator (TENANT_ADMINISTRATOR)', () => {
    const adminRights = [
      ...everyResource('default', { data: 'CRUDLI', invoke: 'CRL', transition: { delete: 'RU', undelete: 'RU' } }),
      permission('default', 'admin', 'CRUDLI'),
    ];

    it('answers its account and every right in JSON, as cspace-ui reads it (tenantId, userId, permission list)', async () => {
      const answer = await readAccountPerms(service, AXIOS_ACCEPT);
      expect(answer).to.deep.equal({ '@xmlns:ns2': AUTHZ_NS, account: account('admin'), permission: adminRights });
    });

    it('answers the same in XML, elements in the order of accounts_permissions.xsd', async () => {
      const res = await service.request(PATH, { headers: { Accept: XML_TYPE } });
      const xml = await res.text();
      expect(xml).to.include(
        `<ns2:account_permission xmlns:ns2="${AUTHZ_NS}">` +
          '<account><accountId>admin</accountId><screenName>admin</screenName><userId>admin</userId><tenantId>default</tenantId></account>' +
          '<permission><permissionId>default-batch-CRUDLI</permissionId><resourceName>batch</resourceName><actionGroup>CRUDLI</actionGroup></permission>',
      );
      expect(xml).to.include(
        '<permission><permissionId>default-_batch_*_workflow_delete-RU</permissionId><resourceName>/batch/*/workflow/delete</resourceName><actionGroup>RU</actionGroup></permission>',
      );
      expect(parseXml(xml)[ROOT]).to.deep.equal({ '@xmlns:ns2': AUTHZ_NS, account: account('admin'), permission: adminRights });
    });

    it('answers the same to its own account id (its username), as CollectionSpace answers its csid', async () => {
      expect(await readAccountPerms(service, JSON_TYPE, '/cspace-services/accounts/admin/accountperms')).to.deep.equal(
        await readAccountPerms(service, JSON_TYPE),
      );
    });
  });

  describe('a reader (TENANT_READER)', () => {
    it('has R and L on every service and on batch/invoke, only R on transitions (nothing to create, change or run), in JSON and XML', async () => {
      const reader = actingAs(service, await createUser(service, 'rita', ['TENANT_READER']));
      const expected = {
        '@xmlns:ns2': AUTHZ_NS,
        account: account('rita'),
        permission: everyResource('default', { data: 'RL', invoke: 'RL', transition: { delete: 'R', undelete: 'R' } }),
      };
      for (const accept of [JSON_TYPE, XML_TYPE]) {
        expect(await readAccountPerms(reader, accept), accept).to.deep.equal(expected);
      }
    });

    it('is refused any other account, existing or not, the administrator’s included, alike', async () => {
      const reader = actingAs(service, await createUser(service, 'rita', ['TENANT_READER']));
      const answers = [];
      for (const other of ['admin', 'nobody', 'RITA', '1']) {
        const res = await reader.request(`/cspace-services/accounts/${other}/accountperms`, { headers: { Accept: JSON_TYPE } });
        expect(res.status, other).to.equal(403);
        const { error } = (await res.json()) as any;
        answers.push([error.code, error.message]);
      }
      expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).to.equal(1);
      expect(answers[0]).to.deep.equal(['FORBIDDEN', "You are not allowed to read another account's permissions"]);
    });
  });

  describe('any caller', () => {
    it('lets even the administrator read only its own account', async () => {
      await createUser(service, 'rita', ['TENANT_READER']);
      const res = await service.request('/cspace-services/accounts/rita/accountperms', { headers: { Accept: XML_TYPE } });
      expect(res.status).to.equal(403);
      expect(await res.text()).to.not.include('rita');
    });

    it('lists a custom role’s rights by what they guard here, leaving out names that guard nothing', async () => {
      await createRole(service, 'runner', { invoke: 'I', definitions: 'L', collectionobjects: 'CRUDL', batch: 'CRUDL' });
      const runner = actingAs(service, await createUser(service, 'rex', ['runner']));
      const answer = await readAccountPerms(runner, JSON_TYPE);
      expect(answer.permission).to.deep.equal([
        permission('default', 'batch', 'L'),
        permission('default', 'batch/invoke', 'C'),
        permission('default', 'batch/invoke', 'L'),
      ]);
    });

    it('answers an API token’s user, and the tenant named by X-Tenant-Id with the roles held there', async () => {
      const inB = await createTenant(service);
      await createRole(inB, 'b-editor', { definitions: 'RUL' });
      const erin = await createUser(service, 'erin', ['TENANT_READER']);
      await addMembership(inB, 'erin', ['b-editor']);
      const { token } = await createToken(service, 'erin');

      const inDefault = await readAccountPerms(actingAs(service, { token }), JSON_TYPE);
      expect(inDefault.account).to.deep.equal(account('erin'));
      expect(inDefault.permission[0]).to.deep.equal(permission('default', 'batch', 'RL'));

      // A token acts in its own tenant only; the password reaches the user's other tenants.
      const inTenantB = await readAccountPerms(actingAs(service, erin, TENANT_B), JSON_TYPE);
      expect(inTenantB).to.deep.equal({
        '@xmlns:ns2': AUTHZ_NS,
        account: account('erin', TENANT_B),
        permission: [
          permission(TENANT_B, 'batch', 'RUL'),
          permission(TENANT_B, '/batch/*/workflow/delete', 'R'),
          permission(TENANT_B, '/batch/*/workflow/undelete', 'RU'),
          permission(TENANT_B, 'batch/invoke', 'RL'),
        ],
      });
    });

    it('answers a user without a role there with the account and no permission, as CollectionSpace leaves it out', async () => {
      const nobody = actingAs(service, await createUser(service, 'nora', []));
      for (const accept of [JSON_TYPE, XML_TYPE]) {
        expect(await readAccountPerms(nobody, accept), accept).to.deep.equal({ '@xmlns:ns2': AUTHZ_NS, account: account('nora') });
      }
    });

    it('needs credentials, and only GET', async () => {
      expect((await service.request(PATH, { auth: null })).status).to.equal(401);
      const put = await service.request(PATH, { method: 'PUT', headers: { 'Content-Type': JSON_TYPE }, body: '{}' });
      expect(put.status).to.equal(405);
      expect(put.headers.get('allow')).to.equal('GET');
    });
  });
});
