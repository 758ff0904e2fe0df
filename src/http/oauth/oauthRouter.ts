/**
 * `/cspace-services/oauth2`: the authorization server's endpoints (oidc-provider: `authorize`, `token`, `jwks`,
 * `token/revocation`, discovery at `/.well-known/openid-configuration`) and the sign-in page its authorization
 * requests are sent to. Mounted before the API's authentication: these routes are how a client gets credentials.
 *
 * The sign-in page checks the password through the same `AuthService.authenticate` as HTTP Basic, so login
 * throttling (per username and address, per address, per username) counts and refuses here exactly as there.
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { AuthService } from '../../services/auth/authService.js';
import { CSPACE_SCOPE, OAUTH_AUDIENCE } from '../../services/oauth/oauthProvider.js';
import { loginPage, loginPagePolicy } from './loginPage.js';

export const OAUTH_PATH = '/oauth2';
const LOGIN_PATH = '/login';

export interface OAuthRouterDeps {
  provider: Provider;
  auth: AuthService;
  /** Where this router is mounted, e.g. `/cspace-services/oauth2`. */
  basePath: string;
  /** The client a token request names none for (see `publicClientRefresh`). */
  defaultClientId: string;
  /** Origins the registered clients are sent back to, for the sign-in page's `form-action`. */
  redirectOrigins: readonly string[];
}

/** The sign-in page of interaction `uid`: where oidc-provider sends the browser (`interactions.url`). */
export function loginPathFor(basePath: string, uid: string): string {
  return `${basePath}${LOGIN_PATH}/${encodeURIComponent(uid)}`;
}

function sendPage(res: Response, status: number, html: string, policy: string): void {
  res.status(status).set({ 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': policy, 'Cache-Control': 'no-store' }).send(html);
}

function formField(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * cspace-client refreshes with only `grant_type` and `refresh_token`: a public client sends no client
 * authentication, and it does not name itself either. oidc-provider needs the client named, so a refresh that
 * names no client and authenticates none is taken as the default client's; the refresh token must still have been
 * issued to that client, so this gives no other client anything. The body is read here as text and handed on
 * (oidc-provider warns once that a body was read before it).
 */
function publicClientRefresh(clientId: string): RequestHandler[] {
  return [
    express.text({ type: 'application/x-www-form-urlencoded', limit: '56kb' }),
    (req, _res, next) => {
      if (typeof req.body === 'string' && req.get('authorization') === undefined) {
        const form = new URLSearchParams(req.body);
        if (form.get('grant_type') === 'refresh_token' && !form.has('client_id')) {
          form.set('client_id', clientId);
          req.body = form.toString();
        }
      }
      next();
    },
  ];
}

export function oauthRouter(deps: OAuthRouterDeps): Router {
  const { provider, auth } = deps;
  const router = express.Router();
  const policy = loginPagePolicy(deps.redirectOrigins);
  const action = (uid: string) => loginPathFor(deps.basePath, uid);

  /** The interaction the browser is in, or `undefined` (and an error page sent) when it has none or another. */
  async function interaction(req: Request, res: Response) {
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.uid === req.params['uid']) return details;
    } catch (error) {
      if (!(error instanceof errors.OIDCProviderError)) throw error;
    }
    sendPage(res, 400, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body><p>This sign-in has expired or was not started in this browser. Start again from the application.</p></body></html>`, policy);
    return undefined;
  }

  router.get(`${LOGIN_PATH}/:uid`, async (req, res) => {
    const details = await interaction(req, res);
    if (details === undefined) return;
    sendPage(res, 200, loginPage({ action: action(details.uid) }), policy);
  });

  router.post(`${LOGIN_PATH}/:uid`, express.urlencoded({ extended: false, limit: '16kb' }), async (req, res) => {
    const details = await interaction(req, res);
    if (details === undefined) return;
    const username = formField(req, 'username') ?? '';
    const password = formField(req, 'password') ?? '';
    const refuse = (status: number, problem: string, headers: Record<string, string> = {}) =>
      sendPage(res.set(headers), status, loginPage({ action: action(details.uid), username, problem }), policy);
    if (username === '' || password === '') return refuse(400, 'Enter your username and password.');
    const outcome = await auth.authenticate({
      credentials: { scheme: 'basic', username, password },
      address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    });
    switch (outcome.kind) {
      case 'unauthenticated':
        return refuse(401, 'Wrong username or password.');
      case 'throttled':
        return refuse(429, 'Too many failed sign-ins; try again later.', { 'Retry-After': String(outcome.retryAfterSeconds) });
      case 'tenant-refused':
        return refuse(403, 'Your account may not sign in now: its tenant is disabled.');
      case 'authenticated':
        break;
    }
    const accountId = outcome.caller.user;
    const grant = new provider.Grant({ accountId, clientId: String(details.params['client_id']) });
    const requested = new Set(String(details.params['scope'] ?? '').split(' '));
    for (const scope of ['openid', 'offline_access']) if (requested.has(scope)) grant.addOIDCScope(scope);
    grant.addResourceScope(OAUTH_AUDIENCE, CSPACE_SCOPE);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  });

  router.post('/token', ...publicClientRefresh(deps.defaultClientId));
  router.use(provider.callback());
  return router;
}
