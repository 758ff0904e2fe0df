import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, startTestService, type TestService } from '../support/testService.js';

const XML = 'application/xml';
const JSON_TYPE = 'application/json';
const LOAN_OUT_JAVA_CLASS = 'org.collectionspace.services.batch.nuxeo.CreateAndLinkLoanOutBatchJob';

const seedXml = () => readFile(path.join(REPO_ROOT, 'test/fixtures/codec/seed-004-batch.xml'), 'utf8');

function batchXml(fields: string): string {
  return `<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch">${fields}</ns2:batch_common></document>`;
}

function batchJson(fields: Record<string, unknown>): string {
  return JSON.stringify({
    document: {
      '@name': 'batch',
      'ns2:batch_common': { '@xmlns:ns2': 'http://collectionspace.org/services/batch', ...fields },
    },
  });
}

describe('HTTP /cspace-services/batch', () => {
  let service: TestService;

  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  async function create(body: string, type = XML): Promise<string> {
    const res = await service.request('/cspace-services/batch', { method: 'POST', headers: { 'Content-Type': type }, body });
    expect(res.status, await res.clone().text()).to.equal(201);
    const location = res.headers.get('location') ?? '';
    expect(location).to.match(/^\/cspace-services\/batch\/[0-9a-f-]{36}$/);
    return location;
  }

  async function getJson(pathname: string): Promise<any> {
    const res = await service.request(pathname, { headers: { Accept: JSON_TYPE } });
    expect(res.status).to.equal(200);
    return res.json();
  }

  describe('create and read', () => {
    it('accepts the seed 004 XML sample as-is and reads it back in XML', async () => {
      const location = await create(await seedXml());
      const res = await service.request(location);
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.match(/^application\/xml/);
      expect(res.headers.get('etag')).to.equal('"rev-1"');
      const body = await res.text();
      expect(body).to.include('<document name="batch">');
      expect(body).to.include('xmlns:ns2="http://collectionspace.org/services/batch"');
      expect(body).to.include('<name>TestCreateAndLinkLoanOutBatchJob</name>');
      expect(body).to.include(`<className>${LOAN_OUT_JAVA_CLASS}</className>`);
      expect(body).to.include('<forDocType>CollectionObject</forDocType>');
      expect(body).to.include('<supportsSingleDoc>true</supportsSingleDoc>');
      // Flags the payload never sent are left out, as CollectionSpace leaves them.
      expect(body).to.not.include('supportsGroup');
      expect(body).to.not.include('supportsNoContext');
      expect(body).to.include('<notes>This should be interesting</notes>');
      expect(body).to.include('collectionspace_core');
      expect(body).to.include(`<uri>/batch/${location.split('/').pop()}</uri>`);
      expect(body).to.include(`<refName>urn:cspace:default:batch:id(${location.split('/').pop()})</refName>`);
    });

    it('round-trips a definition created in JSON, answering JSON with string values', async () => {
      const location = await create(
        batchJson({
          name: 'Create and Link Loan Out',
          forDocTypes: { forDocType: ['CollectionObject'] },
          supportsSingleDoc: true,
          supportsDocList: true,
          createsNewFocus: true,
          className: LOAN_OUT_JAVA_CLASS,
        }),
        JSON_TYPE,
      );
      const doc = await getJson(location);
      const common = doc.document['ns2:batch_common'];
      expect(doc.document['@name']).to.equal('batch');
      expect(common.name).to.equal('Create and Link Loan Out');
      expect(common.supportsDocList).to.equal('true');
      expect(common).to.not.have.property('supportsGroup');
      expect(common.forDocTypes.forDocType).to.equal('CollectionObject');
      expect(doc.document['ns2:collectionspace_core'].workflowState).to.equal('project');
    });

    it('reads in XML when Accept prefers it and answers Vary: Accept', async () => {
      const location = await create(batchXml('<name>n</name><className>noop</className>'));
      const res = await service.request(location, { headers: { Accept: 'text/html;q=0.5, application/xml' } });
      expect(res.headers.get('content-type')).to.match(/^application\/xml/);
      expect(res.headers.get('vary')).to.match(/Accept/);
    });

    it('answers 404 for an unknown csid, in the accepted format', async () => {
      const res = await service.request('/cspace-services/batch/00000000-0000-0000-0000-000000000000', {
        headers: { Accept: JSON_TYPE },
      });
      expect(res.status).to.equal(404);
      const body: any = await res.json();
      expect(body.error.code).to.equal('NOT_FOUND');
      expect(body.error.message).to.include('00000000-0000-0000-0000-000000000000');
    });
  });

  describe('update and delete', () => {
    it('updates with PUT, bumps the ETag, and honours If-Match', async () => {
      const location = await create(batchXml('<name>before</name><className>noop</className>'));
      const read = async (accept: string) => (await service.request(location, { headers: { Accept: accept } })).text();
      // Read first in both formats, so that a read after the update would show a kept encoding of revision 1.
      expect(await read(XML)).to.include('<name>before</name>');
      expect(await read(JSON_TYPE)).to.include('"name":"before"');
      const stale = await service.request(location, {
        method: 'PUT',
        headers: { 'Content-Type': XML, 'If-Match': '"rev-7"' },
        body: batchXml('<name>after</name><className>noop</className>'),
      });
      expect(stale.status).to.equal(412);
      const ok = await service.request(location, {
        method: 'PUT',
        headers: { 'Content-Type': XML, 'If-Match': '"rev-1"', Accept: JSON_TYPE },
        body: batchXml('<name>after</name><className>noop</className><supportsGroup>true</supportsGroup>'),
      });
      expect(ok.status).to.equal(200);
      expect(ok.headers.get('etag')).to.equal('"rev-2"');
      const doc: any = await ok.json();
      expect(doc.document['ns2:batch_common'].name).to.equal('after');
      expect(doc.document['ns2:batch_common'].supportsGroup).to.equal('true');
      expect(await read(XML)).to.include('<name>after</name>').and.include('<supportsGroup>true</supportsGroup>');
      expect(await read(JSON_TYPE)).to.include('"name":"after"');
    });

    it('deletes, honouring If-Match, and then answers 404', async () => {
      const location = await create(batchXml('<name>x</name><className>noop</className>'));
      const refused = await service.request(location, { method: 'DELETE', headers: { 'If-Match': '"rev-9"' } });
      expect(refused.status).to.equal(412);
      expect((await service.request(location)).status).to.equal(200);
      const deleted = await service.request(location, { method: 'DELETE', headers: { 'If-Match': '*' } });
      expect(deleted.status).to.equal(200);
      expect((await service.request(location)).status).to.equal(404);
      expect((await service.request(location, { method: 'DELETE' })).status).to.equal(404);
    });

    it('answers PUT and DELETE of an unknown csid with 404', async () => {
      const unknown = '/cspace-services/batch/11111111-1111-1111-1111-111111111111';
      const put = await service.request(unknown, {
        method: 'PUT',
        headers: { 'Content-Type': XML },
        body: batchXml('<name>x</name><className>noop</className>'),
      });
      expect(put.status).to.equal(404);
    });
  });

  describe('validation', () => {
    async function rejected(body: string, type = XML) {
      const res = await service.request('/cspace-services/batch', {
        method: 'POST',
        headers: { 'Content-Type': type, Accept: JSON_TYPE },
        body,
      });
      expect(res.status).to.equal(400);
      return ((await res.json()) as any).error as { code: string; message: string; details: any };
    }

    const detailPaths = (error: { details: any }) => {
      const detail = error.details?.detail;
      return (Array.isArray(detail) ? detail : [detail]).map((d: { path: string }) => d.path);
    };

    it('requires name and className, naming each field', async () => {
      const error = await rejected(batchXml('<notes>no name</notes>'));
      expect(error.code).to.equal('VALIDATION_FAILED');
      const paths = detailPaths(error).join(' ');
      expect(paths).to.include('name');
      expect(paths).to.include('className');
    });

    it('refuses a className that names no loaded plugin', async () => {
      const error = await rejected(batchXml('<name>x</name><className>com.example.Missing</className>'));
      expect(detailPaths(error)).to.deep.equal(['batch_common/className']);
    });

    it('refuses mode flags that the plugin does not support', async () => {
      const error = await rejected(
        batchXml(`<name>x</name><supportsGroup>true</supportsGroup><className>${LOAN_OUT_JAVA_CLASS}</className>`),
      );
      expect(detailPaths(error)).to.deep.equal(['batch_common/supportsGroup']);
    });

    it('refuses unknown fields and ill-typed values in JSON', async () => {
      const error = await rejected(batchJson({ name: 'x', className: 'noop', colour: 'red', supportsGroup: 'maybe' }), JSON_TYPE);
      const paths = detailPaths(error).join(' ');
      expect(paths).to.include('colour');
      expect(paths).to.include('supportsGroup');
    });

    it('reports malformed XML with its position', async () => {
      const error = await rejected('<document name="batch"><ns2:batch_common>\n<name>x</nam></document>');
      expect(error.code).to.equal('MALFORMED_BODY');
      expect(error.message).to.match(/line \d+/i);
    });

    it('reports malformed JSON with its position', async () => {
      const error = await rejected('{"document": {"@name": "batch",}', JSON_TYPE);
      expect(error.code).to.equal('MALFORMED_BODY');
      expect(error.message).to.match(/position \d+/);
    });

    it('refuses XML entity declarations without expanding them', async () => {
      const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>${batchXml('<name>&lol2;</name><className>noop</className>')}`;
      const error = await rejected(laughs);
      expect(error.code).to.equal('UNSAFE_XML');
      const list = await getJson('/cspace-services/batch?pgSz=0');
      expect(JSON.stringify(list)).not.to.include('lollol');
    });
  });

  describe('media types and limits', () => {
    it('answers 415 for an unsupported Content-Type', async () => {
      const res = await service.request('/cspace-services/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'name=x',
      });
      expect(res.status).to.equal(415);
      expect(await res.text()).to.include('text/plain');
    });

    it('answers 406 when Accept names nothing it can produce', async () => {
      const res = await service.request('/cspace-services/batch', { headers: { Accept: 'image/png' } });
      expect(res.status).to.equal(406);
    });

    it('answers 413 for a body over the limit and keeps serving', async () => {
      const huge = batchXml(`<name>x</name><notes>${'a'.repeat(1024 * 1024 + 10)}</notes><className>noop</className>`);
      const res = await service.request('/cspace-services/batch', { method: 'POST', headers: { 'Content-Type': XML }, body: huge });
      expect(res.status).to.equal(413);
      expect((await service.request('/health')).status).to.equal(200);
    });

    it('answers 404 naming the whole path for a path under /batch that is no resource, after authenticating', async () => {
      const res = await service.request('/cspace-services/batch/some/thing/else?x=1', { headers: { Accept: JSON_TYPE } });
      expect(res.status).to.equal(404);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error).to.include({ code: 'ROUTE_NOT_FOUND', message: 'No resource at GET /cspace-services/batch/some/thing/else' });
      expect((await service.request('/cspace-services/batch/some/thing/else', { auth: null })).status).to.equal(401);
    });

    it('answers 405 with Allow for a method the resource does not have', async () => {
      const res = await service.request('/cspace-services/batch', { method: 'PATCH' });
      expect(res.status).to.equal(405);
      expect(res.headers.get('allow')).to.equal('GET, POST, DELETE');
    });

    it('never shows a stack trace', async () => {
      const res = await service.request('/cspace-services/batch', {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE },
        body: '[1,2',
      });
      const text = await res.text();
      expect(text).not.to.match(/\bat .*\.(ts|js):\d+/);
    });
  });

  describe('list', () => {
    /** Replaces the auto-registered defaults with three definitions whose filters the tests know. */
    async function seedDefinitions() {
      const existing = (await getJson('/cspace-services/batch?pgSz=0'))['ns2:abstract-common-list']['list-item'] ?? [];
      for (const item of Array.isArray(existing) ? existing : [existing]) {
        expect((await service.request(`/cspace-services/batch/${item.csid}`, { method: 'DELETE' })).status).to.equal(200);
      }
      await create(batchXml('<name>b-single</name><forDocTypes><forDocType>CollectionObject</forDocType></forDocTypes><supportsSingleDoc>true</supportsSingleDoc><className>noop</className>'));
      await create(batchXml('<name>a-list</name><forDocTypes><forDocType>CollectionObject</forDocType><forDocType>Intake</forDocType></forDocTypes><supportsDocList>true</supportsDocList><className>noop</className>'));
      await create(batchXml('<name>c-group</name><forDocTypes><forDocType>Intake</forDocType></forDocTypes><supportsGroup>true</supportsGroup><className>noop</className>'));
    }

    const names = (list: any): string[] => {
      const items = list['ns2:abstract-common-list']['list-item'] ?? [];
      return (Array.isArray(items) ? items : [items]).map((item: { name: string }) => item.name);
    };

    it('lists in the abstract-common-list shape, auto-registered defaults included', async () => {
      const res = await service.request('/cspace-services/batch');
      expect(res.status).to.equal(200);
      const xml = await res.text();
      expect(xml).to.include('<ns2:abstract-common-list xmlns:ns2="http://collectionspace.org/services/jaxb">');
      expect(xml).to.include('<fieldsReturned>csid|uri|refName|updatedAt|workflowState|name|createsNewFocus</fieldsReturned>');
      const list = (await getJson('/cspace-services/batch'))['ns2:abstract-common-list'];
      expect(list.pageNum).to.equal('0');
      expect(list.pageSize).to.equal('40');
      expect(Number(list.totalItems)).to.be.at.least(2);
    });

    it('filters by doctype, mode (OR-ed), classname, and combine=or', async () => {
      await seedDefinitions();
      const byDocType = await getJson('/cspace-services/batch?doctype=Intake&sortBy=name');
      expect(names(byDocType)).to.deep.equal(['a-list', 'c-group']);
      const byModes = await getJson('/cspace-services/batch?classname=noop&mode=single&mode=group&sortBy=name');
      expect(names(byModes)).to.deep.equal(['b-single', 'c-group']);
      const and = await getJson('/cspace-services/batch?doctype=Intake&mode=single');
      expect(names(and)).to.deep.equal([]);
      const or = await getJson('/cspace-services/batch?doctype=Intake&mode=single&combine=or&classname=nothing&sortBy=name');
      expect(names(or)).to.deep.equal(['a-list', 'b-single', 'c-group']);
    });

    it('pages with pgSz and 0-based pgNum, counting every match in totalItems', async () => {
      await seedDefinitions();
      const page = (await getJson('/cspace-services/batch?classname=noop&pgSz=2&pgNum=1&sortBy=name%20DESC'))[
        'ns2:abstract-common-list'
      ];
      expect(page.totalItems).to.equal('3');
      expect(page.itemsInPage).to.equal('1');
      expect(page.pageNum).to.equal('1');
      expect(page['list-item'].name).to.equal('a-list');
      const capped = (await getJson('/cspace-services/batch?pgSz=0'))['ns2:abstract-common-list'];
      expect(capped.pageSize).to.equal('2500');
    });

    it('refuses unknown modes and malformed paging with 400 naming the parameter', async () => {
      for (const query of ['mode=sideways', 'pgSz=abc', 'pgNum=-1', 'sortBy=colour']) {
        const res = await service.request(`/cspace-services/batch?${query}`, { headers: { Accept: JSON_TYPE } });
        expect(res.status, query).to.equal(400);
        const error = ((await res.json()) as any).error;
        expect(JSON.stringify(error.details), query).to.include(query.split('=')[0]);
      }
    });
  });
});
