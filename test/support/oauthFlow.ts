/**
 * The authorization code flow over plain HTTP, as a browser would go through it but without one: follows the
 * authorization server's redirects by hand, keeps its cookies, and posts the sign-in form. For tests about tokens,
 * refusals and throttling; test/http/cspaceClientLogin.test.ts drives the same page in a real Chromium.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { TestService } from './testService.js';

export interface SignInPage {
  /** Posts the sign-in form; answers the service's response (redirects not followed). */
  submit(username: string, password: string): Promise<Response>;
  /** After a successful `submit`, follows the redirects to the client's redirect URI and answers the code. */
  code(afterSubmit: Response): Promise<string>;
  /** Starts another authorization request in the same browser (same cookies); answers where it is sent. */
  authorizeAgain(): Promise<string>;
  codeVerifier: string;
}

/** Starts an authorization request for `clientId` and opens its sign-in page, sending `extraHeaders` each time. */
export async function openSignIn(service: TestService, redirectUri: string, clientId = 'cspace-ui', extraHeaders: Record<string, string> = {}): Promise<SignInPage> {
  const cookies = new Map<string, string>();
  const send = async (url: string | URL, init: RequestInit = {}) => {
    const headers = new Headers(extraHeaders);
    for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
    if (cookies.size > 0) headers.set('Cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const res = await fetch(new URL(url, service.url), { ...init, headers, redirect: 'manual' });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const equals = pair.indexOf('=');
      cookies.set(pair.slice(0, equals), pair.slice(equals + 1));
    }
    return res;
  };
  const codeVerifier = randomBytes(32).toString('base64url');
  const authorize = new URL('/cspace-services/oauth2/authorize', service.url);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    scope: 'cspace.full',
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const started = await send(authorize);
  expect(started.status).to.equal(303);
  const loginPath = started.headers.get('location') ?? '';
  expect(loginPath).to.match(/^\/cspace-services\/oauth2\/login\//);
  expect((await send(loginPath)).status).to.equal(200);
  return {
    codeVerifier,
    authorizeAgain: async () => (await send(authorize)).headers.get('location') ?? '',
    submit: (username, password) =>
      send(loginPath, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username, password }).toString(),
      }),
    async code(afterSubmit) {
      expect(afterSubmit.status).to.equal(303);
      const resumed = await send(afterSubmit.headers.get('location') ?? '');
      expect(resumed.status).to.equal(303);
      const back = new URL(resumed.headers.get('location') ?? '', service.url);
      expect(`${back.origin}${back.pathname}`).to.equal(redirectUri);
      return back.searchParams.get('code') ?? '';
    },
  };
}

export interface TokenAnswer {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

/** Posts a form to the token endpoint, as cspace-client does (no client authentication unless `headers` add it). */
export function tokenRequest(service: TestService, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return oauthForm(service, 'token', form, headers);
}

/** Posts a form to the revocation endpoint, as the console does on Sign out. */
export function revokeRequest(service: TestService, form: Record<string, string>): Promise<Response> {
  return oauthForm(service, 'revoke', form, {});
}

function oauthForm(service: TestService, endpoint: string, form: Record<string, string>, headers: Record<string, string>): Promise<Response> {
  return fetch(new URL(`/cspace-services/oauth2/${endpoint}`, service.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=utf-8', ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

/** Signs `username` in and exchanges the code: the tokens cspace-client (or another public client) would keep. */
export async function signInForTokens(
  service: TestService,
  redirectUri: string,
  username: string,
  password: string,
  clientId = 'cspace-ui',
): Promise<TokenAnswer> {
  const page = await openSignIn(service, redirectUri, clientId);
  const code = await page.code(await page.submit(username, password));
  const res = await tokenRequest(service, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: clientId,
    code_verifier: page.codeVerifier,
  });
  expect(res.status, await res.clone().text()).to.equal(200);
  return (await res.json()) as TokenAnswer;
}
