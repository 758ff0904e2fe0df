/**
 * The OAuth 2 authorization server CollectionSpace's own client logs in through (cspace-client, used by cspace-ui):
 * authorization code with PKCE at `/cspace-services/oauth2/authorize`, tokens at `/cspace-services/oauth2/token`,
 * for the public client `cspace-ui`, with refresh tokens, and JWT access tokens whose `sub` is the username.
 *
 * oidc-provider does the protocol; this module only configures it as CollectionSpace configures Spring
 * Authorization Server: the `cspace-ui` client and its redirect URIs (plus the web console's own client, see
 * consoleClient.ts, and any from OAUTH_CLIENTS_FILE), the `cspace.full` scope, token lifetimes. Who may get tokens
 * is the service's own user store, asked through `isActive`; the sign-in page is src/http/oauth.
 */
import Provider, {
  errors,
  interactionPolicy,
  type Adapter,
  type ClientMetadata,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { Logger } from 'pino';
import { allowConsoleAtRequestOrigin, consoleClient } from './consoleClient.js';
import type { OAuthKeys } from './oauthKeys.js';
import { OAuthSettingsError } from './oauthSettingsError.js';
import { grantClaim, recordingGrantRevocations, revokingAccessTokens, type TokenRevocationDeps } from './tokenRevocations.js';

/** The client cspace-client names by default, registered as CollectionSpace registers it. */
export const CSPACE_UI_CLIENT_ID = 'cspace-ui';
/** The scope cspace-ui asks for: the whole API. */
export const CSPACE_SCOPE = 'cspace.full';
/** CollectionSpace's paths (Spring Authorization Server's defaults); oidc-provider's own default is `/auth`. */
export const OAUTH_ROUTES = { authorization: '/authorize', token: '/token', jwks: '/jwks', revocation: '/revoke' } as const;
/** The audience of every access token: this service's API. */
export const OAUTH_AUDIENCE = 'urn:invocables:cspace-services';

export interface OAuthSettings {
  /** The `iss` of every token: the server's public URL of `/cspace-services/oauth2`. */
  issuer: string;
  /** Where `cspace-ui` may be sent back with a code (the UI's `/authorized` page of each tenant). */
  redirectUris: readonly string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Registrations besides `cspace-ui` and the console's (see oauthClients.ts). */
  otherClients: readonly ClientMetadata[];
  /** The web console's path, where its own client is sent back with a code (see consoleClient.ts). */
  consolePath: string;
}

export const OAUTH_DEFAULTS = {
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlSeconds: 14 * 86_400,
  /** CollectionSpace's default UI, tenant `core`, on its default port. */
  redirectUris: ['http://localhost:8180/cspace/core/authorized'],
} as const;

export interface OAuthProviderDeps {
  settings: OAuthSettings;
  keys: OAuthKeys;
  adapter: (model: string) => Adapter;
  /** Whether a username may (still) get tokens: asked at login and at every refresh. */
  isActive: (username: string) => Promise<boolean>;
  /** The login page of an interaction, as a path. */
  loginPath: (uid: string) => string;
  /** Express's `trust proxy` is on: believe `X-Forwarded-Proto`/`-Host` for the URLs it builds. */
  behindProxy: boolean;
  /** Where the server's own failures are told (a client sees only `server_error`). */
  logger: Logger;
  /** Where revoked access tokens and grants are recorded, for authentication to refuse (see tokenRevocations.ts). */
  revocations: TokenRevocationDeps;
}

function errorPage(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): void {
  const escape = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.type = 'html';
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head><body><h1>Sign-in error</h1><p>${escape(
    out.error_description ?? out.error,
  )}</p></body></html>`;
}

/** The origins a client is sent back to: where its browser pages run. */
export function redirectOrigins(clients: ReadonlyArray<{ redirect_uris?: readonly string[] | undefined }>): string[] {
  const uris = clients.flatMap((client) => client.redirect_uris ?? []);
  return [...new Set(uris.filter((uri) => URL.canParse(uri)).map((uri) => new URL(uri).origin))];
}

/**
 * Every authorization asks for the password, even in a browser that signed in before: the server keeps no sign-in
 * session that a client's logout (cspace-client just forgets its tokens) would leave open for the next person at
 * that browser. Only the request that resumes right after the sign-in page passes.
 */
function signInEachTime(): interactionPolicy.DefaultPolicy {
  const policy = interactionPolicy.base();
  policy
    .get('login')
    ?.checks.add(
      new interactionPolicy.Check('sign_in_each_time', 'every authorization asks for the password', (ctx) => ctx.oidc.result?.['login'] === undefined),
    );
  return policy;
}

export function createOAuthProvider(deps: OAuthProviderDeps): Provider {
  const { settings } = deps;
  const configuration: Configuration = {
    adapter: (model: string) =>
      model === 'Grant' ? recordingGrantRevocations(deps.adapter(model), deps.revocations, settings.accessTokenTtlSeconds) : deps.adapter(model),
    ...registrations(settings, deps.keys),
    pkce: { required: () => true },
    // `cspace.full` is the API's own (resource) scope, granted with it below, not an OpenID Connect one.
    scopes: ['openid', 'offline_access'],
    claims: { openid: ['sub'] },
    findAccount: async (_ctx, sub) =>
      (await deps.isActive(sub)) ? { accountId: sub, claims: () => ({ sub }) } : undefined,
    routes: OAUTH_ROUTES,
    interactions: { policy: signInEachTime(), url: (_ctx, interaction) => deps.loginPath(interaction.uid) },
    features: {
      devInteractions: { enabled: false },
      // No sign-in session outlives an authorization (see signInEachTime), so there is none to log out of.
      rpInitiatedLogout: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // cspace-client names no resource: every token is for this API, as a JWT any process can verify.
        defaultResource: () => OAUTH_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== OAUTH_AUDIENCE) throw new errors.InvalidTarget();
          return {
            scope: CSPACE_SCOPE,
            audience: OAUTH_AUDIENCE,
            accessTokenTTL: settings.accessTokenTtlSeconds,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // Each access token names its grant, so that revoking the grant refuses it (see tokenRevocations.ts).
    extraTokenClaims: grantClaim,
    // cspace-client keeps a refresh token whatever scope it asked for, so every code grant gets one.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      RefreshToken: settings.refreshTokenTtlSeconds,
      Grant: settings.refreshTokenTtlSeconds,
      Session: settings.refreshTokenTtlSeconds,
    },
    // The UI calls the token endpoint from its own origin: allow each client the origins it is sent back to. A page
    // of this service's own origin (the console) is no cross-origin caller at all.
    clientBasedCORS: (ctx, origin, client) => origin === ctx.origin || redirectOrigins([{ redirect_uris: client.redirectUris }]).includes(origin),
    renderError: (ctx, out) => errorPage(ctx, out),
  };
  const provider = new Provider(settings.issuer, configuration);
  provider.proxy = deps.behindProxy;
  allowConsoleAtRequestOrigin(provider, settings.consolePath);
  revokingAccessTokens(provider, deps.revocations);
  provider.on('server_error', (ctx, err) => deps.logger.error({ err, path: ctx.path }, 'OAuth server error'));
  return provider;
}

/** The adapter of a provider that only checks registrations: static clients need none, and nothing is stored. */
class StoresNothing implements Adapter {
  async upsert(): Promise<void> {
    throw new Error('a provider that checks registrations stores nothing');
  }
  async find(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/** The registered clients, `cspace-ui` first, then the console's, and the keys: what a provider is built from. */
function registrations(settings: OAuthSettings, keys: OAuthKeys): Pick<Configuration, 'clients' | 'jwks' | 'cookies'> {
  return {
    clients: [
      {
        client_id: CSPACE_UI_CLIENT_ID,
        // A browser application keeps no secret: PKCE proves the code's requester instead.
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [...settings.redirectUris],
      },
      consoleClient(settings.issuer, settings.consolePath),
      ...settings.otherClients,
    ],
    jwks: { keys: keys.keys as NonNullable<Configuration['jwks']>['keys'] },
    cookies: { keys: keys.cookieKeys },
  };
}

/**
 * oidc-provider checks a registration's metadata only when the client is first used: check every one at start-up,
 * so a wrong registration stops the service with the reason rather than failing someone's sign-in later. It runs
 * before the service touches its data directory, where the real keys may live: `keys` may be throwaway ones.
 */
export async function checkClients(settings: OAuthSettings, keys: OAuthKeys): Promise<void> {
  const configuration = registrations(settings, keys);
  // Named so that oidc-provider does not warn about its development defaults: this provider serves nobody.
  const provider = new Provider(settings.issuer, {
    ...configuration,
    adapter: StoresNothing,
    features: { devInteractions: { enabled: false } },
  });
  for (const { client_id: clientId } of configuration.clients ?? []) {
    try {
      await provider.Client.find(clientId);
    } catch (error) {
      const reason = (error as { error_description?: string }).error_description ?? (error as Error).message;
      throw new OAuthSettingsError(`OAuth client '${clientId}' cannot be registered: ${reason}`, { cause: error });
    }
  }
}
