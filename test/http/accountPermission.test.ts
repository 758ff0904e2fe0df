/**
 * The `account_permission` part CollectionSpace adds to every single document it reads
 * (`RemoteDocumentModelHandlerImpl.addAccountPermissionsPart`): the caller's account and their permissions on the
 * document's service, from their roles in the request's tenant, in XML and in JSON. Answers to other requests carry
 * none, and a client sending the part back is not refused.
 */
import { expect } from 'chai';
import { parseXml } from '../../src/codec/index.js';
import { definitionFor, JSON_TYPE, readRoot, XML_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, addMembership, createRole, createTenant, createUser, TENANT_B } from '../security/support.js';

const AUTHZ_NS = 'http://collectionspace.org/services/authorization';
const PART = 'ns2:account_permission';
const OBJECT_NS = 'http://collectionspace.org/services/collectionobject';

const account = (user: string, tenant = 'default') => ({ accountId: user, screenName: user, userId: user, tenantId: tenant });
const permission = (tenant: string, resourceName: string, actionGroup: string) => ({
  permissionId: `${tenant}-${resourceName}-${actionGroup}`,
  resourceName,
  actionGroup,
});

describe('HTTP account_permission part (CollectionSpace)', () => {
  let service: TestService;
  let jobCsid: string;
  beforeEach(async () => {
    service = await startTestService();
    jobCsid = await definitionFor(service, 'noop');
  });
  afterEach(async () => {
    await service.stop();
  });

  const readDocument = (client: TestService, pathname: string, accept = JSON_TYPE) => readRoot(client, pathname, accept, 'document');

  async function createObject(): Promise<string> {
    const res = await service.request('/cspace-services/collectionobjects', {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE },
      body: `<document name="collectionobjects"><ns2:collectionobjects_common xmlns:ns2="${OBJECT_NS}"><objectNumber>2026.1</objectNumber></ns2:collectionobjects_common></document>`,
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    return (res.headers.get('location') ?? '').split('/').pop() as string;
  }

  describe('the administrator (TENANT_ADMINISTRATOR)', () => {
    it('reads a batch job in XML with its account and every letter on batch, as the last part', async () => {
      const res = await service.request(`/cspace-services/batch/${jobCsid}`);
      const xml = await res.text();
      // Elements in the order of accounts_permissions.xsd and authorization_common.xsd (xs:sequence).
      expect(xml).to.include(
        `<ns2:account_permission xmlns:ns2="${AUTHZ_NS}">` +
          '<account><accountId>admin</accountId><screenName>admin</screenName><userId>admin</userId><tenantId>default</tenantId></account>' +
          '<permission><permissionId>default-batch-CRUDLI</permissionId><resourceName>batch</resourceName><actionGroup>CRUDLI</actionGroup></permission>' +
          '</ns2:account_permission></document>',
      );
      const document = parseXml(xml)['document'] as Record<string, unknown>;
      expect(Object.keys(document).filter((key) => !key.startsWith('@'))).to.deep.equal([
        'ns2:batch_common',
        'ns2:collectionspace_core',
        PART,
      ]);
      expect(document[PART]).to.deep.equal({
        '@xmlns:ns2': AUTHZ_NS,
        account: account('admin'),
        permission: permission('default', 'batch', 'CRUDLI'),
      });
    });

    it('reads a batch job in JSON with the same part, mapped as CollectionSpace maps it', async () => {
      const document = await readDocument(service, `/cspace-services/batch/${jobCsid}`);
      expect(document[PART]).to.deep.equal({
        '@xmlns:ns2': AUTHZ_NS,
        account: account('admin'),
        permission: permission('default', 'batch', 'CRUDLI'),
      });
    });

    it('reads a record of a record service with its permissions on that service', async () => {
      const csid = await createObject();
      for (const accept of [JSON_TYPE, XML_TYPE]) {
        const document = await readDocument(service, `/cspace-services/collectionobjects/${csid}`, accept);
        expect(document[PART], accept).to.deep.equal({
          '@xmlns:ns2': AUTHZ_NS,
          account: account('admin'),
          permission: permission('default', 'collectionobjects', 'CRUDLI'),
        });
      }
    });
  });

  describe('a reader (TENANT_READER)', () => {
    it('reads a batch job and a record with RL on each service, in XML and JSON', async () => {
      const reader = actingAs(service, await createUser(service, 'rita', ['TENANT_READER']));
      const objectCsid = await createObject();
      for (const accept of [JSON_TYPE, XML_TYPE]) {
        const job = await readDocument(reader, `/cspace-services/batch/${jobCsid}`, accept);
        expect(job[PART], accept).to.deep.equal({ '@xmlns:ns2': AUTHZ_NS, account: account('rita'), permission: permission('default', 'batch', 'RL') });
        const object = await readDocument(reader, `/cspace-services/collectionobjects/${objectCsid}`, accept);
        expect(object[PART].permission, accept).to.deep.equal(permission('default', 'collectionobjects', 'RL'));
      }
    });
  });

  describe('a custom role', () => {
    it('lists each role’s permission on the service, leaving out those on other resources', async () => {
      await createRole(service, 'registrar', { definitions: 'CRUDL', records: 'CRUL', invoke: 'I', batch: 'CRUDL' }, 'Registrar');
      const registrar = actingAs(service, await createUser(service, 'reg', ['registrar', 'TENANT_READER']));
      const objectCsid = await createObject();
      for (const accept of [JSON_TYPE, XML_TYPE]) {
        const job = await readDocument(registrar, `/cspace-services/batch/${jobCsid}`, accept);
        expect(job[PART].account, accept).to.deep.equal(account('reg'));
        expect(job[PART].permission, accept).to.have.deep.members([permission('default', 'batch', 'CRUDL'), permission('default', 'batch', 'RL')]);
        const object = await readDocument(registrar, `/cspace-services/collectionobjects/${objectCsid}`, accept);
        expect(object[PART].permission, accept).to.have.deep.members([
          permission('default', 'collectionobjects', 'CRUL'),
          permission('default', 'collectionobjects', 'RL'),
        ]);
      }
    });

    it('shows the permission of the roles the caller holds at the read after they change', async () => {
      const una = actingAs(service, await createUser(service, 'una', ['TENANT_READER']));
      expect((await readDocument(una, `/cspace-services/batch/${jobCsid}`))[PART].permission).to.deep.equal(permission('default', 'batch', 'RL'));
      await createRole(service, 'batch-editor', { definitions: 'CRUDL' });
      const roles = await service.request('/cspace-services/admin/users/una/roles', {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE },
        body: JSON.stringify({ roles: { role: ['batch-editor'] } }),
      });
      expect(roles.status, await roles.clone().text()).to.equal(200);
      expect((await readDocument(una, `/cspace-services/batch/${jobCsid}`))[PART].permission).to.deep.equal(permission('default', 'batch', 'CRUDL'));
    });

    it('describes the tenant the request acts in, with the roles held there only', async () => {
      const inB = await createTenant(service);
      await createRole(inB, 'b-editor', { definitions: 'RUL' });
      const erin = await createUser(service, 'erin', ['TENANT_READER']);
      await addMembership(inB, 'erin', ['b-editor']);
      const jobInB = await definitionFor(inB, 'noop');
      const inTenantB = await readDocument(actingAs(service, erin, TENANT_B), `/cspace-services/batch/${jobInB}`);
      expect(inTenantB[PART]).to.deep.equal({
        '@xmlns:ns2': AUTHZ_NS,
        account: account('erin', TENANT_B),
        permission: permission(TENANT_B, 'batch', 'RUL'),
      });
      const inDefault = await readDocument(actingAs(service, erin), `/cspace-services/batch/${jobCsid}`);
      expect(inDefault[PART].permission).to.deep.equal(permission('default', 'batch', 'RL'));
    });
  });

  describe('other answers, and the part sent back', () => {
    it('is in no list, workflow document, PUT answer or /records document', async () => {
      const objectCsid = await createObject();
      const list = await (await service.request('/cspace-services/batch', { headers: { Accept: JSON_TYPE } })).text();
      expect(list).to.not.include('account_permission');
      const workflow = await (await service.request(`/cspace-services/batch/${jobCsid}/workflow`)).text();
      expect(workflow).to.not.include('account_permission');
      const record = await readDocument(service, `/cspace-services/records/CollectionObject/${objectCsid}`);
      expect(record).to.not.have.property(PART);
    });

    it('lets a PUT echo a batch job’s GET answer, part included, in XML and in JSON', async () => {
      const xml = await (await service.request(`/cspace-services/batch/${jobCsid}`)).text();
      expect(xml).to.include('<ns2:account_permission');
      const putXml = await service.request(`/cspace-services/batch/${jobCsid}`, {
        method: 'PUT',
        headers: { 'Content-Type': XML_TYPE },
        body: xml.replace(/<name>[^<]*<\/name>/, '<name>Renamed in XML</name>'),
      });
      expect(putXml.status, await putXml.clone().text()).to.equal(200);
      const answer = await putXml.text();
      expect(answer).to.include('<name>Renamed in XML</name>');
      expect(answer).to.not.include('account_permission');

      const document = await readDocument(service, `/cspace-services/batch/${jobCsid}`);
      expect(document).to.have.property(PART);
      document['ns2:batch_common'].name = 'Renamed in JSON';
      const putJson = await service.request(`/cspace-services/batch/${jobCsid}`, {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
        body: JSON.stringify({ document }),
      });
      expect(putJson.status, await putJson.clone().text()).to.equal(200);
      expect(((await putJson.json()) as any).document).to.not.have.property(PART);
      expect((await readDocument(service, `/cspace-services/batch/${jobCsid}`))['ns2:batch_common'].name).to.equal('Renamed in JSON');
    });

    it('lets a PUT echo a record service’s GET answer, part included', async () => {
      const csid = await createObject();
      const xml = await (await service.request(`/cspace-services/collectionobjects/${csid}`)).text();
      expect(xml).to.include('<ns2:account_permission');
      const put = await service.request(`/cspace-services/collectionobjects/${csid}`, {
        method: 'PUT',
        headers: { 'Content-Type': XML_TYPE },
        body: xml.replace('<objectNumber>2026.1</objectNumber>', '<objectNumber>2026.2</objectNumber>'),
      });
      expect(put.status, await put.clone().text()).to.equal(200);
      const document = await readDocument(service, `/cspace-services/collectionobjects/${csid}`);
      expect(document['ns2:collectionobjects_common'].objectNumber).to.equal('2026.2');
      expect(document['ns2:collectionobjects_common']).to.not.have.property('account');
    });
  });
});
