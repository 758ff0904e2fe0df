/**
 * Tenant isolation over HTTP: whatever one tenant stores, another tenant's caller can neither read, list,
 * change, delete, relate nor invoke, and is answered exactly as for an id that does not exist.
 */
import { expect } from 'chai';
import { createDefinition, createRecord, invoke, JSON_TYPE, relate } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestService } from '../support/testService.js';
import { actingAs, createRole, createTenant, createUser, listItems, TENANT_B } from './support.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/** Status and error body with the per-request id removed, so two answers can be compared whole. */
async function answer(res: Response): Promise<{ status: number; error: unknown }> {
  const body = (await res.json()) as { error: { requestId?: string; message: string } };
  const { requestId: _id, ...error } = body.error;
  return { status: res.status, error };
}

describe('security: tenant isolation', () => {
  let service: TestService;
  let inA: TestService;
  let inB: TestService;

  beforeEach(async () => {
    service = await startTestService();
    inA = service;
    inB = await createTenant(service);
  });
  afterEach(async () => {
    await service.stop();
  });

  /** The same request for `csid` and for an unknown id must get the same answer, message apart from the id. */
  async function sameAsUnknown(client: TestService, method: string, pathname: (id: string) => string, csid: string, body?: string) {
    const send = (id: string) =>
      client.request(pathname(id), {
        method,
        headers: { Accept: JSON_TYPE, 'Content-Type': JSON_TYPE },
        ...(body !== undefined && { body }),
      });
    const mine = await answer(await send(csid));
    const unknown = await answer(await send(UNKNOWN));
    expect(mine.status, `${method} ${pathname(csid)}`).to.equal(404);
    expect(JSON.stringify(mine.error).replaceAll(csid, 'ID')).to.equal(JSON.stringify(unknown.error).replaceAll(UNKNOWN, 'ID'));
  }

  it('keeps definitions apart: another tenant reads, updates, deletes and invokes them as unknown, and never lists them', async () => {
    const csid = await createDefinition(inA, { name: 'A only', className: 'noop', supportsNoContext: true });
    const batchBody = JSON.stringify({
      document: { 'ns2:batch_common': { '@xmlns:ns2': 'http://collectionspace.org/services/batch', name: 'taken', className: 'noop' } },
    });
    await sameAsUnknown(inB, 'GET', (id) => `/cspace-services/batch/${id}`, csid);
    await sameAsUnknown(inB, 'PUT', (id) => `/cspace-services/batch/${id}`, csid, batchBody);
    await sameAsUnknown(inB, 'DELETE', (id) => `/cspace-services/batch/${id}`, csid);
    const invocation = await invoke(inB, csid, { mode: 'nocontext' });
    expect(invocation.status).to.equal(404);
    expect((await invoke(inB, csid, { mode: 'nocontext' }, '')).status).to.equal(404);
    expect((await listItems(inB, '/cspace-services/batch?pgSz=0')).map((item) => item.csid)).to.not.include(csid);
    expect((await listItems(inB, '/cspace-services/batch?classname=noop')).map((item) => item.name)).to.not.include('A only');
    const mine = await inA.request(`/cspace-services/batch/${csid}`, { headers: { Accept: JSON_TYPE } });
    expect(((await mine.json()) as any).document['ns2:batch_common'].name).to.equal('A only');
    expect((await invoke(inA, csid, { mode: 'nocontext' })).status).to.equal(200);
  });

  it('keeps records apart: reads, updates, deletes and lists', async () => {
    const csid = await createRecord(inA, 'CollectionObject', { objectNumber: 'A-1' });
    const recordBody = JSON.stringify({ document: { '@name': 'CollectionObject', objectNumber: 'stolen' } });
    await sameAsUnknown(inB, 'GET', (id) => `/cspace-services/records/CollectionObject/${id}`, csid);
    await sameAsUnknown(inB, 'PUT', (id) => `/cspace-services/records/CollectionObject/${id}`, csid, recordBody);
    await sameAsUnknown(inB, 'DELETE', (id) => `/cspace-services/records/CollectionObject/${id}`, csid);
    expect(await listItems(inB, '/cspace-services/records/CollectionObject')).to.deep.equal([]);
    expect(await listItems(inB, '/cspace-services/records/CollectionObject?objectNumber=A-1')).to.deep.equal([]);
    const kept = await inA.request(`/cspace-services/records/CollectionObject/${csid}`, { headers: { Accept: JSON_TYPE } });
    expect(((await kept.json()) as any).document.objectNumber).to.equal('A-1');
  });

  it('keeps relations apart, and refuses to relate another tenant’s records', async () => {
    const object = await createRecord(inA, 'CollectionObject', { objectNumber: 'A-1' });
    const group = await createRecord(inA, 'Group', { title: 'A group' });
    const relation = await relate(inA, { csid: group, docType: 'Group' }, 'hasMember', { csid: object, docType: 'CollectionObject' });
    await sameAsUnknown(inB, 'GET', (id) => `/cspace-services/relations/${id}`, relation);
    await sameAsUnknown(inB, 'DELETE', (id) => `/cspace-services/relations/${id}`, relation);
    expect(await listItems(inB, `/cspace-services/relations?sbj=${group}`)).to.deep.equal([]);
    expect(await listItems(inB, '/cspace-services/relations')).to.deep.equal([]);

    const ownObject = await createRecord(inB, 'CollectionObject', { objectNumber: 'B-1' });
    const crossing = await inB.request('/cspace-services/relations', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({
        'ns2:relations_common': {
          subjectCsid: group,
          subjectDocumentType: 'Group',
          relationshipType: 'hasMember',
          objectCsid: ownObject,
          objectDocumentType: 'CollectionObject',
        },
      }),
    });
    expect(crossing.status).to.equal(404);
    expect(await listItems(inB, '/cspace-services/relations')).to.deep.equal([]);
    expect((await listItems(inA, `/cspace-services/relations?sbj=${group}`)).map((item) => item.csid)).to.deep.equal([relation]);
  });

  it('refuses to invoke a job of one tenant on another tenant’s records', async () => {
    const foreign = await createRecord(inA, 'CollectionObject', { objectNumber: 'A-1' });
    const job = await createDefinition(inB, {
      name: 'B single',
      className: 'noop',
      supportsSingleDoc: true,
      forDocTypes: { forDocType: ['CollectionObject'] },
    });
    const res = await invoke(inB, job, { mode: 'single', docType: 'CollectionObject', singleCSID: foreign });
    const unknown = await invoke(inB, job, { mode: 'single', docType: 'CollectionObject', singleCSID: UNKNOWN });
    expect(res.status).to.equal(404);
    expect(JSON.stringify(res.body).replaceAll(foreign, 'ID').replace(/"requestId":"[^"]+"/, '')).to.equal(
      JSON.stringify(unknown.body).replaceAll(UNKNOWN, 'ID').replace(/"requestId":"[^"]+"/, ''),
    );
  });

  it('acts in the default tenant unless X-Tenant-Id names another tenant the user belongs to', async () => {
    await createRole(inB, 'reader', { definitions: 'RL' });
    const bob = await createUser(inB, 'bob', ['reader']);
    const asBob = actingAs(service, bob);
    const defaultIds = (await listItems(inA, '/cspace-services/batch')).map((item) => item.csid);
    const bIds = (await listItems(asBob, '/cspace-services/batch')).map((item) => item.csid);
    expect(bIds).to.have.length.greaterThan(0);
    expect(bIds.filter((id) => defaultIds.includes(id))).to.deep.equal([]);
    expect((await actingAs(service, bob, 'default').request('/cspace-services/batch')).status).to.equal(403);
    expect((await actingAs(service, bob, 'no-such-tenant').request('/cspace-services/batch')).status).to.equal(403);
    // The administrator of both tenants lists each one's definitions in turn.
    expect((await listItems(actingAs(service, TEST_ADMIN, TENANT_B), '/cspace-services/batch')).map((i) => i.csid)).to.deep.equal(bIds);
  });

  it('scopes the admin API too: users, roles and tokens of one tenant are unknown in another', async () => {
    await createRole(inA, 'a-reader', { definitions: 'RL' });
    await createUser(inA, 'alice', ['a-reader']);
    expect((await inB.request('/cspace-services/admin/users/alice')).status).to.equal(404);
    expect((await inB.request('/cspace-services/admin/roles/a-reader')).status).to.equal(404);
    expect((await listItems(inB, '/cspace-services/admin/users')).map((item) => item.username)).to.deep.equal([TEST_ADMIN.username]);
    const password = await inB.request('/cspace-services/admin/users/alice/password', {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ password: 'taken-over' }),
    });
    expect(password.status).to.equal(404);
    expect((await inB.request('/cspace-services/admin/users/alice/disable', { method: 'POST' })).status).to.equal(404);
    expect((await service.request('/cspace-services/batch', { auth: { username: 'alice', password: 'alice-password' } })).status).to.equal(200);
  });
});
