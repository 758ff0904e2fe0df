import { expect } from 'chai';
import { createDefinition, invoke } from '../support/api.js';
import { startTestService, type TestService } from '../support/testService.js';
import { actingAs, createRole, createUser } from './support.js';

const NOCONTEXT = { mode: 'nocontext' } as const;

describe('security: per-job permissions (forRoles, resourceActionGroupList)', () => {
  let service: TestService;
  let runner: TestService;
  let curator: TestService;

  beforeEach(async () => {
    service = await startTestService();
    await createRole(service, 'runner', { invoke: 'I', definitions: 'CRL' }, 'Runner');
    await createRole(service, 'curator', { invoke: 'I', definitions: 'RL', collectionobjects: 'RL' }, 'Curator');
    runner = actingAs(service, await createUser(service, 'rita', ['runner']));
    curator = actingAs(service, await createUser(service, 'carl', ['curator']));
  });
  afterEach(async () => {
    await service.stop();
  });

  const job = (extra: Record<string, unknown>) =>
    createDefinition(service, { name: 'Guarded job', supportsNoContext: true, className: 'noop', ...extra });

  it('forRoles: any listed role display name, case-insensitively; otherwise 403 naming the job only', async () => {
    const csid = await job({ forRoles: { roleDisplayName: ['CURATOR', 'Archivist'] } });
    expect((await invoke(curator, csid, NOCONTEXT)).status).to.equal(200);
    const refused = await invoke(runner, csid, NOCONTEXT);
    expect(refused.status).to.equal(403);
    expect(refused.body.error.code).to.equal('FORBIDDEN');
    expect(refused.body.error.message).to.include("'Guarded job'");
    expect(JSON.stringify(refused.body)).not.to.match(/archivist|curator/i);
  });

  it('resourceActionGroupList: every listed permission is needed', async () => {
    const csid = await job({
      resourceActionGroupList: { resourceActionGroup: [{ resourceName: 'collectionobjects', actionGroup: 'RL' }] },
    });
    expect((await invoke(curator, csid, NOCONTEXT)).status).to.equal(200);
    expect((await invoke(runner, csid, NOCONTEXT)).status).to.equal(403);
    const stricter = await job({
      resourceActionGroupList: { resourceActionGroup: [{ resourceName: 'collectionobjects', actionGroup: 'CRL' }] },
    });
    expect((await invoke(curator, stricter, NOCONTEXT)).status).to.equal(403);
  });

  it('no forRoles and no resourceActionGroupList: anyone with the invoke permission may run it', async () => {
    const csid = await job({});
    expect((await invoke(runner, csid, NOCONTEXT)).status).to.equal(200);
  });

  it('background runs are refused the same way, before anything runs', async () => {
    const csid = await job({ forRoles: { roleDisplayName: 'Curator' } });
    const res = await runner.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'nocontext' } }),
    });
    expect(res.status).to.equal(403);
  });
});
