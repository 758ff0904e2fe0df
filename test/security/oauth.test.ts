/**
 * OAuth access tokens and the sign-in page as security boundaries: what a JWT bearer proves and what it does not,
 * the throttling the sign-in page shares with HTTP Basic, refreshes for users who lost access, and keys and
 * grants that outlive a restart. The whole flow with the real client library is test/http/cspaceClientLogin.test.ts.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createTenant, createUser, TENANT_B } from './support.js';
import { openSignIn, signInForTokens, tokenRequest, type TokenAnswer } from '../support/oauthFlow.js';
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
