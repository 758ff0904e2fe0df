import { expect } from 'chai';
import { JSON_TYPE, XML_TYPE } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createUser, listItems, TENANT_B } from '../security/support.js';

describe('HTTP /cspace-services/admin', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const send = (method: string, pathname: string, type: string, body: string) =>
    service.request(pathname, { method, headers: { 'Content-Type': type, Accept: type }, body });

  describe('roles', () => {
    it('creates a role from XML and reads it back in XML and JSON, permissions as action letters', async () => {
      const res = await send(
        'POST',
        '/cspace-services/admin/roles',
        XML_TYPE,
        `<role><name>registrar</name><displayName>Registrar</displayName><description>Registers objects</description>
          <permissions><permission><resource>records</resource><actionGroup>LRCU</actionGroup></permission>
          <permission><resource>invoke</resource><actionGroup>I</actionGroup></permission></permissions></role>`,
      );
      expect(res.status, await res.clone().text()).to.equal(201);
      expect(res.headers.get('location')).to.equal('/cspace-services/admin/roles/registrar');
      expect(res.headers.get('cache-control')).to.equal('no-store');
      const xml = await (await service.request('/cspace-services/admin/roles/registrar')).text();
      expect(xml).to.include('<displayName>Registrar</displayName>');
      expect(xml).to.include('<permission><resource>records</resource><actionGroup>CRUL</actionGroup></permission>');
      const json = (await (await service.request('/cspace-services/admin/roles/registrar', { headers: { Accept: JSON_TYPE } })).json()) as any;
      expect(json.role.permissions.permission).to.deep.equal([
        { resource: 'records', actionGroup: 'CRUL' },
        { resource: 'invoke', actionGroup: 'I' },
      ]);
      expect((await listItems(service, '/cspace-services/admin/roles')).map((item) => item.name)).to.deep.equal(['TENANT_ADMINISTRATOR', 'TENANT_READER', 'registrar']);
    });

    it('replaces a role with PUT, refuses renaming, conflicts on a duplicate, and deletes an unused role', async () => {
      await createRole(service, 'viewer', { definitions: 'RL' });
      const put = (name: string, body: unknown) => send('PUT', `/cspace-services/admin/roles/${name}`, JSON_TYPE, JSON.stringify(body));
      const updated = await put('viewer', { role: { name: 'viewer', displayName: 'Viewers', permissions: { permission: { resource: 'records', actionGroup: 'R' } } } });
      expect(updated.status).to.equal(200);
      expect(((await updated.json()) as any).role.permissions.permission).to.deep.equal({ resource: 'records', actionGroup: 'R' });
      expect((await put('viewer', { role: { name: 'renamed' } })).status).to.equal(400);
      expect((await put('ghost', { role: { name: 'ghost' } })).status).to.equal(404);
      const duplicate = await send('POST', '/cspace-services/admin/roles', JSON_TYPE, JSON.stringify({ role: { name: 'viewer' } }));
      expect(duplicate.status).to.equal(409);
      expect((await service.request('/cspace-services/admin/roles/viewer', { method: 'DELETE' })).status).to.equal(200);
      expect((await service.request('/cspace-services/admin/roles/viewer')).status).to.equal(404);
      expect((await service.request('/cspace-services/admin/roles/viewer', { method: 'PATCH' })).status).to.equal(405);
    });
  });

  describe('users', () => {
    it('creates a user from XML, shows no password, lists members, and sets roles', async () => {
      await createRole(service, 'viewer', { definitions: 'RL' });
      const res = await send(
        'POST',
        '/cspace-services/admin/users',
        XML_TYPE,
        '<user><username>carol</username><password>carol-password</password><roles><role>viewer</role></roles></user>',
      );
      expect(res.status, await res.clone().text()).to.equal(201);
      expect(res.headers.get('location')).to.equal('/cspace-services/admin/users/carol');
      const xml = await res.text();
      expect(xml).to.include('<username>carol</username>').and.include('<role>viewer</role>').and.not.include('password');
      const items = await listItems(service, '/cspace-services/admin/users');
      expect(items.map((item) => [item.username, item.roles])).to.deep.equal([
        ['admin', 'TENANT_ADMINISTRATOR'],
        ['carol', 'viewer'],
      ]);
      const roles = await send('PUT', '/cspace-services/admin/users/carol/roles', XML_TYPE, '<roles/>');
      expect(roles.status).to.equal(200);
      expect(await roles.text()).to.not.include('<roles>');
      expect((await service.request('/cspace-services/batch', { auth: { username: 'carol', password: 'carol-password' } })).status).to.equal(403);
    });

    it('refuses weak passwords, unknown roles and taken usernames', async () => {
      const create = (user: unknown) => send('POST', '/cspace-services/admin/users', JSON_TYPE, JSON.stringify({ user }));
      expect((await create({ username: 'dan', password: 'short' })).status).to.equal(400);
      expect((await create({ username: 'dan', password: 'long-enough', roles: { role: 'ghost' } })).status).to.equal(400);
      expect((await create({ username: 'admin', password: 'long-enough' })).status).to.equal(409);
      expect((await create({ username: 'dan', password: 'long-enough' })).status).to.equal(201);
    });

    it('lets another tenant’s user act here once made a member, and not after removal', async () => {
      const inB = await createTenant(service);
      await createRole(inB, 'b-viewer', { definitions: 'RL' });
      const erin = await createUser(service, 'erin', ['TENANT_ADMINISTRATOR']);
      expect((await actingAs(service, erin, TENANT_B).request('/cspace-services/batch')).status).to.equal(403);
      const added = await inB.request('/cspace-services/admin/users/erin/membership', {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
        body: JSON.stringify({ roles: { role: ['b-viewer'] } }),
      });
      expect(added.status, await added.clone().text()).to.equal(200);
      const shown = ((await added.json()) as any).user;
      expect(shown.roles.role).to.equal('b-viewer');
      expect(shown).to.not.have.property('defaultTenant');
      expect((await actingAs(service, erin, TENANT_B).request('/cspace-services/batch')).status).to.equal(200);
      expect((await actingAs(service, erin, TENANT_B).request('/cspace-services/admin/users')).status).to.equal(403);
      expect((await inB.request('/cspace-services/admin/users/erin/membership', { method: 'DELETE' })).status).to.equal(200);
      expect((await actingAs(service, erin, TENANT_B).request('/cspace-services/batch')).status).to.equal(403);
      expect((await service.request('/cspace-services/admin/users/erin/membership', { method: 'DELETE' })).status).to.equal(409);
    });
  });

  describe('tenants', () => {
    it('creates a tenant with its administrator role and the shipped default definitions, lists and disables it', async () => {
      const res = await send('POST', '/cspace-services/admin/tenants', XML_TYPE, '<tenant><id>museum-c</id><name>Museum C</name></tenant>');
      expect(res.status, await res.clone().text()).to.equal(201);
      expect(res.headers.get('location')).to.equal('/cspace-services/admin/tenants/museum-c');
      const inC = actingAs(service, TEST_ADMIN, 'museum-c');
      expect((await listItems(inC, '/cspace-services/admin/roles')).map((item) => item.name)).to.deep.equal(['TENANT_ADMINISTRATOR', 'TENANT_READER']);
      const defaults = (await listItems(service, '/cspace-services/batch')).map((item) => item.name).sort();
      expect((await listItems(inC, '/cspace-services/batch')).map((item) => item.name).sort()).to.deep.equal(defaults);
      expect((await listItems(service, '/cspace-services/admin/tenants')).map((item) => item.id)).to.deep.equal(['default', 'museum-c']);
      const again = await send('POST', '/cspace-services/admin/tenants', JSON_TYPE, JSON.stringify({ tenant: { id: 'museum-c', name: 'C' } }));
      expect(again.status).to.equal(409);
      expect((await service.request('/cspace-services/admin/tenants/museum-c/disable', { method: 'POST' })).status).to.equal(200);
      expect((await inC.request('/cspace-services/batch')).status).to.equal(403);
      expect((await service.request('/cspace-services/admin/tenants/museum-c/enable', { method: 'POST' })).status).to.equal(200);
      expect((await inC.request('/cspace-services/batch')).status).to.equal(200);
      expect((await service.request('/cspace-services/admin/tenants/default/disable', { method: 'POST' })).status).to.equal(400);
      expect((await service.request('/cspace-services/admin/tenants/nope')).status).to.equal(404);
    });
  });

  describe('tokens', () => {
    it('creates tokens for members only, lists them by user, and reports revocation', async () => {
      await createRole(service, 'viewer', { definitions: 'RL' });
      await createUser(service, 'fay', ['viewer']);
      const create = (token: unknown) => send('POST', '/cspace-services/admin/tokens', JSON_TYPE, JSON.stringify({ token }));
      const created = await create({ label: 'CI', username: 'fay', expiresAt: '2999-01-01T00:00:00Z' });
      expect(created.status).to.equal(201);
      const body = ((await created.json()) as any).token;
      expect(body).to.include({ label: 'CI', username: 'fay', expiresAt: '2999-01-01T00:00:00.000Z' });
      expect(created.headers.get('location')).to.equal(`/cspace-services/admin/tokens/${body.id}`);
      expect((await create({ label: 'mine' })).status).to.equal(201);
      expect((await create({ label: 'ghost', username: 'ghost' })).status).to.equal(404);
      expect((await create({ label: 'past', expiresAt: '2000-01-01T00:00:00Z' })).status).to.equal(400);
      expect((await create({ label: 'bad', expiresAt: 'tomorrow' })).status).to.equal(400);
      expect((await listItems(service, '/cspace-services/admin/tokens?username=fay')).map((item) => item.id)).to.deep.equal([body.id]);
      expect(await listItems(service, '/cspace-services/admin/tokens')).to.have.length(2);
      const revoked = await service.request(`/cspace-services/admin/tokens/${body.id}`, { method: 'DELETE', headers: { Accept: JSON_TYPE } });
      expect(((await revoked.json()) as any).token.revokedAt).to.match(/^\d{4}-/);
      expect((await service.request('/cspace-services/admin/tokens/AAAAAAAAAAAAAAAA', { method: 'DELETE' })).status).to.equal(404);
    });
  });
});
