/**
 * Attacks an authenticated client can still make: oversized, malformed and entity-expanding bodies, injection in
 * ids, filters, bodies, credentials and the tenant header, and path traversal in className. Every one is refused
 * and leaves the store as it was.
 */
import { expect } from 'chai';
import { JSON_TYPE, XML_TYPE } from '../support/api.js';
import { basicAuthorization, startTestService, type TestService } from '../support/testService.js';
import { listItems } from './support.js';

const SQL_INJECTION = "' OR 1=1 --";
const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch"><name>&lol3;</name><className>noop</className></ns2:batch_common></document>`;
const EXTERNAL_ENTITY = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<document name="CollectionObject"><title>&xxe;</title></document>`;

describe('security: hardening', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService({ bodyLimit: 4096 });
  });
  afterEach(async () => {
    await service.stop();
  });

  /** Everything a tenant holds, to show that a refused request changed nothing. */
  async function snapshot() {
    const auth = service.store.auth;
    return JSON.stringify([
      await listItems(service, '/cspace-services/batch?pgSz=0'),
      await listItems(service, '/cspace-services/records/CollectionObject?pgSz=0'),
      await listItems(service, '/cspace-services/relations?pgSz=0'),
      (await auth.users.list('default' as never, { pageNum: 0, pageSize: 100 })).items.map((user) => user.username),
      (await auth.roles.list('default' as never, { pageNum: 0, pageSize: 100 })).items.map((role) => role.name),
      (await auth.tenants.list({ pageNum: 0, pageSize: 100 })).items.map((tenant) => tenant.id),
    ]);
  }

  async function refused(res: Response, status: number, code: string, label: string): Promise<void> {
    const text = await res.text();
    expect(res.status, `${label}: ${text}`).to.equal(status);
    expect(text, label).to.include(code);
    expect(text, label).to.not.match(/at .*\.(ts|js):\d+|node_modules|\/work\//);
  }

  const post = (pathname: string, type: string, body: string) =>
    service.request(pathname, { method: 'POST', headers: { 'Content-Type': type, Accept: JSON_TYPE }, body });

  it('refuses oversized and malformed bodies when authenticated, storing nothing', async () => {
    const before = await snapshot();
    const big = `<document name="CollectionObject"><title>${'x'.repeat(5000)}</title></document>`;
    await refused(await post('/cspace-services/records/CollectionObject', XML_TYPE, big), 413, 'PAYLOAD_TOO_LARGE', 'oversized XML');
    await refused(
      await post('/cspace-services/admin/roles', JSON_TYPE, JSON.stringify({ role: { name: 'r', description: 'x'.repeat(5000) } })),
      413,
      'PAYLOAD_TOO_LARGE',
      'oversized JSON',
    );
    await refused(await post('/cspace-services/batch', JSON_TYPE, '{"document": '), 400, 'MALFORMED_BODY', 'truncated JSON');
    await refused(await post('/cspace-services/batch', XML_TYPE, '<document name="batch"><unclosed>'), 400, 'MALFORMED_BODY', 'bad XML');
    await refused(await post('/cspace-services/admin/users', 'text/plain', 'username=x'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/plain');
    await refused(await post('/cspace-services/admin/users', XML_TYPE, '<user><username>x</username></user>'), 400, 'VALIDATION_FAILED', 'no password');
    expect(await snapshot()).to.equal(before);
  });

  it('refuses DTDs and entity expansion in every XML body it reads', async () => {
    const before = await snapshot();
    for (const pathname of [
      '/cspace-services/batch',
      '/cspace-services/records/CollectionObject',
      '/cspace-services/relations',
      '/cspace-services/admin/users',
      '/cspace-services/admin/roles',
      '/cspace-services/admin/tokens',
      '/cspace-services/admin/tenants',
    ]) {
      await refused(await post(pathname, XML_TYPE, BILLION_LAUGHS), 400, 'UNSAFE_XML', `entity expansion at ${pathname}`);
      await refused(await post(pathname, XML_TYPE, EXTERNAL_ENTITY), 400, 'UNSAFE_XML', `external entity at ${pathname}`);
    }
    const csid = (await listItems(service, '/cspace-services/batch'))[0]?.csid ?? '';
    await refused(await post(`/cspace-services/batch/${csid}/invoke`, XML_TYPE, BILLION_LAUGHS), 400, 'UNSAFE_XML', 'invoke');
    expect(await snapshot()).to.equal(before);
  });

  it('treats SQL and NoSQL injection in ids and filters as plain text: nothing matches', async () => {
    const before = await snapshot();
    const encoded = encodeURIComponent(SQL_INJECTION);
    for (const pathname of [
      `/cspace-services/batch/${encoded}`,
      `/cspace-services/records/CollectionObject/${encoded}`,
      `/cspace-services/relations/${encoded}`,
      `/cspace-services/admin/users/${encoded}`,
      `/cspace-services/admin/roles/${encoded}`,
      `/cspace-services/admin/tokens/${encoded}`,
    ]) {
      await refused(await service.request(pathname, { headers: { Accept: JSON_TYPE } }), 404, 'NOT_FOUND', pathname);
    }
    expect(await listItems(service, `/cspace-services/batch?classname=${encoded}`)).to.deep.equal([]);
    expect(await listItems(service, `/cspace-services/batch?doctype=${encoded}&combine=or`)).to.deep.equal([]);
    expect(await listItems(service, `/cspace-services/relations?sbj=${encoded}`)).to.deep.equal([]);
    expect(await listItems(service, `/cspace-services/records/CollectionObject?objectNumber=${encoded}`)).to.deep.equal([]);
    // Bracketed keys are not parsed into objects, so `[$ne]` is just an odd parameter name.
    const operator = await service.request('/cspace-services/relations?sbj[$ne]=x', { headers: { Accept: JSON_TYPE } });
    expect(operator.status).to.be.oneOf([200, 400]);
    if (operator.status === 200) expect(await listItems(service, '/cspace-services/relations?sbj[$ne]=x')).to.deep.equal([]);
    await refused(
      await service.request(`/cspace-services/records/${encodeURIComponent("Obj' OR 1=1")}`, { headers: { Accept: JSON_TYPE } }),
      400,
      'VALIDATION_FAILED',
      'docType',
    );
    expect(await snapshot()).to.equal(before);
  });

  it('refuses operator objects where a body expects text', async () => {
    const before = await snapshot();
    const ne = { $ne: null };
    const attempts: Array<[string, unknown]> = [
      ['/cspace-services/batch', { document: { 'ns2:batch_common': { name: 'x', className: ne } } }],
      ['/cspace-services/records/CollectionObject', { document: { '@name': 'CollectionObject', objectNumber: ne } }],
      ['/cspace-services/records/CollectionObject', { document: { '@name': 'CollectionObject', $where: '1 == 1' } }],
      ['/cspace-services/relations', { 'ns2:relations_common': { subjectCsid: ne, subjectDocumentType: 'A', relationshipType: 'r', objectCsid: 'o', objectDocumentType: 'B' } }],
      ['/cspace-services/admin/users', { user: { username: ne, password: 'long-enough-password' } }],
      ['/cspace-services/admin/users', { user: { username: SQL_INJECTION, password: 'long-enough-password' } }],
      ['/cspace-services/admin/roles', { role: { name: 'r', permissions: { permission: { resource: ne, actionGroup: 'R' } } } }],
      ['/cspace-services/admin/roles', { role: { name: '../admin', permissions: { permission: { resource: 'records', actionGroup: 'R' } } } }],
      ['/cspace-services/admin/tokens', { token: { label: 'x', username: ne } }],
      ['/cspace-services/admin/tenants', { tenant: { id: '../default', name: 'x' } }],
    ];
    for (const [pathname, body] of attempts) {
      const res = await post(pathname, JSON_TYPE, JSON.stringify(body));
      expect(res.status, `${pathname} ${JSON.stringify(body)}: ${await res.clone().text()}`).to.equal(400);
    }
    expect(await snapshot()).to.equal(before);
  });

  it('refuses path traversal in className, and stores nothing', async () => {
    const before = await snapshot();
    for (const className of ['../../etc/passwd', '/etc/passwd', '..\\..\\plugins\\noop', 'file:///etc/passwd', 'node:fs']) {
      const body = JSON.stringify({ document: { 'ns2:batch_common': { name: 'traversal', className, supportsNoContext: true } } });
      const res = await post('/cspace-services/batch', JSON_TYPE, body);
      expect(res.status, className).to.equal(400);
      expect(await res.text()).to.include('names no loaded plugin');
    }
    expect(await snapshot()).to.equal(before);
  });

  it('treats injection in credentials and in the tenant header as wrong credentials or a foreign tenant', async () => {
    for (const username of [SQL_INJECTION, '{"$ne": null}', 'admin\u0000', '*']) {
      const res = await service.request('/cspace-services/batch', { headers: { Authorization: basicAuthorization(username, 'x') } });
      expect(res.status, username).to.equal(401);
    }
    for (const tenant of [SQL_INJECTION, '{"$ne": null}', '../default', '*']) {
      const res = await service.request('/cspace-services/batch', { headers: { 'X-Tenant-Id': tenant } });
      expect(res.status, tenant).to.equal(403);
    }
  });
});
