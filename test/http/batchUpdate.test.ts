/**
 * PUT of a definition sets only the fields its parts carry, as CollectionSpace's RemoteDocumentModelHandlerImpl.fillPart
 * does: a PUT with just name and className keeps everything else; an empty element clears its field.
 */
import { expect } from 'chai';
import { startTestService, type TestService } from '../support/testService.js';

const XML = 'application/xml';
const JSON_TYPE = 'application/json';
const BATCH_NS = 'http://collectionspace.org/services/batch';
const INVOCABLES_NS = 'http://collectionspace.org/services/batch/local/invocables';

function batchXml(common: string, extension = ''): string {
  const invocables = extension === '' ? '' : `<ns2:batch_invocables xmlns:ns2="${INVOCABLES_NS}">${extension}</ns2:batch_invocables>`;
  return `<document name="batch"><ns2:batch_common xmlns:ns2="${BATCH_NS}">${common}</ns2:batch_common>${invocables}</document>`;
}

const FULL = `<name>Loan out</name><notes>Makes a loan</notes>
  <forDocTypes><forDocType>CollectionObject</forDocType></forDocTypes>
  <forRoles><roleDisplayName>TENANT_ADMINISTRATOR</roleDisplayName></forRoles>
  <supportsSingleDoc>true</supportsSingleDoc><supportsDocList>true</supportsDocList>
  <createsNewFocus>true</createsNewFocus><className>create-and-link-loan-out</className>`;

describe('HTTP PUT /cspace-services/batch/{csid} keeps what it is not sent', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  async function create(body: string): Promise<string> {
    const res = await service.request('/cspace-services/batch', { method: 'POST', headers: { 'Content-Type': XML }, body });
    expect(res.status, await res.clone().text()).to.equal(201);
    return res.headers.get('location') ?? '';
  }

  async function put(location: string, body: string, type = XML): Promise<any> {
    const res = await service.request(location, { method: 'PUT', headers: { 'Content-Type': type, Accept: JSON_TYPE }, body });
    expect(res.status, await res.clone().text()).to.equal(200);
    return res.json();
  }

  const commonOf = async (location: string) => {
    const res = await service.request(location, { headers: { Accept: JSON_TYPE } });
    return ((await res.json()) as any).document;
  };

  it('a PUT with just name and className keeps forDocTypes, forRoles, notes, the mode flags and createsNewFocus', async () => {
    const location = await create(batchXml(FULL, '<itemRetries>2</itemRetries><itemTimeoutMs>5000</itemTimeoutMs>'));
    const answered = (await put(location, batchXml('<name>Loan out (renamed)</name><className>create-and-link-loan-out</className>'))).document;
    const read = await commonOf(location);
    for (const doc of [answered, read]) {
      expect(doc['ns2:batch_common']).to.include({
        name: 'Loan out (renamed)',
        notes: 'Makes a loan',
        supportsSingleDoc: 'true',
        supportsDocList: 'true',
        createsNewFocus: 'true',
        className: 'create-and-link-loan-out',
      });
      expect(doc['ns2:batch_common'].forDocTypes).to.deep.equal({ forDocType: 'CollectionObject' });
      expect(doc['ns2:batch_common'].forRoles).to.deep.equal({ roleDisplayName: 'TENANT_ADMINISTRATOR' });
      expect(doc['ns2:batch_invocables']).to.include({ itemRetries: '2', itemTimeoutMs: '5000' });
    }
    // The job is still listed where the UI looks for it.
    const list = await service.request('/cspace-services/batch?doctype=CollectionObject&mode=single', { headers: { Accept: JSON_TYPE } });
    const items = [((await list.json()) as any)['ns2:abstract-common-list']['list-item']].flat();
    expect(items.map((item: any) => item.name)).to.include('Loan out (renamed)');
  });

  it('an element sent empty clears its field; one sent with a value replaces it', async () => {
    const location = await create(batchXml(FULL));
    const doc = (
      await put(location, batchXml('<name>Loan out</name><notes/><forDocTypes/><supportsDocList>false</supportsDocList><className>create-and-link-loan-out</className>'))
    ).document['ns2:batch_common'];
    expect(doc).to.not.have.property('notes');
    expect(doc).to.not.have.property('forDocTypes');
    expect(doc).to.include({ supportsDocList: 'false', supportsSingleDoc: 'true', createsNewFocus: 'true' });
    expect(doc.forRoles).to.deep.equal({ roleDisplayName: 'TENANT_ADMINISTRATOR' });
  });

  it('a batch_invocables part sent sets only the settings it carries', async () => {
    const location = await create(batchXml(FULL, '<itemRetries>2</itemRetries><itemTimeoutMs>5000</itemTimeoutMs>'));
    const doc = (await put(location, batchXml('<name>Loan out</name><className>create-and-link-loan-out</className>', '<itemRetries>4</itemRetries>'))).document;
    expect(doc['ns2:batch_invocables']).to.include({ itemRetries: '4', itemTimeoutMs: '5000' });
    const cleared = (await put(location, batchXml('<name>Loan out</name><className>create-and-link-loan-out</className>', '<itemRetries/><itemTimeoutMs/>'))).document;
    expect(cleared).to.not.have.property('ns2:batch_invocables');
  });

  it('keeps what a JSON PUT does not send, the same way', async () => {
    const location = await create(batchXml(FULL));
    const body = JSON.stringify({ document: { 'ns2:batch_common': { '@xmlns:ns2': BATCH_NS, name: 'From JSON', className: 'create-and-link-loan-out', supportsSingleDoc: false } } });
    const doc = (await put(location, body, JSON_TYPE)).document['ns2:batch_common'];
    expect(doc).to.include({ name: 'From JSON', notes: 'Makes a loan', supportsSingleDoc: 'false', supportsDocList: 'true' });
  });

  it('still requires name and className in every PUT, as CollectionSpace validates the part sent', async () => {
    const location = await create(batchXml(FULL));
    const res = await service.request(location, { method: 'PUT', headers: { 'Content-Type': XML, Accept: JSON_TYPE }, body: batchXml('<notes>only</notes>') });
    expect(res.status).to.equal(400);
    expect(JSON.stringify(await res.json())).to.include('name');
    expect((await commonOf(location))['ns2:batch_common'].notes).to.equal('Makes a loan');
  });

  it('checks the merged definition against its plugin: a flag kept must still suit a new className', async () => {
    const location = await create(batchXml(FULL));
    // The kept supportsSingleDoc=true does not suit a list-only plugin, although the PUT never mentions it.
    const res = await service.request(location, {
      method: 'PUT',
      headers: { 'Content-Type': XML, Accept: JSON_TYPE },
      body: batchXml('<name>x</name><className>update-inventory-status</className>'),
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as any).error.details.detail.path).to.equal('batch_common/supportsSingleDoc');
    expect((await commonOf(location))['ns2:batch_common'].className).to.equal('create-and-link-loan-out');
  });
});
