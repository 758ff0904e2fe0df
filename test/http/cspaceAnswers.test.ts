/**
 * Payload and answer details CollectionSpace clients rely on: attributes on a part are ignored, errors answer
 * text/plain to clients that list it (cspace-ui through axios), definitions carry their refName, and mode flags
 * never sent stay out of answers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { JSON_TYPE, XML_TYPE } from '../support/api.js';
import { REPO_ROOT, startTestService, type TestService } from '../support/testService.js';

/** What axios, and so cspace-client and cspace-ui, send unless told otherwise. */
const AXIOS_ACCEPT = 'application/json, text/plain, */*';
const attributesPayload = () => readFile(path.join(REPO_ROOT, 'test/fixtures/cspace/batch-create-attributes.xml'), 'utf8');
const INVALID = '<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch"><name>x</name><className>noop</className><supportsGroup>maybe</supportsGroup></ns2:batch_common></document>';

describe('HTTP CollectionSpace payload and answer details', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  async function create(body: string): Promise<string> {
    const res = await service.request('/cspace-services/batch', { method: 'POST', headers: { 'Content-Type': XML_TYPE }, body });
    expect(res.status, await res.clone().text()).to.equal(201);
    return (res.headers.get('location') ?? '').split('/').pop() as string;
  }

  it('accepts a part with xmlns:xsi and xsi:schemaLocation attributes, as CollectionSpace does, and stores its fields', async () => {
    const csid = await create(await attributesPayload());
    const res = await service.request(`/cspace-services/batch/${csid}`, { headers: { Accept: JSON_TYPE } });
    const common = ((await res.json()) as any).document['ns2:batch_common'];
    expect(common).to.include({ name: 'Attributes on the part', supportsSingleDoc: 'true', supportsNoContext: 'true', className: 'noop' });
    expect(common).to.not.have.property('@xsi:schemaLocation');
  });

  it('leaves mode flags never sent out of the document it answers', async () => {
    const csid = await create(await attributesPayload());
    const xml = await (await service.request(`/cspace-services/batch/${csid}`)).text();
    expect(xml).to.include('<supportsSingleDoc>true</supportsSingleDoc>');
    expect(xml).to.not.include('supportsDocList');
    expect(xml).to.not.include('supportsGroup');
  });

  it('gives documents and list items the refName CollectionSpace builds for a batch record', async () => {
    const csid = await create(await attributesPayload());
    const refName = `urn:cspace:default:batch:id(${csid})`;
    const doc = (await (await service.request(`/cspace-services/batch/${csid}`, { headers: { Accept: JSON_TYPE } })).json()) as any;
    expect(doc.document['ns2:collectionspace_core'].refName).to.equal(refName);
    const list = (await (await service.request('/cspace-services/batch?pgSz=0', { headers: { Accept: JSON_TYPE } })).json()) as any;
    const item = [list['ns2:abstract-common-list']['list-item']].flat().find((entry: any) => entry.csid === csid);
    expect(item.refName).to.equal(refName);
  });

  it('ignores the account_permission part a client sends back with a document it read, as a system part', async () => {
    const csid = await create(await attributesPayload());
    const read = await service.request(`/cspace-services/batch/${csid}`, { headers: { Accept: JSON_TYPE } });
    const doc = (await read.json()) as any;
    doc.document['ns2:batch_common'].name = 'Renamed';
    doc.document['ns2:account_permission'] = { '@xmlns:ns2': 'http://collectionspace.org/services/authorization', account: { userId: 'admin' } };
    const put = await service.request(`/cspace-services/batch/${csid}`, {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify(doc),
    });
    expect(put.status, await put.clone().text()).to.equal(200);
    expect(((await put.json()) as any).document).to.not.have.property('ns2:account_permission');

    const record = await service.request('/cspace-services/records/CollectionObject', {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE },
      body: '<document name="CollectionObject"><objectNumber>1</objectNumber><ns2:account_permission xmlns:ns2="http://collectionspace.org/services/authorization"><account><userId>admin</userId></account></ns2:account_permission></document>',
    });
    expect(record.status, await record.clone().text()).to.equal(201);
    const fields = ((await (await service.request(record.headers.get('location') ?? '', { headers: { Accept: JSON_TYPE } })).json()) as any).document;
    expect(Object.keys(fields)).to.not.include('ns2:account_permission');
    expect(fields.objectNumber).to.equal('1');
  });

  describe('errors', () => {
    const post = (accept?: string) =>
      service.request('/cspace-services/batch', {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE, ...(accept !== undefined && { Accept: accept }) },
        body: INVALID,
      });

    it("answer text/plain to axios's Accept, with the reason as the body, varying with Accept", async () => {
      const res = await post(AXIOS_ACCEPT);
      expect(res.status).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^text\/plain; charset=utf-8/);
      expect(res.headers.get('vary')).to.match(/Accept/);
      const text = await res.text();
      expect(text.split('\n')[0]).to.equal('Invalid batch_common: batch_common/supportsGroup must be boolean');
      expect(text).to.include('batch_common/supportsGroup: must be boolean');
      expect(text).to.match(/Request id: \S+/);
    });

    it('answer text/plain for any status, a 404 too', async () => {
      const res = await service.request('/cspace-services/batch/00000000-0000-0000-0000-000000000000', { headers: { Accept: AXIOS_ACCEPT } });
      expect(res.status).to.equal(404);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await res.text()).to.include('00000000-0000-0000-0000-000000000000');
    });

    it('keep the structured document for clients asking only for JSON or XML, or for anything', async () => {
      const json = await post(JSON_TYPE);
      expect(json.headers.get('content-type')).to.match(/^application\/json/);
      expect(json.headers.get('vary')).to.match(/Accept/);
      expect(((await json.json()) as any).error).to.include({ code: 'VALIDATION_FAILED' });
      for (const accept of [XML_TYPE, '*/*', undefined]) {
        const xml = await post(accept);
        expect(xml.headers.get('content-type'), String(accept)).to.match(/^application\/xml/);
        expect(await xml.text()).to.include('<code>VALIDATION_FAILED</code>');
      }
    });

    it('do not count text/plain refused with q=0', async () => {
      const res = await post('application/json, text/plain;q=0');
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
    });
  });
});
