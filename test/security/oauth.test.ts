/**
 * OAuth access tokens and the sign-in page as security boundaries: what a JWT bearer proves and what it does not,
 * the throttling the sign-in page shares with HTTP Basic, refreshes for users who lost access, and keys and
 * grants that outlive a restart. The whole flow with the real client library is test/http/cspaceClientLogin.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createTenant, createUser, TENANT_B } from './support.js';
import { openSignIn, revokeRequest, signInForTokens, tokenRequest, type TokenAnswer } from '../support/oauthFlow.js';
import { dropMongoDatabase, ownMongoUri } from '../support/mongoUri.js';
import { basicAuthorization, startTestService, tempDir, type TestService } from '../support/testService.js';

const REDIRECT_URI = 'http://ui.test/cspace/museum-b/authorized';
const USER = 'cataloguer';
const PASSWORD = `${USER}-password`;

const bearer = (service: TestService, token: string, headers: Record<string, string> = {}) =>
  fetch(new URL('/cspace-services/batch', service.url), { headers: { Authorization: `Bearer ${token}`, ...headers } });

describe('OAuth access tokens and the sign-in page', function () {
  this.timeout(60_000);
  let service: TestService;
  let tokens: TokenAnswer;

  beforeEach(async () => {
    service = await startTestService({ oauthRedirectUris: [REDIRECT_URI], loginMaxFailures: 2 });
    await createUser(await createTenant(service), USER, ['TENANT_ADMINISTRATOR']);
    tokens = await signInForTokens(service, REDIRECT_URI, USER, PASSWORD);
  });

  afterEach(async () => {
    await service.stop();
  });

  it("acts in the user's tenant, or another of theirs named by X-Tenant-Id, and nowhere else", async () => {
    expect((await bearer(service, tokens.access_token)).status).to.equal(200);
    expect((await bearer(service, tokens.access_token, { 'X-Tenant-Id': TENANT_B })).status).to.equal(200);
    expect((await bearer(service, tokens.access_token, { 'X-Tenant-Id': 'default' })).status).to.equal(403);
  });

  it('refuses a tampered, truncated or re-signed token with the same 401 as no credentials', async () => {
    const [header = '', payload = '', signature = ''] = tokens.access_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const asAdmin = Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    for (const forged of [`${header}.${asAdmin}.${signature}`, `${header}.${payload}.${signature.slice(0, -4)}AAAA`, unsigned]) {
      const res = await bearer(service, forged);
      expect(res.status, forged).to.equal(401);
      expect(res.headers.get('www-authenticate')).to.equal('Basic realm="invocables", Bearer');
    }
  });

  it("refuses a disabled user's access token and refresh at once", async () => {
    const disabled = await service.request(`/cspace-services/admin/users/${USER}/disable`, { method: 'POST', headers: { 'X-Tenant-Id': TENANT_B } });
    expect(disabled.status).to.equal(200);
    expect((await bearer(service, tokens.access_token)).status).to.equal(401);
    const refresh = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.status).to.equal(400);
    expect(await refresh.json()).to.include({ error: 'invalid_grant' });
  });

  it('refuses an access token once its client revoked it, and no other token of the grant', async () => {
    const refreshed = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    const renewed = (await refreshed.json()) as TokenAnswer;
    expect((await bearer(service, tokens.access_token)).status, 'used before: kept by authentication').to.equal(200);
    const byAnother = await revokeRequest(service, { token: tokens.access_token, token_type_hint: 'access_token', client_id: 'invocables-console' });
    expect(byAnother.status).to.equal(200);
    expect((await bearer(service, tokens.access_token)).status, "another client cannot revoke cspace-ui's token").to.equal(200);
    const revoked = await revokeRequest(service, { token: tokens.access_token, token_type_hint: 'access_token', client_id: 'cspace-ui' });
    expect(revoked.status).to.equal(200);
    expect((await bearer(service, tokens.access_token)).status).to.equal(401);
    expect((await bearer(service, renewed.access_token)).status, 'the later token of the same sign-in').to.equal(200);
  });

  it('refuses every access token of a sign-in once its refresh token is revoked, as the console signs out', async () => {
    const refreshed = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    const renewed = (await refreshed.json()) as TokenAnswer;
    const other = await signInForTokens(service, REDIRECT_URI, USER, PASSWORD);
    for (const token of [tokens.access_token, renewed.access_token]) expect((await bearer(service, token)).status).to.equal(200);
    const revoked = await revokeRequest(service, { token: renewed.refresh_token, token_type_hint: 'refresh_token', client_id: 'cspace-ui' });
    expect(revoked.status).to.equal(200);
    for (const token of [tokens.access_token, renewed.access_token]) expect((await bearer(service, token)).status).to.equal(401);
    expect((await bearer(service, other.access_token)).status, "another sign-in's token").to.equal(200);
  });

  it('refuses every access token of a sign-in whose rotated refresh token is used again', async () => {
    const refreshed = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    const renewed = (await refreshed.json()) as TokenAnswer;
    expect((await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status).to.equal(400);
    for (const token of [tokens.access_token, renewed.access_token]) expect((await bearer(service, token)).status).to.equal(401);
  });

  it('refreshes without naming the client, as cspace-client does, and rotates the refresh token', async () => {
    const refresh = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.status, await refresh.clone().text()).to.equal(200);
    const renewed = (await refresh.json()) as TokenAnswer;
    expect(renewed.refresh_token).to.not.equal(tokens.refresh_token);
    expect((await bearer(service, renewed.access_token)).status).to.equal(200);
    // The rotated token was used once: presenting it again is refused.
    const replay = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(replay.status).to.equal(400);
  });

  it('counts failed sign-ins like Basic logins: past the limit even the right password gets 429 on the page and over Basic', async () => {
    const page = await openSignIn(service, REDIRECT_URI);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const wrong = await page.submit(USER, 'not-the-password');
      expect(wrong.status).to.equal(401);
      expect(await wrong.text()).to.contain('Wrong username or password.');
    }
    const locked = await page.submit(USER, PASSWORD);
    expect(locked.status).to.equal(429);
    expect(Number(locked.headers.get('retry-after'))).to.be.greaterThan(0);
    expect(await locked.text()).to.contain('Too many failed sign-ins');
    const basic = await fetch(new URL('/cspace-services/batch', service.url), { headers: { Authorization: basicAuthorization(USER, PASSWORD) } });
    expect(basic.status).to.equal(429);
  });

  it('asks for the password at every authorization, even in a browser that signed in before', async () => {
    const page = await openSignIn(service, REDIRECT_URI);
    await page.code(await page.submit(USER, PASSWORD));
    expect(await page.authorizeAgain()).to.match(/^\/cspace-services\/oauth2\/login\//);
  });

  it('answers a sign-in page without its interaction cookie with 400, not a form', async () => {
    const res = await fetch(new URL('/cspace-services/oauth2/login/not-an-interaction', service.url));
    expect(res.status).to.equal(400);
    expect(await res.text()).to.contain('This sign-in has expired or was not started in this browser');
  });

  it('keeps its keys and grants across a restart: old access and refresh tokens still work', async () => {
    const { dataDir } = service;
    await service.stop();
    service = await startTestService({ dataDir, oauthRedirectUris: [REDIRECT_URI] });
    expect((await bearer(service, tokens.access_token)).status).to.equal(200);
    const refresh = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refresh.status, await refresh.clone().text()).to.equal(200);
  });
});

describe('OAuth clients registered in OAUTH_CLIENTS_FILE', function () {
  this.timeout(60_000);
  const TOOL_REDIRECT = 'http://tool.test/callback';

  it('serves a confidential client beside cspace-ui: its code is exchanged only with its secret', async () => {
    const files = await tempDir('invocables-oauth-clients-');
    const clientsFile = path.join(files.dir, 'clients.json');
    await writeFile(
      clientsFile,
      JSON.stringify([{ client_id: 'collection-tool', client_secret: 'a-long-tool-secret', redirect_uris: [TOOL_REDIRECT], grant_types: ['authorization_code', 'refresh_token'] }]),
    );
    const service = await startTestService({ oauthClientsFile: clientsFile });
    try {
      await createUser(await createTenant(service), USER, ['TENANT_ADMINISTRATOR']);
      const page = await openSignIn(service, TOOL_REDIRECT, 'collection-tool');
      const code = await page.code(await page.submit(USER, PASSWORD));
      const form = { grant_type: 'authorization_code', code, redirect_uri: TOOL_REDIRECT, code_verifier: page.codeVerifier };
      const unauthenticated = await tokenRequest(service, { ...form, client_id: 'collection-tool' });
      expect(unauthenticated.status).to.equal(401);
      const exchanged = await tokenRequest(service, form, { Authorization: basicAuthorization('collection-tool', 'a-long-tool-secret') });
      expect(exchanged.status, await exchanged.clone().text()).to.equal(200);
      expect((await bearer(service, ((await exchanged.json()) as TokenAnswer).access_token)).status).to.equal(200);
    } finally {
      await service.stop();
      await files.cleanup();
    }
  });
});

describe('OAuth state shared by the processes of one installation', function () {
  this.timeout(60_000);
  const mongodbUri = ownMongoUri('inv_oauth_shared');
  // On SQLite, processes share DATA_DIR; on MongoDB each may have its own DATA_DIR (another machine) and shares the
  // database, the keys file and the issuer.
  const engine = mongodbUri === undefined ? 'SQLite, one DATA_DIR' : 'MongoDB, a DATA_DIR each';
  let services: TestService[] = [];
  const dirs: Array<{ cleanup: () => Promise<void> }> = [];

  afterEach(async () => {
    await Promise.all(services.map((service) => service.stop()));
    services = [];
    await Promise.all(dirs.splice(0).map((dir) => dir.cleanup()));
    if (mongodbUri !== undefined) await dropMongoDatabase(mongodbUri);
  });

  it(`exchanges a code issued by one process at another, refreshes at the first, and signs out at either (${engine})`, async () => {
    const keys = await tempDir('invocables-oauth-keys-');
    dirs.push(keys);
    const oauthKeysFile = path.join(keys.dir, 'oauth-keys.json');
    const shared = await tempDir('invocables-oauth-shared-');
    dirs.push(shared);
    const start = async () => {
      const own = mongodbUri === undefined ? shared : await tempDir('invocables-oauth-own-');
      if (own !== shared) dirs.push(own);
      const config = { dataDir: own.dir, mongodbUri, oauthKeysFile, oauthIssuer: 'http://invocables.test/cspace-services' };
      const service = await startTestService({ ...config, oauthRedirectUris: [REDIRECT_URI] });
      services.push(service);
      return service;
    };
    const first = await start();
    const second = await start();
    await createUser(await createTenant(first), USER, ['TENANT_ADMINISTRATOR']);
    const page = await openSignIn(first, REDIRECT_URI);
    const code = await page.code(await page.submit(USER, PASSWORD));
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: 'cspace-ui', code_verifier: page.codeVerifier };
    const exchanged = await tokenRequest(second, exchange);
    expect(exchanged.status, await exchanged.clone().text()).to.equal(200);
    const tokens = (await exchanged.json()) as TokenAnswer;
    expect((await bearer(first, tokens.access_token)).status).to.equal(200);
    const refreshed = await tokenRequest(first, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status, await refreshed.clone().text()).to.equal(200);
    // The code was consumed where it was exchanged: the other process knows it too.
    expect((await tokenRequest(first, exchange)).status).to.equal(400);
    // Using a code twice revokes what it granted (RFC 6749 4.1.2), in every process: here the one that had accepted it.
    const renewed = (await refreshed.json()) as TokenAnswer;
    for (const token of [tokens.access_token, renewed.access_token]) expect((await bearer(first, token)).status).to.equal(401);
    // Signing out at one process refuses the sign-in's access token at the other, which had accepted it.
    const again = await signInForTokens(second, REDIRECT_URI, USER, PASSWORD);
    expect((await bearer(first, again.access_token)).status).to.equal(200);
    expect((await revokeRequest(second, { token: again.refresh_token, client_id: 'cspace-ui' })).status).to.equal(200);
    expect((await bearer(first, again.access_token)).status).to.equal(401);
  });
});
