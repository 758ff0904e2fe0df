/**
 * CollectionSpace's record services (`/collectionobjects`, `/movements`, `/groups`, `/loansout`) over the same
 * records as `/records/{docType}`: the multi-part document in and out (XML and JSON), the list, soft delete
 * through the workflow sub-resource, and the same authentication and tenancy as `/records`.
 */
import { expect } from 'chai';
import { JSON_TYPE, XML_TYPE } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createTenant, listItems } from '../security/support.js';

const OBJECT_NS = 'http://collectionspace.org/services/collectionobject';

describe('record services (CollectionSpace multi-part records)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  async function post(pathname: string, body: string, type = XML_TYPE): Promise<Response> {
    return service.request(pathname, { method: 'POST', headers: { 'Content-Type': type }, body });
  }

  async function createObject(objectNumber: string): Promise<string> {
    const res = await post(
      '/cspace-services/collectionobjects',
      `<document name="collectionobjects"><ns2:collectionobjects_common xmlns:ns2="${OBJECT_NS}" ` +
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://collectionspace.org/services/collectionobject x.xsd">' +
        `<objectNumber>${objectNumber}</objectNumber><titleGroupList><titleGroup><title>Vase</title></titleGroup></titleGroupList>` +
        '</ns2:collectionobjects_common></document>',
    );
    expect(res.status, await res.clone().text()).to.equal(201);
    const location = res.headers.get('location') ?? '';
    expect(location).to.match(/^\/cspace-services\/collectionobjects\/[0-9a-f-]{36}$/);
    return location.split('/').pop() as string;
  }

  it('creates from the multi-part document and answers it, the same record as /records/CollectionObject', async () => {
    const csid = await createObject('2026.1.1');
    const xml = await (await service.request(`/cspace-services/collectionobjects/${csid}`)).text();
    expect(xml).to.include(`<document name="collectionobjects"><ns2:collectionobjects_common xmlns:ns2="${OBJECT_NS}">`);
    expect(xml).to.include('<objectNumber>2026.1.1</objectNumber><titleGroupList><titleGroup><title>Vase</title></titleGroup></titleGroupList>');
    expect(xml).to.include(`<uri>/collectionobjects/${csid}</uri>`).and.not.include('schemaLocation');
    const json = (await (await service.request(`/cspace-services/records/CollectionObject/${csid}`, { headers: { Accept: JSON_TYPE } })).json()) as any;
    expect(json.document.objectNumber).to.equal('2026.1.1');

    const list = await listItems(service, '/cspace-services/collectionobjects');
    expect(list).to.have.length(1);
    expect(list[0]).to.deep.include({ csid, uri: `/collectionobjects/${csid}`, workflowState: 'project', objectNumber: '2026.1.1' });
    expect(await listItems(service, '/cspace-services/movements')).to.deep.equal([]);
  });

  it('accepts JSON, updates with PUT and deletes', async () => {
    const res = await post(
      '/cspace-services/movements',
      JSON.stringify({ document: { '@name': 'movements', 'ns2:movements_common': { '@xmlns:ns2': 'http://collectionspace.org/services/movement', locationDate: '2024-01-01' } } }),
      JSON_TYPE,
    );
    expect(res.status, await res.clone().text()).to.equal(201);
    const location = res.headers.get('location') as string;
    const put = await service.request(location, {
      method: 'PUT',
      headers: { 'Content-Type': XML_TYPE, Accept: JSON_TYPE },
      body: '<document name="movements"><ns2:movements_common xmlns:ns2="http://collectionspace.org/services/movement"><locationDate>2025-01-01</locationDate></ns2:movements_common></document>',
    });
    expect(put.status, await put.clone().text()).to.equal(200);
    expect(((await put.json()) as any).document['ns2:movements_common'].locationDate).to.equal('2025-01-01');
    expect((await service.request(location, { method: 'DELETE' })).status).to.equal(200);
    expect((await service.request(location)).status).to.equal(404);
  });

  it('refuses an unknown part, a missing common part and a record of another type, changing nothing', async () => {
    const csid = await createObject('1');
    const extra = await post(
      '/cspace-services/collectionobjects',
      `<document name="collectionobjects"><ns2:collectionobjects_common xmlns:ns2="${OBJECT_NS}"><objectNumber>2</objectNumber></ns2:collectionobjects_common>` +
        '<ns3:collectionobjects_naturalhistory xmlns:ns3="urn:x"><taxon>x</taxon></ns3:collectionobjects_naturalhistory></document>',
    );
    expect(extra.status).to.equal(400);
    expect(await extra.text()).to.include('collectionobjects_naturalhistory');
    const none = await post('/cspace-services/collectionobjects', '<document name="collectionobjects"><objectNumber>3</objectNumber></document>');
    expect(none.status).to.equal(400);
    expect((await service.request(`/cspace-services/movements/${csid}`)).status).to.equal(404);
    expect(await listItems(service, '/cspace-services/collectionobjects')).to.have.length(1);
  });

  it('soft-deletes and restores through the workflow, and wf_deleted=false leaves deleted records out', async () => {
    const kept = await createObject('1');
    const gone = await createObject('2');
    const workflow = (csid: string, transition: string) =>
      service.request(`/cspace-services/collectionobjects/${csid}/workflow/${transition}`, { method: 'PUT', headers: { 'Content-Type': XML_TYPE }, body: '<document/>' });
    const deleted = await workflow(gone, 'delete');
    expect(deleted.status, await deleted.clone().text()).to.equal(200);
    expect(await deleted.text()).to.include('<currentLifeCycleState>deleted</currentLifeCycleState>');
    expect((await listItems(service, '/cspace-services/collectionobjects?wf_deleted=false')).map((item) => item.csid)).to.deep.equal([kept]);
    expect(await listItems(service, '/cspace-services/collectionobjects')).to.have.length(2);
    const read = await (await service.request(`/cspace-services/collectionobjects/${gone}/workflow`)).text();
    expect(read).to.include('<currentLifeCycleState>deleted</currentLifeCycleState>');
    expect((await workflow(gone, 'lock')).status).to.equal(400);
    expect((await workflow(gone, 'undelete')).status).to.equal(200);
    expect(await listItems(service, '/cspace-services/collectionobjects?wf_deleted=false')).to.have.length(2);
    expect((await service.request('/cspace-services/collectionobjects?wf_deleted=maybe')).status).to.equal(400);
  });

  it('needs credentials and keeps tenants apart', async () => {
    const csid = await createObject('1');
    expect((await service.request('/cspace-services/collectionobjects', { auth: null })).status).to.equal(401);
    const inB = await createTenant(service);
    expect((await inB.request(`/cspace-services/collectionobjects/${csid}`)).status).to.equal(404);
    expect(await listItems(inB, '/cspace-services/collectionobjects')).to.deep.equal([]);
    expect((await actingAs(service, TEST_ADMIN).request(`/cspace-services/collectionobjects/${csid}`)).status).to.equal(200);
  });
});
