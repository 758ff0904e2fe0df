/**
 * A definition's workflow as cspace-ui drives it: `GET /batch/{csid}/workflow`, `PUT /batch/{csid}/workflow/delete`
 * (soft delete) and `undelete`, and lists that leave soft-deleted definitions out when asked (`wf_deleted=false`).
 */
import { expect } from 'chai';
import { createDefinition, createRecord, invoke, JSON_TYPE } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createUser } from '../security/support.js';

describe('HTTP /cspace-services/batch/{csid}/workflow', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const job = (name: string) =>
    createDefinition(service, { name, forDocTypes: { forDocType: ['CollectionObject'] }, supportsSingleDoc: true, className: 'noop' });
  const transition = (csid: string, name: string, client: TestService = service) =>
    client.request(`/cspace-services/batch/${csid}/workflow/${name}`, { method: 'PUT', headers: { Accept: JSON_TYPE } });
  const listed = async (query: string): Promise<string[]> => {
    const res = await service.request(`/cspace-services/batch?pgSz=0&${query}`, { headers: { Accept: JSON_TYPE } });
    expect(res.status, await res.clone().text()).to.equal(200);
    return [((await res.json()) as any)['ns2:abstract-common-list']['list-item'] ?? []].flat().map((item: any) => item.name);
  };
  const workflowOf = async (res: Response) => ((await res.json()) as any).document['ns2:workflow_common'];

  it('answers the workflow document CollectionSpace answers, in XML by default', async () => {
    const csid = await job('Kept');
    const res = await service.request(`/cspace-services/batch/${csid}/workflow`);
    expect(res.status).to.equal(200);
    const xml = await res.text();
    expect(xml).to.include('<document name="workflow">');
    expect(xml).to.include('xmlns:ns2="http://collectionspace.org/services/workflow"');
    expect(xml).to.include('<lifeCyclePolicy>cs_default</lifeCyclePolicy>');
    expect(xml).to.include('<currentLifeCycleState>project</currentLifeCycleState>');
  });

  it('soft-deletes: the definition stays readable, and wf_deleted=false lists leave it out', async () => {
    const gone = await job('Gone');
    await job('Kept');
    const res = await transition(gone, 'delete');
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(await workflowOf(res)).to.include({ lifeCyclePolicy: 'cs_default', currentLifeCycleState: 'deleted' });

    const doc = await service.request(`/cspace-services/batch/${gone}`, { headers: { Accept: JSON_TYPE } });
    expect(((await doc.json()) as any).document['ns2:collectionspace_core'].workflowState).to.equal('deleted');
    // What cspace-ui's record sidebar asks, and the whole list with and without the filter.
    expect(await listed('doctype=CollectionObject&mode=single&wf_deleted=false')).to.not.include('Gone');
    expect(await listed('wf_deleted=false')).to.include('Kept').and.not.include('Gone');
    expect(await listed('')).to.include.members(['Gone', 'Kept']);
    expect(await listed('wf_deleted=true')).to.include.members(['Gone', 'Kept']);
    expect(await listed('wf_only_deleted=true')).to.deep.equal(['Gone']);
    // As in CollectionSpace, whose invoke reads the job by csid whatever its state.
    const object = await createRecord(service, 'CollectionObject', { objectNumber: '1' });
    const invoked = await invoke(service, gone, { mode: 'single', docType: 'CollectionObject', singleCSID: object });
    expect(invoked.status, JSON.stringify(invoked.body)).to.equal(200);
  });

  it('undeletes back to project, and refuses a transition the state does not allow with 409', async () => {
    const csid = await job('Back');
    expect((await transition(csid, 'undelete')).status).to.equal(409);
    expect((await transition(csid, 'delete')).status).to.equal(200);
    const again = await transition(csid, 'delete');
    expect(again.status).to.equal(409);
    expect(((await again.json()) as any).error).to.include({ code: 'CONFLICT' });
    const back = await transition(csid, 'undelete');
    expect(back.status).to.equal(200);
    expect(await workflowOf(back)).to.include({ currentLifeCycleState: 'project' });
    expect(await listed('wf_deleted=false')).to.include('Back');
  });

  it('answers 400 for an unknown transition or wf_deleted value, 404 for an unknown csid, 405 for PUT without a transition', async () => {
    const csid = await job('Any');
    const lock = await transition(csid, 'lock');
    expect(lock.status).to.equal(400);
    expect(JSON.stringify(await lock.json())).to.include('delete, undelete');
    expect((await transition('00000000-0000-0000-0000-000000000000', 'delete')).status).to.equal(404);
    const bare = await service.request(`/cspace-services/batch/${csid}/workflow`, { method: 'PUT' });
    expect(bare.status).to.equal(405);
    expect(bare.headers.get('allow')).to.equal('GET');
    const res = await service.request('/cspace-services/batch?wf_deleted=maybe', { headers: { Accept: JSON_TYPE } });
    expect(res.status).to.equal(400);
  });

  it('needs the delete right to soft-delete and the update right to undelete', async () => {
    const csid = await job('Guarded');
    await createRole(service, 'editor', { definitions: 'RUL' }, 'Editor');
    const editor = actingAs(service, await createUser(service, 'eddie', ['editor']));
    expect((await transition(csid, 'delete', editor)).status).to.equal(403);
    expect((await transition(csid, 'delete')).status).to.equal(200);
    expect((await transition(csid, 'undelete', editor)).status).to.equal(200);
  });
});
