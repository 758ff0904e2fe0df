import { expect } from 'chai';
import { createRecord, JSON_TYPE, readRecord, relate, XML_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';

describe('HTTP /cspace-services/records and /relations', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const listJson = async (pathname: string) => {
    const res = await service.request(pathname, { headers: { Accept: JSON_TYPE } });
    expect(res.status).to.equal(200);
    const list = ((await res.json()) as any)['ns2:abstract-common-list'];
    return { list, items: [list['list-item'] ?? []].flat() as Array<Record<string, string>> };
  };

  it('creates a record from XML and reads it back in XML and JSON with its core part', async () => {
    const res = await service.request('/cspace-services/records/CollectionObject', {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE },
      body: '<document name="CollectionObject"><objectNumber>2024.1</objectNumber><title>Vase</title><briefDescriptions><briefDescription>a</briefDescription><briefDescription>b</briefDescription></briefDescriptions></document>',
    });
    expect(res.status).to.equal(201);
    const location = res.headers.get('location') ?? '';
    expect(location).to.match(/^\/cspace-services\/records\/CollectionObject\/[0-9a-f-]{36}$/);
    const xml = await (await service.request(location)).text();
    expect(xml).to.include('<document name="CollectionObject">');
    expect(xml).to.include('<objectNumber>2024.1</objectNumber>');
    const doc = await readRecord(service, 'CollectionObject', location.split('/').pop() as string);
    expect(doc.title).to.equal('Vase');
    expect(doc.briefDescriptions.briefDescription).to.deep.equal(['a', 'b']);
    expect(doc['ns2:collectionspace_core'].workflowState).to.equal('project');
  });

  it('updates with If-Match, refuses a stale ETag, and deletes', async () => {
    const csid = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
    const url = `/cspace-services/records/CollectionObject/${csid}`;
    const put = (etag: string, objectNumber: string) =>
      service.request(url, {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE, 'If-Match': etag },
        body: JSON.stringify({ document: { '@name': 'CollectionObject', objectNumber } }),
      });
    expect((await put('"rev-1"', '2')).status).to.equal(200);
    expect((await put('"rev-1"', '3')).status).to.equal(412);
    expect((await readRecord(service, 'CollectionObject', csid)).objectNumber).to.equal('2');
    expect((await service.request(url, { method: 'DELETE' })).status).to.equal(200);
    expect((await service.request(url)).status).to.equal(404);
  });

  it('PUT sets the fields it sends and keeps the others, as CollectionSpace does; an empty field sent is kept empty', async () => {
    const csid = await createRecord(service, 'CollectionObject', { objectNumber: '1', title: 'Vase', comments: 'chipped' });
    const res = await service.request(`/cspace-services/records/CollectionObject/${csid}`, {
      method: 'PUT',
      headers: { 'Content-Type': XML_TYPE },
      body: '<document name="CollectionObject"><title>Blue vase</title><comments/></document>',
    });
    expect(res.status, await res.clone().text()).to.equal(200);
    const doc = await readRecord(service, 'CollectionObject', csid);
    expect(doc).to.include({ objectNumber: '1', title: 'Blue vase', comments: '' });
  });

  it('answers 404 for a record read under another docType, and 400 for a body naming another docType', async () => {
    const csid = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
    expect((await service.request(`/cspace-services/records/Loanout/${csid}`)).status).to.equal(404);
    const res = await service.request('/cspace-services/records/Loanout', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ document: { '@name': 'CollectionObject', objectNumber: '1' } }),
    });
    expect(res.status).to.equal(400);
    expect(JSON.stringify(await res.json())).to.include('document/@name');
  });

  it('lists records of a docType with field filters and paging', async () => {
    for (const [n, status] of [['1', 'ok'], ['2', 'missing'], ['3', 'ok']]) {
      await createRecord(service, 'CollectionObject', { objectNumber: n, status });
    }
    await createRecord(service, 'Loanout', { status: 'ok' });
    const all = await listJson('/cspace-services/records/CollectionObject?pgSz=2&sortBy=createdAt');
    expect(all.list.totalItems).to.equal('3');
    expect(all.items).to.have.length(2);
    const filtered = await listJson('/cspace-services/records/collectionobject?status=ok');
    expect(filtered.list.totalItems).to.equal('2');
    const refused = await service.request('/cspace-services/records/CollectionObject?a.b=1');
    expect(refused.status).to.equal(400);
  });

  it('relates existing records only, lists relations by sbj/obj/prd, and drops them with their record', async () => {
    const loan = await createRecord(service, 'Loanout', { loanOutNumber: 'L1' });
    const object = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
    const relation = await relate(service, { csid: loan, docType: 'Loanout' }, 'affects', { csid: object, docType: 'CollectionObject' });
    const bySubject = await listJson(`/cspace-services/relations?sbj=${loan}`);
    expect(bySubject.items.map((item) => item.csid)).to.deep.equal([relation]);
    expect(bySubject.items[0]?.objectCsid).to.equal(object);
    expect((await listJson(`/cspace-services/relations?obj=${object}&prd=affects`)).items).to.have.length(1);
    expect((await listJson(`/cspace-services/relations?obj=${object}&prd=hasBroader`)).items).to.have.length(0);
    const dangling = await service.request('/cspace-services/relations', {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE },
      body: `<document name="relations"><ns2:relations_common xmlns:ns2="http://collectionspace.org/services/relation"><subjectCsid>${loan}</subjectCsid><subjectDocumentType>Loanout</subjectDocumentType><relationshipType>affects</relationshipType><objectCsid>00000000-0000-0000-0000-000000000000</objectCsid><objectDocumentType>CollectionObject</objectDocumentType></ns2:relations_common></document>`,
    });
    expect(dangling.status).to.equal(404);
    expect((await service.request(`/cspace-services/relations/${relation}`)).status).to.equal(200);
    await service.request(`/cspace-services/records/CollectionObject/${object}`, { method: 'DELETE' });
    expect((await service.request(`/cspace-services/relations/${relation}`)).status).to.equal(404);
  });
});
