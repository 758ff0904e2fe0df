/**
 * Agendash behind the service's authentication and the admin permission, at a configurable path.
 */
import { expect } from 'chai';
import { loadConfig, ConfigError } from '../../src/config.js';
import { actingAs, createRole, createUser } from '../security/support.js';
import { startTestService, type TestService } from '../support/testService.js';

const DASH = '/cspace-services/agendash';

describe('HTTP Agendash', () => {
  let service: TestService;
  afterEach(async () => {
    await service.stop();
  });

  it('refuses callers without credentials (401) or without the admin permission (403)', async () => {
    service = await startTestService();
    const anonymous = await service.request(`${DASH}/`, { auth: null });
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Basic/);
    expect((await service.request(`${DASH}/api`, { auth: null })).status).to.equal(401);

    await createRole(service, 'viewer', { runs: 'RL', definitions: 'RL' });
    await createUser(service, 'viewer', ['viewer']);
    const viewer = actingAs(service, { username: 'viewer', password: 'viewer-password' });
    expect((await viewer.request(`${DASH}/`)).status).to.equal(403);
    const deletion = await viewer.request(`${DASH}/api/jobs/delete`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jobIds: [] }),
    });
    expect(deletion.status).to.equal(403);
  });

  it('serves the dashboard and its API to an administrator', async () => {
    service = await startTestService();
    const page = await service.request(`${DASH}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/^text\/html/);
    const api = await service.request(`${DASH}/api`);
    expect(api.status).to.equal(200);
    const body = (await api.json()) as { overview: Array<{ displayName: string }> };
    expect(body.overview.map((entry) => entry.displayName)).to.include('invocables:purge-runs');
  });

  it('moves with AGENDASH_PATH and is gone when it is empty', async () => {
    service = await startTestService({ agendashPath: '/ops/agenda' });
    expect((await service.request('/ops/agenda/')).status).to.equal(200);
    expect((await service.request('/ops/agenda/', { auth: null })).status).to.equal(401);
    expect((await service.request(`${DASH}/`)).status).to.equal(404);
    await service.stop();
    service = await startTestService({ agendashPath: undefined });
    expect((await service.request(`${DASH}/`)).status).to.equal(404);
  });

  it('reads AGENDASH_PATH: default, custom, empty to disable, refused when not a path', () => {
    expect(loadConfig({}).agendashPath).to.equal(DASH);
    expect(loadConfig({ AGENDASH_PATH: '/ops/agenda/' }).agendashPath).to.equal('/ops/agenda');
    expect(loadConfig({ AGENDASH_PATH: '' }).agendashPath).to.equal(undefined);
    expect(() => loadConfig({ AGENDASH_PATH: 'ops agenda' })).to.throw(ConfigError, /AGENDASH_PATH/);
  });
});
