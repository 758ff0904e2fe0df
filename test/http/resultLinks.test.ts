/**
 * Links to a run's results (seed 002's publishLink) over HTTP, in JSON and XML: the run's creator creates, lists
 * and revokes them; a public link's signed URL opens without a login until it expires, is revoked or its run is
 * purged, and any change to it closes it; a tenant link opens for any user of the tenant, a private one for those
 * who may read runs; nothing opens from another tenant. On the embedded store, or on MongoDB when `MONGODB_URI` is
 * set (a database of its own per test).
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { parseXml } from '../../src/codec/xmlCodec.js';
import type { TenantId } from '../../src/domain/types.js';
import { bigNote } from '../fixtures/plugins/runs/big-results.js';
import { createDefinition, JSON_TYPE, XML_TYPE } from '../support/api.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { pluginsDirWith, REPO_ROOT, startTestService, tempDir, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { createRole, createTenant, createUser } from '../security/support.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const BIG = 5000;

describe('HTTP result links', function () {
  // A service on MongoDB (the shared emulator) takes far longer to start than on the embedded store.
  if (process.env.MONGODB_URI) this.timeout(60_000);
  let service: TestService;
  let cleanup: () => Promise<void>;
  let runPath: string;
  let mongodbUri: string | undefined;
  let resultLinkKeyFile: string;

  beforeEach(async () => {
    mongodbUri = ownMongoUri('links');
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    // The key in a file of its own, outside DATA_DIR, as processes on several machines share it.
    const keys = await tempDir('invocables-link-key-');
    resultLinkKeyFile = path.join(keys.dir, 'links.key');
    cleanup = async () => {
      await plugins.cleanup();
      await keys.cleanup();
    };
    // Results past 1000 bytes are stored apart; finished runs are purged as soon as the test asks.
    service = await startTestService({
      pluginsDir: plugins.dir,
      runResultsInlineLimit: 1000,
      runRetentionMs: 1,
      resultLinkKeyFile,
      ...(mongodbUri !== undefined && { mongodbUri }),
    });
    const definition = await createDefinition(service, { name: 'Big results', supportsNoContext: true, className: 'test.BigResults' });
    const started = await service.request(`/cspace-services/batch/${definition}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'nocontext', params: { param: [{ key: 'noteLength', value: String(BIG) }] } } }),
    });
    expect(started.status, await started.clone().text()).to.equal(202);
    runPath = started.headers.get('location') ?? '';
    await waitFor('the run to complete', async () => {
      const run = ((await (await service.request(runPath, { headers: { Accept: JSON_TYPE } })).json()) as any)['ns2:run'];
      return run.status === 'Completed' ? run : undefined;
    });
  });
  afterEach(async () => {
    await service?.stop();
    await cleanup?.();
    if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
  });

  async function createLink(body: unknown, client: TestService = service): Promise<Response> {
    return client.request(`${runPath}/links`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ resultLink: body }),
    });
  }

  async function linkOf(body: unknown): Promise<any> {
    const res = await createLink(body);
    expect(res.status, await res.clone().text()).to.equal(201);
    return ((await res.json()) as any)['ns2:resultLink'];
  }

  const open = (url: string, init: Parameters<TestService['request']>[1] = { auth: null }) =>
    service.request(url, { ...init, headers: { Accept: JSON_TYPE, ...(init.headers as Record<string, string>) } });

  async function linkList(): Promise<any[]> {
    const res = await service.request(`${runPath}/links`, { headers: { Accept: JSON_TYPE } });
    expect(res.status, await res.clone().text()).to.equal(200);
    return [((await res.json()) as any)['ns2:abstract-common-list']['list-item'] ?? []].flat();
  }

  it('opens a public link without a login (JSON), lists it, and closes it on revoke or any change to its URL', async () => {
    const link = await linkOf({ scope: 'public', expiresIn: 600 });
    const runId = runPath.split('/').pop();
    expect(link).to.include({ runId, scope: 'public', createdBy: 'admin', expired: 'false' });
    expect(Date.parse(link.expiresAt) - Date.parse(link.createdAt)).to.equal(600_000);
    const url = new URL(link.publishLink, service.url);
    expect(url.pathname).to.equal(`/cspace-services/links/${link.id}/results`);
    expect(url.searchParams.get('tenant')).to.equal('default');
    expect(url.searchParams.get('expires')).to.equal(String(Date.parse(link.expiresAt)));

    const opened = await open(link.publishLink);
    expect(opened.status, await opened.clone().text()).to.equal(200);
    expect(((await opened.json()) as any)['ns2:invocationResults']).to.include({ numAffected: '1', userNote: bigNote(BIG) });

    const gone = async (changed: URL) => {
      const res = await open(`${changed.pathname}${changed.search}`);
      expect(res.status, changed.search).to.equal(404);
      expect(await res.text()).to.include('no longer opens');
    };
    const altered = (name: string, value: string) => {
      const copy = new URL(url);
      copy.searchParams.set(name, value);
      return copy;
    };
    await gone(altered('sig', `${url.searchParams.get('sig')?.slice(0, -2)}AA`));
    await gone(altered('expires', String(Date.parse(link.expiresAt) + 1000)));
    await gone(altered('tenant', 'other'));
    await gone(altered('expires', 'soon'));
    // Without its signature the URL is no public link: it asks for a login.
    expect((await open(url.pathname)).status).to.equal(401);

    expect((await linkList()).map((item) => item.id)).to.deep.equal([link.id]);
    expect((await service.request(`${runPath}/links/${link.id}`, { method: 'DELETE' })).status).to.equal(204);
    await gone(url);
    expect(await linkList()).to.deep.equal([]);
    expect((await service.request(`${runPath}/links/${link.id}`, { method: 'DELETE' })).status).to.equal(404);
  });

  it('signs with RESULT_LINK_KEY_FILE, so a process with a DATA_DIR of its own opens the link (on MongoDB)', async () => {
    const link = await linkOf({ scope: 'public', expiresIn: 600 });
    await access(resultLinkKeyFile);
    const inDataDir = await access(path.join(service.dataDir, 'result-links.key')).then(() => true, () => false);
    expect(inDataDir, 'a result-links.key in DATA_DIR').to.equal(false);
    if (mongodbUri === undefined) {
      console.log('    (SQLite: processes share DATA_DIR, so the second process of this case runs only on MongoDB)');
      return;
    }
    const own = await tempDir('invocables-link-own-');
    const other = await startTestService({ dataDir: own.dir, mongodbUri, resultLinkKeyFile });
    try {
      const opened = await fetch(new URL(link.publishLink, other.url), { headers: { Accept: JSON_TYPE } });
      expect(opened.status, await opened.clone().text()).to.equal(200);
    } finally {
      await other.stop();
      await own.cleanup();
    }
  });

  it('opens a tenant link for any user of the tenant and a private one for readers of runs (XML), never from another tenant', async () => {
    const created = await service.request(`${runPath}/links`, {
      method: 'POST',
      headers: { 'Content-Type': XML_TYPE, Accept: XML_TYPE },
      body: '<resultLink><scope>PeopleInOrganization</scope><expiresIn>600</expiresIn></resultLink>',
    });
    expect(created.status, await created.clone().text()).to.equal(201);
    const tenantLink = parseXml(await created.text())['ns2:resultLink'] as { id: string; scope: string; publishLink: string };
    expect(tenantLink).to.include({ scope: 'tenant', publishLink: `/cspace-services/links/${tenantLink.id}/results` });
    expect(created.headers.get('location')).to.equal(`${runPath}/links/${tenantLink.id}`);
    const privateLink = await linkOf({ scope: 'Private' });
    expect(Date.parse(privateLink.expiresAt) - Date.parse(privateLink.createdAt)).to.equal(86_400_000);

    await createRole(service, 'browser', { definitions: 'RL' });
    await createRole(service, 'reader', { runs: 'RL' });
    const browser = await createUser(service, 'bea', ['browser']);
    const reader = await createUser(service, 'rita', ['reader']);

    const xml = await open(tenantLink.publishLink, { auth: browser, headers: { Accept: XML_TYPE } });
    expect(xml.status, await xml.clone().text()).to.equal(200);
    expect(parseXml(await xml.text())['ns2:invocationResults']).to.include({ userNote: bigNote(BIG) });
    expect((await open(tenantLink.publishLink)).status, 'no login').to.equal(401);
    expect((await open(privateLink.publishLink, { auth: browser })).status).to.equal(403);
    expect((await open(privateLink.publishLink, { auth: reader })).status).to.equal(200);

    const inB = await createTenant(service);
    expect((await inB.request(tenantLink.publishLink, { headers: { Accept: JSON_TYPE } })).status).to.equal(404);
    expect((await inB.request(`${runPath}/links`, { headers: { Accept: JSON_TYPE } })).status).to.equal(404);
  });

  it("lets only the run's creator create, list and revoke its links", async () => {
    const link = await linkOf({ scope: 'public' });
    await createRole(service, 'manager', { runs: 'RLU' });
    const rita = await createUser(service, 'rita', ['manager']);
    const asRita = { auth: rita, headers: { Accept: JSON_TYPE } };
    expect((await service.request(`${runPath}/links`, asRita)).status).to.equal(403);
    const refused = await service.request(`${runPath}/links`, {
      ...asRita,
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ resultLink: { scope: 'public' } }),
    });
    expect(refused.status).to.equal(403);
    expect(await refused.text()).to.include("Only the run's creator (admin)");
    expect((await service.request(`${runPath}/links/${link.id}`, { ...asRita, method: 'DELETE' })).status).to.equal(403);
    expect((await open(link.publishLink)).status).to.equal(200);
  });

  it('opens a link only while its creator may still read runs in its tenant', async () => {
    await createRole(service, 'runner', { definitions: 'RL', invoke: 'I', runs: 'RLU' });
    const olga = await createUser(service, 'olga', ['runner']);
    const definition = await createDefinition(service, { name: 'Olga results', supportsNoContext: true, className: 'test.BigResults' });
    const started = await service.request(`/cspace-services/batch/${definition}/invoke`, {
      auth: olga,
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'nocontext' } }),
    });
    expect(started.status, await started.clone().text()).to.equal(202);
    const olgaRun = started.headers.get('location') ?? '';
    await waitFor('her run to complete', async () => {
      const run = ((await (await service.request(olgaRun, { headers: { Accept: JSON_TYPE } })).json()) as any)['ns2:run'];
      return run.status === 'Completed' ? run : undefined;
    });
    const created = await service.request(`${olgaRun}/links`, {
      auth: olga,
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ resultLink: { scope: 'public' } }),
    });
    expect(created.status, await created.clone().text()).to.equal(201);
    const { publishLink } = ((await created.json()) as any)['ns2:resultLink'];
    expect((await open(publishLink)).status).to.equal(200);

    const setRoles = async (roles: string[]) => {
      const res = await service.request('/cspace-services/admin/users/olga/roles', {
        method: 'PUT',
        headers: { 'Content-Type': JSON_TYPE },
        body: JSON.stringify({ roles: { role: roles } }),
      });
      expect(res.status, await res.clone().text()).to.equal(200);
    };
    await createRole(service, 'invoker', { definitions: 'RL', invoke: 'I' });
    await setRoles(['invoker']);
    expect((await open(publishLink)).status, 'creator lost runs R').to.equal(404);
    await setRoles(['runner']);
    expect((await open(publishLink)).status).to.equal(200);
    expect((await service.request('/cspace-services/admin/users/olga/disable', { method: 'POST' })).status).to.equal(200);
    expect((await open(publishLink)).status, 'creator disabled').to.equal(404);
  });

  it('refuses a bad scope, lifetime or field with 400, and a link past the 20 a run may have with 409', async () => {
    for (const [body, message] of [
      [{ scope: 'world' }, 'must be private, tenant or public'],
      [{ scope: 'public', expiresIn: 0 }, 'expiresIn'],
      [{ scope: 'public', expiresIn: 2_592_001 }, 'expiresIn'],
      [{ scope: 'public', expiresIn: 'soon' }, 'expiresIn'],
      [{ scope: 'public', url: 'x' }, 'url'],
      [{}, 'scope'],
    ] as const) {
      const res = await createLink(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(await res.text(), JSON.stringify(body)).to.include(message);
    }
    expect((await service.request('/cspace-services/runs/00000000-0000-4000-8000-000000000000/links', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ resultLink: { scope: 'public' } }),
    })).status).to.equal(404);

    for (let i = 0; i < 20; i += 1) await linkOf({ scope: 'tenant' });
    const over = await createLink({ scope: 'tenant' });
    expect(over.status).to.equal(409);
    expect(await over.text()).to.include('revoke one first');
    expect(await linkList()).to.have.lengthOf(20);
  });

  it('ends every link when its run is purged', async () => {
    const publicLink = await linkOf({ scope: 'public' });
    const tenantLink = await linkOf({ scope: 'tenant' });
    expect(await service.purgeRuns()).to.equal(1);
    expect((await open(publicLink.publishLink)).status).to.equal(404);
    expect((await open(tenantLink.publishLink, {})).status).to.equal(404);
    expect(await service.store.resultLinks.get('default' as TenantId, publicLink.id)).to.equal(undefined);
  });

  it('ends a link when it expires, and lists it as expired until revoked', async () => {
    const link = await linkOf({ scope: 'public', expiresIn: 1 });
    const tenantLink = await linkOf({ scope: 'tenant', expiresIn: 1 });
    await waitFor('the public link to expire', async () => ((await open(link.publishLink)).status === 404 ? true : undefined));
    await waitFor('the tenant link to expire', async () => ((await open(tenantLink.publishLink, {})).status === 404 ? true : undefined));
    expect((await linkList()).map((item) => item.expired)).to.deep.equal(['true', 'true']);
  });
});
