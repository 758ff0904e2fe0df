/**
 * Roles and permissions over HTTP: each route needs its permission, and nobody without `admin` can create
 * users or roles, grant roles (to themselves least of all) or mint tokens; a tenant's administrator cannot
 * reach beyond the tenant.
 */
import { expect } from 'chai';
import { createDefinition, createRecord, invoke, JSON_TYPE } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createToken, createUser, listItems } from './support.js';

describe('security: roles and permissions', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const json = (method: string, body: unknown) => ({
    method,
    headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
    body: JSON.stringify(body),
  });

  async function forbidden(res: Response, label: string): Promise<void> {
    expect(res.status, label).to.equal(403);
    expect(await res.text(), label).to.include('FORBIDDEN');
  }

  it('checks the permission of each definitions, records and invoke route', async () => {
    await createRole(service, 'reader', { definitions: 'RL', records: 'RL' });
    const reader = actingAs(service, await createUser(service, 'reader1', ['reader']));
    const job = await createDefinition(service, { name: 'job', className: 'noop', supportsNoContext: true });
    const record = await createRecord(service, 'CollectionObject', { objectNumber: '1' });

    expect((await reader.request('/cspace-services/batch')).status).to.equal(200);
    expect((await reader.request(`/cspace-services/batch/${job}`)).status).to.equal(200);
    expect((await reader.request(`/cspace-services/records/CollectionObject/${record}`)).status).to.equal(200);
    const batchBody = { document: { 'ns2:batch_common': { name: 'x', className: 'noop' } } };
    await forbidden(await reader.request('/cspace-services/batch', json('POST', batchBody)), 'create definition');
    await forbidden(await reader.request(`/cspace-services/batch/${job}`, json('PUT', batchBody)), 'update definition');
    await forbidden(await reader.request(`/cspace-services/batch/${job}`, { method: 'DELETE' }), 'delete definition');
    const recordBody = { document: { '@name': 'CollectionObject', objectNumber: '2' } };
    await forbidden(await reader.request('/cspace-services/records/CollectionObject', json('POST', recordBody)), 'create record');
    await forbidden(await reader.request(`/cspace-services/records/CollectionObject/${record}`, { method: 'DELETE' }), 'delete record');
    await forbidden(await reader.request('/cspace-services/relations', json('POST', {})), 'create relation');
    expect((await invoke(reader, job, { mode: 'nocontext' })).status).to.equal(403);
    expect((await invoke(reader, job, { mode: 'nocontext' }, '')).status).to.equal(403);
    // Nothing was changed by the refused requests.
    expect(await listItems(service, '/cspace-services/records/CollectionObject')).to.have.length(1);

    await createRole(service, 'runner', { definitions: 'R', invoke: 'I' });
    const runner = actingAs(service, await createUser(service, 'runner1', ['runner']));
    expect((await invoke(runner, job, { mode: 'nocontext' })).status).to.equal(200);
  });

  it('refuses every admin route to a non-administrator, so no one can create users or roles or grant themselves admin', async () => {
    await createRole(service, 'editor', { definitions: 'CRUDL', records: 'CRUDL', invoke: 'I' });
    const eve = await createUser(service, 'eve', ['editor']);
    const asEve = actingAs(service, eve);
    const attempts: Array<[string, RequestInit]> = [
      ['/cspace-services/admin/users', json('POST', { user: { username: 'eve2', password: 'eve2-password', roles: { role: 'TENANT_ADMINISTRATOR' } } })],
      ['/cspace-services/admin/users', { method: 'GET' }],
      ['/cspace-services/admin/users/eve/roles', json('PUT', { roles: { role: ['TENANT_ADMINISTRATOR'] } })],
      ['/cspace-services/admin/users/admin/password', json('PUT', { password: 'owned-by-eve' })],
      ['/cspace-services/admin/roles', json('POST', { role: { name: 'mine', permissions: { permission: { resource: '*', actionGroup: 'CRUDLI' } } } })],
      ['/cspace-services/admin/roles/editor', json('PUT', { role: { name: 'editor', permissions: { permission: { resource: '*', actionGroup: 'CRUDLI' } } } })],
      ['/cspace-services/admin/tokens', json('POST', { token: { label: 'mine', username: 'admin' } })],
      ['/cspace-services/admin/tenants', json('POST', { tenant: { id: 'eve-land', name: 'Eve' } })],
    ];
    for (const [pathname, init] of attempts) await forbidden(await asEve.request(pathname, init), `${init.method} ${pathname}`);
    const eveNow = await service.store.auth.users.find('eve');
    expect(eveNow?.memberships).to.deep.equal([{ tenant: 'default', roles: ['editor'] }]);
    expect(await service.store.auth.users.find('eve2')).to.equal(undefined);
    expect(await service.store.auth.roles.get(eveNow!.defaultTenant, 'mine')).to.equal(undefined);
    expect((await service.request('/cspace-services/batch', { auth: TEST_ADMIN })).status).to.equal(200);
    // A token acts with its user's roles, not its creator's.
    const { token } = await createToken(service, 'eve');
    await forbidden(await service.request('/cspace-services/admin/users', { auth: { token } }), 'token of eve');
  });

  it('keeps a tenant administrator inside the tenant: no tenant management, no foreign roles', async () => {
    const inB = await createTenant(service);
    const bAdmin = await createUser(inB, 'b-admin', ['TENANT_ADMINISTRATOR']);
    const asBAdmin = actingAs(service, bAdmin);
    expect((await asBAdmin.request('/cspace-services/admin/users')).status).to.equal(200);
    await forbidden(await asBAdmin.request('/cspace-services/admin/tenants'), 'list tenants');
    await forbidden(await asBAdmin.request('/cspace-services/admin/tenants', json('POST', { tenant: { id: 'c', name: 'C' } })), 'create tenant');
    expect((await asBAdmin.request('/cspace-services/admin/users/admin/password', json('PUT', { password: 'hijacked!' }))).status).to.equal(404);
    expect((await actingAs(service, bAdmin, 'default').request('/cspace-services/admin/users')).status).to.equal(403);
    // Granting a role of the tenant it does not have is refused, and nothing changes.
    const grant = await asBAdmin.request('/cspace-services/admin/users/b-admin/roles', json('PUT', { roles: { role: ['TENANT_ADMINISTRATOR', 'root'] } }));
    expect(grant.status).to.equal(400);
    expect((await service.request('/cspace-services/admin/tenants')).status).to.equal(200);
  });

  it('does not let an administrator lock themselves out, nor delete a role still held', async () => {
    expect((await service.request('/cspace-services/admin/users/admin/disable', { method: 'POST' })).status).to.equal(409);
    expect((await service.request('/cspace-services/admin/roles/TENANT_ADMINISTRATOR', { method: 'DELETE' })).status).to.equal(409);
    expect((await service.request('/cspace-services/batch')).status).to.equal(200);
  });
});
