/**
 * Routes beside the JSON API: `/` and the web console's page (src/http/console/), `/health`, this description, the
 * OAuth authorization server (src/http/oauth/oauthRouter.ts and oidc-provider's own endpoints) and the Agenda
 * dashboard's page.
 */
import { OAUTH_ROUTES } from '../../../services/oauth/oauthProvider.js';
import { operation, pathParameter, type OpenApiObject, type Paths } from '../operation.js';

const HEALTH: OpenApiObject = {
  type: 'object',
  required: ['status', 'store', 'plugins'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    store: { type: 'object', properties: { engine: { type: 'string', enum: ['sqlite', 'mongodb'] }, problem: { type: 'object' } } },
    plugins: {
      type: 'object',
      properties: {
        loaded: { type: 'integer' },
        failed: { type: 'array', items: { type: 'object', properties: { file: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } } },
      },
    },
  },
};

const json = (description: string, schema: OpenApiObject = { type: 'object' }, example?: unknown): OpenApiObject => ({
  description,
  content: { 'application/json': { schema, ...(example !== undefined && { example }) } },
});
const html = (description: string): OpenApiObject => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const form = (properties: Record<string, OpenApiObject>, required: string[]): OpenApiObject => ({
  required: true,
  content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', properties, required } } },
});
const text = { type: 'string' };

export interface ServiceFeatures {
  /** Where the web console is served; absent, it is not (nor is `/` sent there). */
  consolePath?: string;
  /** Where the authorization server is mounted; absent, it is not served. */
  oauthPath?: string;
  /** Where the Agenda dashboard is served; absent, it is not. */
  agendashPath?: string;
}

function oauthPaths(base: string): Paths {
  const TAG = 'OAuth';
  const uid = pathParameter('uid', 'The sign-in (interaction) the authorization server started');
  return {
    [`${base}${OAUTH_ROUTES.authorization}`]: {
      get: operation({
        id: 'oauthAuthorize',
        summary: 'Start signing in (authorization code with PKCE S256): redirects to the sign-in page',
        tag: TAG,
        open: true,
        parameters: ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'].map((name) => ({ name, in: 'query', schema: text })),
        responses: { 303: { description: 'To the sign-in page, or back to the client with an error' }, 400: html('An invalid request the client cannot be sent back with') },
      }),
    },
    [`${base}/login/{uid}`]: {
      get: operation({ id: 'oauthSignInPage', summary: 'The sign-in page', tag: TAG, open: true, parameters: [uid], responses: { 200: html('The page'), 400: html('An expired or foreign sign-in') } }),
      post: operation({
        id: 'oauthSignIn',
        summary: 'Sign in with a username and password (throttled as Basic logins are)',
        tag: TAG,
        open: true,
        parameters: [uid],
        body: form({ username: text, password: text }, ['username', 'password']),
        responses: {
          303: { description: 'Back to the authorization server, which sends the browser to the client with a code' },
          401: html('Wrong username or password: the page again'),
          403: html("The account's tenant is disabled"),
          429: { ...html('Too many failed sign-ins: the page again'), headers: { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } },
        },
      }),
    },
    [`${base}${OAUTH_ROUTES.token}`]: {
      post: operation({
        id: 'oauthToken',
        summary: 'Exchange a code (with its PKCE verifier) or a refresh token for an access token',
        tag: TAG,
        open: true,
        body: form({ grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token'] }, code: text, code_verifier: text, redirect_uri: text, refresh_token: text, client_id: text }, ['grant_type']),
        responses: { 200: json('The tokens', { type: 'object', properties: { access_token: text, token_type: text, expires_in: { type: 'integer' }, refresh_token: text, scope: text } }), 400: json('An OAuth error (`invalid_grant`, …)') },
      }),
    },
    [`${base}${OAUTH_ROUTES.revocation}`]: {
      post: operation({
        id: 'oauthRevoke',
        summary: 'Revoke a refresh token (RFC 7009)',
        tag: TAG,
        open: true,
        body: form({ token: text, token_type_hint: text, client_id: text }, ['token']),
        responses: { 200: { description: 'Revoked (or unknown)' }, 400: json('An OAuth error') },
      }),
    },
    [`${base}${OAUTH_ROUTES.jwks}`]: {
      get: operation({ id: 'oauthKeys', summary: 'The public keys access tokens are signed with (JWKS)', tag: TAG, open: true, responses: { 200: json('The key set', { type: 'object', properties: { keys: { type: 'array' } } }) } }),
    },
    [`${base}/.well-known/openid-configuration`]: {
      get: operation({ id: 'oauthDiscovery', summary: "The authorization server's metadata (endpoints, supported grants)", tag: TAG, open: true, responses: { 200: json('The metadata') } }),
    },
  };
}

function consolePaths(base: string): Paths {
  return {
    '/': {
      get: operation({
        id: 'home',
        summary: 'Where a browser lands: the web console',
        tag: 'Service',
        open: true,
        responses: { 302: { description: 'To the console', headers: { Location: { $ref: '#/components/headers/Location' } } } },
      }),
    },
    [base]: {
      get: operation({
        id: 'console',
        summary: 'The web console: definitions, invocations, runs with live progress, schedules',
        description:
          'Open to all: its script signs in through the OAuth sign-in page (as the client `invocables-console`, sent back to this page), then reads everything it shows from this API with its Bearer token. Its scripts and styles are served under `/assets/` below this path.',
        tag: 'Service',
        open: true,
        responses: { 200: html('The console page') },
      }),
    },
    [`${base}/account`]: {
      get: operation({
        id: 'consoleAccount',
        summary: "The caller's username, the tenant the request acts in, and every tenant they may act in (the console's tenant switcher)",
        tag: 'Service',
        responses: {
          200: json(
            'The account',
            { type: 'object', required: ['user', 'tenant', 'tenants'], properties: { user: text, tenant: text, tenants: { type: 'array', items: text } } },
            { user: 'admin', tenant: 'default', tenants: ['default', 'museum-b'] },
          ),
        },
      }),
    },
  };
}

export function servicePaths(root: string, features: ServiceFeatures): Paths {
  const paths: Paths = {
    '/health': {
      get: operation({
        id: 'health',
        summary: 'Which store runs, whether it takes writes, which plugins failed to load',
        tag: 'Service',
        open: true,
        responses: { 200: json('The store takes writes', HEALTH, { status: 'ok', store: { engine: 'sqlite' }, plugins: { loaded: 4, failed: [] } }), 503: json('The store cannot take writes: they are refused and runs pause', HEALTH) },
      }),
    },
    [`${root}/openapi.json`]: {
      get: operation({ id: 'openApi', summary: 'This description (OpenAPI 3.1)', tag: 'Service', open: true, responses: { 200: json('The description') } }),
    },
  };
  if (features.consolePath !== undefined) Object.assign(paths, consolePaths(features.consolePath));
  if (features.oauthPath !== undefined) Object.assign(paths, oauthPaths(features.oauthPath));
  if (features.agendashPath !== undefined) {
    paths[features.agendashPath] = {
      get: operation({
        id: 'agendash',
        summary: "The Agenda dashboard (Agendash): every tenant's background jobs, for system administrators only",
        description: "Its page loads Agendash's own JSON calls under this path, which are Agendash's and not described here.",
        tag: 'Service',
        responses: { 200: html('The dashboard'), 301: { description: 'To the same path with a trailing slash' } },
      }),
    };
  }
  return paths;
}
