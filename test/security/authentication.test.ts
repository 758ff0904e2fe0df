import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { JSON_TYPE } from '../support/api.js';
import {
  basicAuthorization,
  SHIPPED_PLUGINS_DIR,
  startTestService,
  tempDir,
  TEST_ADMIN,
  type TestService,
} from '../support/testService.js';
import { actingAs, createRole, createToken, createUser } from './support.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const CHALLENGE = 'Basic realm="invocables", Bearer';

/** Every route under /cspace-services, with ids that may or may not exist. */
function routes(csid: string): Array<[string, string]> {
  return [
    ['GET', '/cspace-services/batch'],
    ['POST', '/cspace-services/batch'],
    ['GET', `/cspace-services/batch/${csid}`],
    ['PUT', `/cspace-services/batch/${csid}`],
    ['DELETE', `/cspace-services/batch/${csid}`],
    ['POST', `/cspace-services/batch/${csid}/invoke`],
    ['POST', `/cspace-services/batch/${csid}`],
    ['POST', `/cspace-services/batch/${csid}/runs`],
    ['GET', '/cspace-services/records/CollectionObject'],
    ['POST', '/cspace-services/records/CollectionObject'],
    ['GET', `/cspace-services/records/CollectionObject/${csid}`],
    ['PUT', `/cspace-services/records/CollectionObject/${csid}`],
    ['DELETE', `/cspace-services/records/CollectionObject/${csid}`],
    ['GET', '/cspace-services/relations'],
    ['POST', '/cspace-services/relations'],
    ['GET', `/cspace-services/relations/${csid}`],
    ['DELETE', `/cspace-services/relations/${csid}`],
    ['GET', '/cspace-services/runs'],
    ['GET', `/cspace-services/runs/${csid}`],
    ['GET', '/cspace-services/admin/tenants'],
    ['POST', '/cspace-services/admin/tenants'],
    ['GET', '/cspace-services/admin/users'],
    ['POST', '/cspace-services/admin/users'],
    ['GET', '/cspace-services/admin/users/admin'],
    ['PUT', '/cspace-services/admin/users/admin/password'],
    ['GET', '/cspace-services/admin/roles'],
    ['POST', '/cspace-services/admin/roles'],
    ['GET', '/cspace-services/admin/tokens'],
    ['POST', '/cspace-services/admin/tokens'],
    ['DELETE', '/cspace-services/admin/tokens/AAAAAAAAAAAAAAAA'],
    ['GET', '/cspace-services/no-such-route'],
  ];
}

async function expectUnauthenticated(res: Response, label: string): Promise<string> {
  expect(res.status, label).to.equal(401);
  expect(res.headers.get('www-authenticate'), label).to.equal(CHALLENGE);
  const body = (await res.json()) as any;
  expect(body.error.code, label).to.equal('UNAUTHENTICATED');
  return body.error.message;
}

