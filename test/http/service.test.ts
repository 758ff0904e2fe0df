import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { expect } from 'chai';
import { SHIPPED_PLUGINS_DIR, startTestService, tempDir, type TestService } from '../support/testService.js';

const batchXml = (name: string, className: string) =>
  `<document name="batch"><ns2:batch_common xmlns:ns2="http://collectionspace.org/services/batch"><name>${name}</name><className>${className}</className></ns2:batch_common></document>`;

describe('service', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(options: Parameters<typeof startTestService>[0] = {}): Promise<TestService> {
    const service = await startTestService(options);
    cleanups.push(() => service.stop());
    return service;
  }

  it('reports health: status, store engine and plugins, without authentication', async () => {
    const service = await start();
    const res = await service.request('/health');
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({
      status: 'ok',
      store: { engine: 'sqlite' },
      plugins: { loaded: 4, failed: [] },
    });
  });

  it('registers the default definitions of shipped plugins once, across restarts', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const names = async (service: TestService) => {
      const res = await service.request('/cspace-services/batch?sortBy=name', { headers: { Accept: 'application/json' } });
      const list = ((await res.json()) as any)['ns2:abstract-common-list'];
      return [list['list-item']].flat().map((item: { name: string }) => item.name);
    };
    const SHIPPED_NAMES = ['Create and Link Loan Out', 'No-op', 'Update Current Location', 'Update Inventory Status'];
    const first = await start({ dataDir: dir });
    expect(await names(first)).to.deep.equal(SHIPPED_NAMES);
    await first.stop();
    const second = await start({ dataDir: dir });
    expect(await names(second)).to.deep.equal(SHIPPED_NAMES);
  });

  it('keeps definitions on disk across a restart', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const first = await start({ dataDir: dir });
    const created = await first.request('/cspace-services/batch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body: batchXml('survivor', 'noop'),
    });
    const location = created.headers.get('location') ?? '';
    await first.stop();
    const second = await start({ dataDir: dir });
    const res = await second.request(location);
    expect(res.status).to.equal(200);
    expect(await res.text()).to.include('<name>survivor</name>');
  });

  it('reports a plugin that fails to load in /health and keeps serving the others', async () => {
    const { dir, cleanup } = await tempDir('invocables-plugins-');
    cleanups.push(cleanup);
    await cp(SHIPPED_PLUGINS_DIR, dir, { recursive: true });
    await writeFile(path.join(dir, 'broken.js'), 'export default { className: 42 };\n');
    const service = await start({ pluginsDir: dir });
    const health = (await (await service.request('/health')).json()) as any;
    expect(health.plugins.loaded).to.equal(4);
    expect(health.plugins.failed).to.have.length(1);
    expect(health.plugins.failed[0].file).to.equal('broken.js');
    expect(JSON.stringify(health)).not.to.include(dir);
  });

  it('picks up a plugin dropped into PLUGINS_DIR while running, so definitions can name it', async () => {
    const { dir, cleanup } = await tempDir('invocables-plugins-');
    cleanups.push(cleanup);
    await cp(SHIPPED_PLUGINS_DIR, dir, { recursive: true });
    const service = await start({ pluginsDir: dir, watchPlugins: true });
    const post = () =>
      service.request('/cspace-services/batch', {
        method: 'POST',
        headers: { 'Content-Type': 'application/xml' },
        body: batchXml('dropped', 'com.example.Dropped'),
      });
    expect((await post()).status).to.equal(400);

    const loaded = once(service.plugins, 'loaded');
    await writeFile(
      path.join(dir, 'dropped.js'),
      `export default { className: 'com.example.Dropped', contract: '^1.0.0', modes: ['single'],
        async invoke() { return { numAffected: 0 }; } };\n`,
    );
    await loaded;
    expect((await post()).status).to.equal(201);
  });

  it('serves only /health in a worker-only process (RUN_ROLE=worker)', async () => {
    const worker = await start({ runRole: 'worker' });
    expect((await worker.request('/health')).status).to.equal(200);
    expect((await worker.request('/cspace-services/batch')).status).to.equal(404);
    const api = await start({ runRole: 'api' });
    expect((await api.request('/cspace-services/batch')).status).to.equal(200);
  });

  it('refuses new connections once stopped, and stop is idempotent', async () => {
    const service = await start();
    expect((await service.request('/health')).status).to.equal(200);
    await Promise.all([service.stop(), service.stop()]);
    let refused = false;
    await service.request('/health').catch(() => {
      refused = true;
    });
    expect(refused).to.equal(true);
  });
});
