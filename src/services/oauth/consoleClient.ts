/**
 * The web console's own OAuth client, registered by the service itself as `cspace-ui` is: a public client (a
 * browser keeps no secret; PKCE proves the code's requester) sent back to the console's page with its code.
 *
 * Its redirect URI is the console's address, exactly, at one of two origins:
 * - the public URL the operator configured (the origin of `OAUTH_ISSUER`), registered as `cspace-ui`'s URIs are;
 * - the origin the authorization request itself was sent to (`Host`, or `X-Forwarded-Host` behind a trusted
 *   proxy), so that the console works at whatever address the service is opened by, with nothing to configure.
 * The second is no open redirect: a browser sends the `Host` of the address it opened, so the code goes back to the
 * very origin the user signed in at, and to the console's path there, nowhere else.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';

export const CONSOLE_CLIENT_ID = 'invocables-console';

/** The console's address at the configured public URL (the issuer's origin). */
export function consoleRedirectUri(issuer: string, consolePath: string): string {
  return new URL(consolePath, new URL(issuer).origin).href;
}

export function consoleClient(issuer: string, consolePath: string): ClientMetadata {
  return {
    client_id: CONSOLE_CLIENT_ID,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [consoleRedirectUri(issuer, consolePath)],
  };
}

/**
 * Lets the console's client be sent back to the console at the origin each request came in by, besides its
 * registered URI. oidc-provider asks `Client#redirectUriAllowed` without the request (its recipes override that
 * method for other rules), so the request's origin reaches it through an AsyncLocalStorage set for each request.
 */
export function allowConsoleAtRequestOrigin(provider: Provider, consolePath: string): void {
  const requestOrigin = new AsyncLocalStorage<string>();
  provider.use((ctx, next) => requestOrigin.run(ctx.origin, next));
  const registered = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(this: InstanceType<Provider['Client']>, uri: string): boolean {
    if (registered.call(this, uri)) return true;
    const origin = requestOrigin.getStore();
    // A request without a usable Host header has no origin to send the console back to.
    const atOrigin = origin !== undefined && URL.canParse(consolePath, origin) ? new URL(consolePath, origin).href : undefined;
    return this.clientId === CONSOLE_CLIENT_ID && atOrigin !== undefined && uri === atOrigin;
  };
}