describe('security: authentication', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const send = (method: string, pathname: string, init: Parameters<TestService['request']>[1] = {}) =>
    service.request(pathname, {
      method,
      ...init,
      headers: { Accept: JSON_TYPE, 'Content-Type': 'application/xml', ...(init.headers as Record<string, string>) },
      ...(method === 'GET' || method === 'DELETE' ? {} : { body: '<document name="batch"/>' }),
    });

  it('answers 401 with a challenge on every /cspace-services route without credentials, the same for existing and unknown ids', async () => {
    const existing = (await service.request('/cspace-services/batch?pgSz=1', { headers: { Accept: JSON_TYPE } }).then((r) => r.json()) as any)[
      'ns2:abstract-common-list'
    ]['list-item'].csid as string;
    const messages = new Set<string>();
    for (const csid of [existing, UNKNOWN]) {
      for (const [method, pathname] of routes(csid)) {
        messages.add(await expectUnauthenticated(await send(method, pathname, { auth: null }), `${method} ${pathname}`));
      }
    }
    expect([...messages]).to.have.length(1);
  });

  it('keeps /health open', async () => {
    expect((await service.request('/health', { auth: null })).status).to.equal(200);
  });

  it('refuses a wrong password, an unknown user, malformed headers and other schemes alike', async () => {
    const attempts: Array<Record<string, string>> = [
      { Authorization: basicAuthorization(TEST_ADMIN.username, 'wrong-password') },
      { Authorization: basicAuthorization('nobody', TEST_ADMIN.password) },
      { Authorization: basicAuthorization('', TEST_ADMIN.password) },
      { Authorization: 'Basic not base64!' },
      { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
      { Authorization: 'Digest username="admin"' },
      { Authorization: 'Bearer not-a-token' },
      { Authorization: `Bearer inv1.${'A'.repeat(16)}.${'B'.repeat(43)}` },
      { Authorization: `Basic ${'A'.repeat(5000)}` },
    ];
    const messages = new Set<string>();
    for (const headers of attempts) {
      const res = await service.request('/cspace-services/batch', { headers: { Accept: JSON_TYPE, ...headers } });
      messages.add(await expectUnauthenticated(res, headers.Authorization ?? ''));
    }
    expect([...messages]).to.have.length(1);
  });

  it('authenticates with Basic and with a bearer token, and refuses a token once revoked', async () => {
    await createRole(service, 'reader', { definitions: 'RL' });
    const bob = await createUser(service, 'bob', ['reader']);
    const { id, token } = await createToken(service, 'bob');
    expect((await service.request('/cspace-services/batch', { auth: bob })).status).to.equal(200);
    expect((await service.request('/cspace-services/batch', { auth: { token } })).status).to.equal(200);
    expect((await service.request(`/cspace-services/admin/tokens/${id}`, { method: 'DELETE' })).status).to.equal(200);
    await expectUnauthenticated(await service.request('/cspace-services/batch', { auth: { token }, headers: { Accept: JSON_TYPE } }), 'revoked');
    expect((await service.request('/cspace-services/batch', { auth: bob })).status).to.equal(200);
  });

  it('shows a token once and stores only salted scrypt hashes of tokens and passwords', async () => {
    const { id, token } = await createToken(service, TEST_ADMIN.username);
    const read = await (await service.request(`/cspace-services/admin/tokens/${id}`, { headers: { Accept: JSON_TYPE } })).json();
    expect(read).to.have.nested.property('token.id', id);
    expect(read).to.not.have.nested.property('token.token');
    const listed = await (await service.request('/cspace-services/admin/tokens')).text();
    expect(listed).to.include(id).and.not.include(token.split('.')[2]);
    const stored = await service.store.auth.tokens.find(id);
    expect(stored?.secretHash).to.match(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(stored?.secretHash).to.not.include(token.split('.')[2]);
    const admin = await service.store.auth.users.find(TEST_ADMIN.username);
    expect(admin?.passwordHash).to.match(/^scrypt\$/).and.not.include(TEST_ADMIN.password);
    const file = await readFile(path.join(service.dataDir, 'invocables.sqlite'));
    expect(file.includes(TEST_ADMIN.password)).to.equal(false);
  });

  it('takes a changed password and a disabled account into account at once, despite the verification cache', async () => {
    await createRole(service, 'reader', { definitions: 'RL' });
    const bob = await createUser(service, 'bob', ['reader']);
    const { token } = await createToken(service, 'bob');
    expect((await service.request('/cspace-services/batch', { auth: bob })).status).to.equal(200);
    const changed = await service.request('/cspace-services/admin/users/bob/password', {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ password: 'new-bob-password' }),
    });
    expect(changed.status).to.equal(204);
    expect((await service.request('/cspace-services/batch', { auth: bob })).status).to.equal(401);
    const renewed = { username: 'bob', password: 'new-bob-password' };
    expect((await service.request('/cspace-services/batch', { auth: renewed })).status).to.equal(200);
    expect((await service.request('/cspace-services/admin/users/bob/disable', { method: 'POST' })).status).to.equal(200);
    expect((await service.request('/cspace-services/batch', { auth: renewed })).status).to.equal(401);
    expect((await service.request('/cspace-services/batch', { auth: { token } })).status).to.equal(401);
    expect((await service.request('/cspace-services/admin/users/bob/enable', { method: 'POST' })).status).to.equal(200);
    expect((await service.request('/cspace-services/batch', { auth: renewed })).status).to.equal(200);
  });

  it('sends security headers on answers of every kind', async () => {
    for (const [pathname, auth] of [
      ['/health', null],
      ['/cspace-services/batch', undefined],
      ['/cspace-services/batch', null],
      ['/cspace-services/nope', undefined],
    ] as const) {
      const res = await service.request(pathname, auth === null ? { auth } : {});
      expect(res.headers.get('x-content-type-options'), pathname).to.equal('nosniff');
      expect(res.headers.get('content-security-policy'), pathname).to.include("default-src 'self'");
      expect(res.headers.get('x-frame-options'), pathname).to.equal('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security'), pathname).to.match(/max-age=\d+/);
      expect(res.headers.get('x-powered-by'), pathname).to.equal(null);
    }
  });

  it('does not let a token act in another tenant', async () => {
    const { token } = await createToken(service, TEST_ADMIN.username);
    const other = actingAs(service, { token }, 'elsewhere');
    expect((await other.request('/cspace-services/batch')).status).to.equal(403);
    expect((await actingAs(service, { token }, 'default').request('/cspace-services/batch')).status).to.equal(200);
  });
});

