/**
 * `GET /cspace-services/servicegroups/{type}/tags`, which cspace-ui reads at login after the account's roles
 * (cspace-ui.js src/actions/tags.js): CollectionSpace's `abstract-common-list` of the tags the services of that
 * type carry (`ServiceGroupResource.getTagsForType`). No service here carries a tag, so the list is empty, and
 * cspace-ui asks nothing more.
 */
import { expect } from 'chai';
import { parseXml } from '../../src/codec/index.js';
import { JSON_TYPE, XML_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, createUser } from '../security/support.js';

const LIST_NS = 'http://collectionspace.org/services/jaxb';
const ROOT = 'ns2:abstract-common-list';
const PATH = '/cspace-services/servicegroups/procedure/tags';
/** What cspace-ui (axios) sends. */
const AXIOS_ACCEPT = 'application/json, text/plain, */*';
/** As CollectionSpace's JSON mapping writes it: every value a string. */
const EMPTY_LIST = { '@xmlns:ns2': LIST_NS, pageNum: '0', pageSize: '0', itemsInPage: '0', totalItems: '0', fieldsReturned: 'name' };

describe('HTTP servicegroups/{type}/tags (CollectionSpace)', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('answers the procedures’ tags, none, as an empty list in JSON, with no list-item for cspace-ui to follow', async () => {
    const res = await service.request(PATH, { headers: { Accept: AXIOS_ACCEPT } });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const answer = ((await res.json()) as any)[ROOT];
    expect(answer).to.deep.equal(EMPTY_LIST);
  });

  it('answers the same list in XML', async () => {
    const res = await service.request(PATH, { headers: { Accept: XML_TYPE } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/xml/);
    const xml = await res.text();
    expect(xml).to.include(`<ns2:abstract-common-list xmlns:ns2="${LIST_NS}"><pageNum>0</pageNum><pageSize>0</pageSize>`);
    expect(parseXml(xml)[ROOT]).to.deep.equal(EMPTY_LIST);
  });

  it('answers the object group too, and any caller of the tenant, even one without a role', async () => {
    const nora = actingAs(service, await createUser(service, 'nora', []));
    const res = await nora.request('/cspace-services/servicegroups/object/tags', { headers: { Accept: JSON_TYPE } });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(((await res.json()) as any)[ROOT]).to.deep.equal(EMPTY_LIST);
  });

  it('answers 404 for a group no service here belongs to, as CollectionSpace does', async () => {
    const res = await service.request('/cspace-services/servicegroups/authority/tags', { headers: { Accept: JSON_TYPE } });
    expect(res.status).to.equal(404);
    expect(((await res.json()) as any).error.code).to.equal('NOT_FOUND');
  });

  it('needs credentials, and only GET', async () => {
    expect((await service.request(PATH, { auth: null })).status).to.equal(401);
    const post = await service.request(PATH, { method: 'POST', headers: { 'Content-Type': JSON_TYPE }, body: '{}' });
    expect(post.status).to.equal(405);
    expect(post.headers.get('allow')).to.equal('GET');
  });
});
