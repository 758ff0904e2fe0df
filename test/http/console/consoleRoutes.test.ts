/**
 * How the service serves its console over HTTP: the root sends browsers there; the page and its files open without
 * credentials (no Basic challenge for a browser to pop up) and say where to sign in; the account route answers the
 * signed-in caller only. The console's own OAuth client is sent back to the console's exact address only, at the
 * configured public URL or at the origin the sign-in was started at, with PKCE required.
 */
import { expect } from 'chai';
import { openSignIn, signInForTokens, tokenRequest } from '../../support/oauthFlow.js';
import { startTestService, TEST_ADMIN, type TestService } from '../../support/testService.js';
import { createTenant, TENANT_B } from '../../security/support.js';

const CLIENT_ID = 'invocables-console';
/** The configured public URL, which is not where the test reaches the service. */
const PUBLIC_ORIGIN = 'http://console.test';

describe('HTTP console routes', function () {
  this.timeout(60_000);
  let service: TestService;
  /** The console's address at the origin the test reaches the service by. */
  let consoleUri: string;

  before(async () => {
    service = await startTestService({ oauthIssuer: `${PUBLIC_ORIGIN}/cspace-services/oauth2` });
    await createTenant(service);
    consoleUri = new URL('/cspace-services/console/', service.url).href;
  });

  after(() => service.stop());

  /** Where the authorization server sends a browser that asks for the console's client with `params`. */
  async function authorize(params: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; location: string | null; body: string }> {
    const url = new URL('/cspace-services/oauth2/authorize', service.url);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      scope: 'cspace.full',
      state: 'the-state',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...params,
    }).toString();
    const res = await fetch(url, { redirect: 'manual', headers });
    return { status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  it('sends the service root to the console', async () => {
    const res = await service.request('/', { redirect: 'manual', auth: null });
    expect([res.status, res.headers.get('location')]).to.deep.equal([302, '/cspace-services/console/']);
  });

  it('serves the page and its files without asking for credentials, the page saying where it signs in', async () => {
    const res = await service.request('/cspace-services/console/', { auth: null });
    expect([res.status, res.headers.get('www-authenticate')]).to.deep.equal([200, null]);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('content-security-policy')).to.include("script-src 'self'");
    const html = await res.text();
    expect(html).to.include(
      `data-client-id="${CLIENT_ID}" data-redirect-path="/cspace-services/console/" data-scope="cspace.full" data-authorize="/cspace-services/oauth2/authorize" data-token="/cspace-services/oauth2/token" data-revoke="/cspace-services/oauth2/revoke"`,
    );
    expect(html).to.include('<script type="module" src="/cspace-services/console/assets/app.js"></script>');
    expect(html).not.to.include(TEST_ADMIN.username);
    expect((await service.request('/cspace-services/console', { method: 'POST', auth: null })).status).to.equal(405);
    const script = await service.request('/cspace-services/console/assets/auth.js', { auth: null });
    expect([script.status, script.headers.get('content-type'), script.headers.get('www-authenticate')]).to.deep.equal([200, 'text/javascript; charset=utf-8', null]);
    expect(await script.text()).to.include("code_challenge_method: 'S256'");
  });

  it('serves its script and style files, and 404 for any other', async () => {
    const script = await service.request('/cspace-services/console/assets/app.js', { auth: null });
    expect([script.status, script.headers.get('content-type')]).to.deep.equal([200, 'text/javascript; charset=utf-8']);
    expect(await script.text()).to.include("addEventListener('hashchange', render)");
    const style = await service.request('/cspace-services/console/assets/console.css', { auth: null });
    expect(style.headers.get('content-type')).to.equal('text/css; charset=utf-8');
    const missing = await service.request('/cspace-services/console/assets/nothing.js', { headers: { Accept: 'application/json' }, auth: null });
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).to.equal('ROUTE_NOT_FOUND');
  });

  it("answers the caller's account and tenants behind the API's own authentication", async () => {
    const refused = await service.request('/cspace-services/console/account', { auth: null, headers: { Accept: 'application/json' } });
    expect(refused.status).to.equal(401);
    expect(refused.headers.get('www-authenticate')).to.equal('Basic realm="invocables", Bearer');
    const account = await service.request('/cspace-services/console/account');
    expect([account.status, account.headers.get('cache-control')]).to.deep.equal([200, 'no-store']);
    expect(await account.json()).to.deep.equal({ user: 'admin', tenant: 'default', tenants: ['default', TENANT_B] });
    const inB = await service.request('/cspace-services/console/account', { headers: { 'X-Tenant-Id': TENANT_B } });
    expect(((await inB.json()) as { tenant: string }).tenant).to.equal(TENANT_B);
    expect((await service.request('/cspace-services/console/account', { method: 'DELETE' })).status).to.equal(405);
  });

  it("signs the console's client in at the origin it was opened by, its tokens working on the API and revoked on sign-out", async () => {
    const tokens = await signInForTokens(service, consoleUri, TEST_ADMIN.username, TEST_ADMIN.password, CLIENT_ID);
    const bearer = { Authorization: `Bearer ${tokens.access_token}` };
    const account = await service.request('/cspace-services/console/account', { headers: { ...bearer, 'X-Tenant-Id': TENANT_B } });
    expect(await account.json()).to.deep.equal({ user: 'admin', tenant: TENANT_B, tenants: ['default', TENANT_B] });

    const revoke = await fetch(new URL('/cspace-services/oauth2/revoke', service.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: new URL(service.url).origin },
      body: new URLSearchParams({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
    });
    expect(revoke.status).to.equal(200);
    const refresh = await tokenRequest(service, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: CLIENT_ID });
    expect([refresh.status, ((await refresh.json()) as { error: string }).error]).to.deep.equal([400, 'invalid_grant']);
  });

  it('takes token requests from pages of its own origin, and of no other', async () => {
    const page = await openSignIn(service, consoleUri, CLIENT_ID);
    const code = await page.code(await page.submit(TEST_ADMIN.username, TEST_ADMIN.password));
    const exchange = (origin: string) =>
      tokenRequest(service, { grant_type: 'authorization_code', code, redirect_uri: consoleUri, client_id: CLIENT_ID, code_verifier: page.codeVerifier }, { Origin: origin });
    const foreign = await exchange('http://elsewhere.test');
    expect([foreign.status, ((await foreign.json()) as { error_description: string }).error_description]).to.deep.equal([
      400,
      `origin http://elsewhere.test not allowed for client: ${CLIENT_ID}`,
    ]);
    const own = await exchange(new URL(service.url).origin);
    expect(own.status, await own.clone().text()).to.equal(200);
  });

  it("takes the console at the configured public URL (OAUTH_ISSUER's origin) as its redirect URI too", async () => {
    const answer = await authorize({ redirect_uri: `${PUBLIC_ORIGIN}/cspace-services/console/` });
    expect(answer.status).to.equal(303);
    expect(answer.location).to.match(/^\/cspace-services\/oauth2\/login\//);
  });

  it("refuses any other redirect URI without sending the browser there, and a request without PKCE", async () => {
    const origin = new URL(service.url).origin;
    for (const redirectUri of [
      'http://elsewhere.test/cspace-services/console/',
      `${origin}/cspace-services/console/evil`,
      `${origin}/cspace-services/console`,
      `${origin}/cspace-services/console/?next=http://elsewhere.test`,
      `${PUBLIC_ORIGIN}/cspace/core/authorized`,
    ]) {
      const answer = await authorize({ redirect_uri: redirectUri });
      expect([answer.status, answer.location], redirectUri).to.deep.equal([400, null]);
      expect(answer.body, redirectUri).to.include('redirect_uri');
    }
    // Proxy headers name the origin only from a trusted proxy (TRUST_PROXY); here they are anyone's.
    const spoofed = await authorize({ redirect_uri: 'https://elsewhere.test/cspace-services/console/' }, { 'X-Forwarded-Host': 'elsewhere.test', 'X-Forwarded-Proto': 'https' });
    expect([spoofed.status, spoofed.location]).to.deep.equal([400, null]);
    const withoutPkce = await authorize({ redirect_uri: consoleUri, code_challenge: '', code_challenge_method: '' });
    expect(withoutPkce.status).to.equal(303);
    const back = new URL(withoutPkce.location ?? '', service.url);
    expect(`${back.origin}${back.pathname}`).to.equal(consoleUri);
    expect([back.searchParams.get('error'), back.searchParams.get('state')]).to.deep.equal(['invalid_request', 'the-state']);
    expect(back.searchParams.get('error_description')).to.include('PKCE');
  });
});

describe('HTTP console routes behind a trusted proxy', function () {
  this.timeout(60_000);
  let service: TestService;

  before(async () => {
    service = await startTestService({ trustProxy: 'loopback' });
  });

  after(() => service.stop());

  it('takes the console at the origin the proxy says the browser opened as its redirect URI', async () => {
    // openSignIn checks that the authorization request is sent on to the sign-in page, not refused.
    await openSignIn(service, 'https://invocables.example.org/cspace-services/console/', CLIENT_ID, {
      'X-Forwarded-Host': 'invocables.example.org',
      'X-Forwarded-Proto': 'https',
    });
  });
});