describe('security: failed-login throttling', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  const attempt = (username: string, password: string) =>
    service.request('/cspace-services/batch', { auth: { username, password }, headers: { Accept: JSON_TYPE } });

  it('locks a username at one address after 10 failures in 15 minutes with 429 and Retry-After, even for the right password', async () => {
    for (let i = 0; i < 10; i += 1) expect((await attempt(TEST_ADMIN.username, `wrong-${i}`)).status).to.equal(401);
    const locked = await attempt(TEST_ADMIN.username, TEST_ADMIN.password);
    expect(locked.status).to.equal(429);
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).to.be.greaterThan(800).and.at.most(900);
    expect(((await locked.json()) as any).error.code).to.equal('TOO_MANY_REQUESTS');
  });

  it('locks an address that tries many usernames', async () => {
    for (let i = 0; i < 10; i += 1) expect((await attempt(`guess-${i}`, 'password-guess')).status).to.equal(401);
    expect((await attempt('another-guess', 'password-guess')).status).to.equal(429);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY trusts the proxy, so a client cannot dodge the lock', async () => {
    const spoofing = (i: number) =>
      service.request('/cspace-services/batch', {
        auth: { username: `spoof-${i}`, password: 'password-guess' },
        headers: { 'X-Forwarded-For': `203.0.113.${i}` },
      });
    for (let i = 0; i < 10; i += 1) expect((await spoofing(i)).status).to.equal(401);
    expect((await spoofing(99)).status).to.equal(429);

    const behindProxy = await startTestService({ trustProxy: 'loopback' });
    try {
      const from = (address: string, username: string) =>
        behindProxy.request('/cspace-services/batch', {
          auth: { username, password: 'password-guess' },
          headers: { 'X-Forwarded-For': address },
        });
      for (let i = 0; i < 10; i += 1) expect((await from('203.0.113.1', `guess-${i}`)).status).to.equal(401);
      expect((await from('203.0.113.1', 'another-guess')).status).to.equal(429);
      expect((await from('203.0.113.2', 'another-guess')).status).to.equal(401);
    } finally {
      await behindProxy.stop();
    }
  });
});

