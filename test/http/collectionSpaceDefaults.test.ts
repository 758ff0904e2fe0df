/**
 * What a fresh or upgraded service holds as CollectionSpace does: the default roles TENANT_ADMINISTRATOR and
 * TENANT_READER in every tenant (so `forRoles` copied from CollectionSpace work; a store made with the old
 * `administrator` role is moved over at start), and the plugins' default
 * definitions in every tenant: at start-up, when a plugin is dropped in, and when a tenant is created.
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { ADMINISTRATOR_ROLE, READER_ROLE } from '../../src/services/auth/defaultRoles.js';
import { DEFAULT_TENANT, type BatchDefinition } from '../../src/domain/types.js';
import { openStore } from '../../src/store/index.js';
import { XML_TYPE } from '../support/api.js';
import { SHIPPED_PLUGINS_DIR, startTestService, tempDir, TEST_ADMIN, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { actingAs, createTenant, createUser, listItems, TENANT_B } from '../security/support.js';

const BATCH_NS = 'http://collectionspace.org/services/batch';
const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';

describe("CollectionSpace's default roles and auto-registration", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(options: Parameters<typeof startTestService>[0] = {}): Promise<TestService> {
    const service = await startTestService(options);
    cleanups.push(() => service.stop());
    return service;
  }

  async function classNames(client: TestService): Promise<string[]> {
    const names: string[] = [];
    for (const item of await listItems(client, '/cspace-services/batch?pgSz=0')) {
      const res = await client.request(`/cspace-services/batch/${item.csid}`);
      names.push(/<className>([^<]*)<\/className>/.exec(await res.text())?.[1] ?? '');
    }
    return names.sort();
  }

  it('names the default roles as CollectionSpace does, and forRoles copied from CollectionSpace work', async () => {
    const service = await start();
    const roles = await listItems(service, '/cspace-services/admin/roles');
    expect(roles.map((role) => [role.name, role.displayName])).to.deep.equal([
      ['TENANT_ADMINISTRATOR', 'TENANT_ADMINISTRATOR'],
      ['TENANT_READER', 'TENANT_READER'],
    ]);
    const admin = await listItems(service, '/cspace-services/admin/users');
    expect(admin.map((user) => [user.username, user.roles])).to.deep.equal([[TEST_ADMIN.username, 'TENANT_ADMINISTRATOR']]);

    const created = await service.request('/cspace-services/batch', {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE },
      body:
        `<document name="batch"><ns2:batch_common xmlns:ns2="${BATCH_NS}"><name>admins only</name>` +
        '<forRoles><roleDisplayName>TENANT_ADMINISTRATOR</roleDisplayName></forRoles>' +
        '<supportsNoContext>true</supportsNoContext><className>org.collectionspace.services.batch.nuxeo.TestBatchJob</className>' +
        '</ns2:batch_common></document>',
    });
    expect(created.status, await created.clone().text()).to.equal(201);
    const invoke = (client: TestService) =>
      client.request(`${new URL(created.headers.get('location') ?? '', service.url).pathname}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': XML_TYPE },
        body: `<ns2:invocationContext xmlns:ns2="${INVOCABLE_NS}"><mode>nocontext</mode></ns2:invocationContext>`,
      });
    expect((await invoke(service)).status).to.equal(200);

    // The reader reads definitions but may not run this one (nor anything: it holds no invoke permission).
    const reader = actingAs(service, await createUser(service, 'rita', ['TENANT_READER']));
    expect((await reader.request('/cspace-services/batch')).status).to.equal(200);
    expect((await invoke(reader)).status).to.equal(403);
    expect((await reader.request('/cspace-services/admin/users')).status).to.equal(403);
  });

  it("upgrades a store made with the old 'administrator' role at start: its holders and forRoles move over", async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await (await start({ dataDir: dir })).stop();
    // Turn the fresh store into one made before CollectionSpace's role names, through the store interface.
    const store = await openStore({ dataDir: dir });
    const tenant = DEFAULT_TENANT;
    await store.auth.roles.create(tenant, { ...ADMINISTRATOR_ROLE, name: 'administrator', displayName: 'ADMINISTRATOR' }, 'old');
    await store.auth.users.setRoles(tenant, TEST_ADMIN.username, ['administrator'], 'old');
    await store.auth.roles.delete(tenant, ADMINISTRATOR_ROLE.name);
    await store.auth.roles.delete(tenant, READER_ROLE.name);
    const definition: BatchDefinition = {
      name: 'admins only',
      forDocTypes: [],
      forRoles: ['Administrator', 'curator'],
      resourceActionGroupList: [],
      supportsNoContext: true,
      supportsSingleDoc: false,
      supportsDocList: false,
      supportsGroup: false,
      className: 'noop',
    };
    const old = await store.definitions.create(tenant, definition, 'old');
    await store.close();

    const service = await start({ dataDir: dir });
    const roles = await listItems(service, '/cspace-services/admin/roles');
    expect(roles.map((role) => role.name)).to.deep.equal(['TENANT_ADMINISTRATOR', 'TENANT_READER']);
    const admin = await listItems(service, '/cspace-services/admin/users');
    expect(admin.map((user) => user.roles)).to.deep.equal(['TENANT_ADMINISTRATOR']);
    const xml = await (await service.request(`/cspace-services/batch/${old.csid}`)).text();
    expect(xml).to.include('<forRoles><roleDisplayName>TENANT_ADMINISTRATOR</roleDisplayName><roleDisplayName>curator</roleDisplayName></forRoles>');
    const invoked = await service.request(`/cspace-services/batch/${old.csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE },
      body: `<ns2:invocationContext xmlns:ns2="${INVOCABLE_NS}"><mode>nocontext</mode></ns2:invocationContext>`,
    });
    expect(invoked.status, await invoked.clone().text()).to.equal(200);
  });

  it('creates the default definitions in every tenant at start-up, again for a tenant that lost them', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const first = await start({ dataDir: dir });
    const inB = await createTenant(first);
    const shipped = await classNames(first);
    expect(shipped).to.have.length(4);
    expect(await classNames(inB)).to.deep.equal(shipped);
    for (const item of await listItems(inB, '/cspace-services/batch')) {
      expect((await inB.request(`/cspace-services/batch/${item.csid}`, { method: 'DELETE' })).status).to.equal(200);
    }
    expect(await classNames(inB)).to.deep.equal([]);
    await first.stop();

    const second = await start({ dataDir: dir });
    expect(await classNames(actingAs(second, TEST_ADMIN, TENANT_B))).to.deep.equal(shipped);
    expect(await classNames(second)).to.deep.equal(shipped);
  });

  it('creates a dropped-in plugin’s default definition in every tenant', async () => {
    const plugins = await tempDir('invocables-plugins-');
    cleanups.push(plugins.cleanup);
    await cp(SHIPPED_PLUGINS_DIR, plugins.dir, { recursive: true });
    const service = await start({ pluginsDir: plugins.dir, watchPlugins: true });
    const inB = await createTenant(service);

    await writeFile(
      path.join(plugins.dir, 'dropped.js'),
      `export default { className: 'com.example.Dropped', contract: '^1.0.0', modes: ['single'],
        defaultDefinition: { name: 'Dropped in' },
        async invoke() { return { numAffected: 0 }; } };\n`,
    );
    for (const client of [service, inB]) {
      const names = await waitFor('the dropped plugin’s definition', async () => {
        const found = (await listItems(client, '/cspace-services/batch?classname=com.example.Dropped')).map((item) => item.name);
        return found.length > 0 ? found : undefined;
      });
      expect(names).to.deep.equal(['Dropped in']);
    }
  });
});