describe('security: configuration', () => {
  it('documents its defaults and refuses nonsense', () => {
    const config = loadConfig({});
    expect(config).to.deep.include({
      adminUser: 'admin',
      adminPassword: undefined,
      loginMaxFailures: 10,
      loginMaxFailuresPerAddress: 10,
      loginMaxFailuresPerUser: 20,
      loginFailureWindowMs: 900_000,
      authCacheTtlMs: 60_000,
      trustProxy: false,
    });
    const set = loadConfig({ ADMIN_USER: 'root', ADMIN_PASSWORD: ' spaced secret ', LOGIN_MAX_FAILURES: '3', TRUST_PROXY: '1' });
    expect(set).to.deep.include({ adminUser: 'root', adminPassword: ' spaced secret ', loginMaxFailures: 3, trustProxy: 1 });
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).to.equal('loopback, 10.0.0.0/8');
    expect(loadConfig({ TRUST_PROXY: 'uniquelocal,::1/128, 192.0.2.7, 10.0.0.0/255.0.0.0' }).trustProxy).to.equal(
      'uniquelocal, ::1/128, 192.0.2.7, 10.0.0.0/255.0.0.0',
    );
    expect(loadConfig({ TRUST_PROXY: 'FALSE' }).trustProxy).to.equal(false);
    expect(() => loadConfig({ TRUST_PROXY: 'true' }), 'the client writes the left-most X-Forwarded-For').to.throw(/TRUST_PROXY=true/);
    for (const wrong of ['yes', '10.0.0.0/33', 'loopback,', '99']) expect(() => loadConfig({ TRUST_PROXY: wrong }), wrong).to.throw(/TRUST_PROXY/);
    expect(() => loadConfig({ LOGIN_MAX_FAILURES_PER_USER: '0' })).to.throw(/LOGIN_MAX_FAILURES_PER_USER/);
    expect(() => loadConfig({ LOGIN_MAX_FAILURES: '0' })).to.throw(/LOGIN_MAX_FAILURES/);
    expect(() => loadConfig({ AUTH_CACHE_TTL_MS: '-1' })).to.throw(/AUTH_CACHE_TTL_MS/);
  });
});

describe('security: first-start administrator', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(dataDir: string, env: NodeJS.ProcessEnv) {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const config = { ...loadConfig(env), port: 0, dataDir, pluginsDir: SHIPPED_PLUGINS_DIR, watchPlugins: false };
    const handle = await startService(config, pino({ level: 'info' }, sink));
    cleanups.push(() => handle.stop());
    const request = (auth: { username: string; password: string }) =>
      fetch(new URL('/cspace-services/batch', handle.url), { headers: { Authorization: basicAuthorization(auth.username, auth.password) } });
    return { handle, logs: () => lines.join(''), request };
  }

  it('generates a password when ADMIN_PASSWORD is unset, logs it once, and never again', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const first = await start(dir, { ADMIN_USER: 'root' });
    const line = first.logs().split('\n').find((text) => text.includes('generated password'));
    expect(line, first.logs()).to.not.equal(undefined);
    const { username, password } = JSON.parse(line ?? '{}') as { username: string; password: string };
    expect(username).to.equal('root');
    expect(password).to.have.length.greaterThan(15);
    expect((await first.request({ username, password })).status).to.equal(200);
    expect(first.logs().split(password).length - 1).to.equal(1);
    await first.handle.stop();

    const second = await start(dir, { ADMIN_USER: 'root', ADMIN_PASSWORD: 'ignored-after-first-start' });
    expect((await second.request({ username, password })).status).to.equal(200);
    expect((await second.request({ username, password: 'ignored-after-first-start' })).status).to.equal(401);
    expect(second.logs()).to.not.include(password);
  });

  it('uses ADMIN_USER and ADMIN_PASSWORD when set, and logs no password', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const started = await start(dir, { ADMIN_USER: 'curator', ADMIN_PASSWORD: 'curator-secret' });
    expect((await started.request({ username: 'curator', password: 'curator-secret' })).status).to.equal(200);
    expect(started.logs()).to.not.include('curator-secret');
  });
});
