/**
 * Revocation of the JWT access tokens this server issues. oidc-provider revokes what it stores, and a JWT access
 * token is not stored: any process verifies it by its signature alone. So its revocation endpoint finds no access
 * token to revoke, and revoking a refresh token deletes the grant and its stored tokens but leaves the grant's
 * access tokens valid until they expire. Both revocations are recorded here in the store's `OAuthRevocationStore`,
 * which authentication checks before a token counts (AuthService), in every process sharing the store:
 * - a grant deleted (a refresh token revoked, a refresh token or code used twice) refuses every access token
 *   naming it (`GRANT_ID_CLAIM`), kept for an access token's lifetime: no token of it outlives that;
 * - an access token revoked at the endpoint by the client it was issued to refuses itself, kept until it expires.
 * Each is recorded before the endpoint answers, so the token is refused from the client's next request.
 */
import type Provider from 'oidc-provider';
import type { Adapter, AccessToken, ClientCredentials } from 'oidc-provider';
import { GRANT_ID_CLAIM, revocationId, type AccessTokenVerifier } from '../auth/accessTokens.js';
import type { OAuthRevocationStore } from '../../store/authTypes.js';
import type { Clock } from '../../store/queryRules.js';

export interface TokenRevocationDeps {
  store: OAuthRevocationStore;
  /** Checks a token presented for revocation as authentication checks it. */
  verifier: AccessTokenVerifier;
  now: Clock;
}

/** The claims an access token carries besides the standard ones: its grant, which a revocation may name. */
export function grantClaim(_ctx: unknown, token: AccessToken | ClientCredentials): Record<string, string> | undefined {
  return 'grantId' in token && typeof token.grantId === 'string' ? { [GRANT_ID_CLAIM]: token.grantId } : undefined;
}

/** The Grant model's adapter, recording a grant's revocation before it deletes the grant. */
export function recordingGrantRevocations(adapter: Adapter, deps: TokenRevocationDeps, accessTokenTtlSeconds: number): Adapter {
  return {
    upsert: (id, payload, expiresIn) => adapter.upsert(id, payload, expiresIn),
    find: (id) => adapter.find(id),
    findByUid: (uid) => adapter.findByUid(uid),
    findByUserCode: (userCode) => adapter.findByUserCode(userCode),
    consume: (id) => adapter.consume(id),
    revokeByGrantId: (grantId) => adapter.revokeByGrantId(grantId),
    async destroy(id) {
      await deps.store.revoke(revocationId.grant(id), new Date(deps.now().getTime() + accessTokenTtlSeconds * 1000));
      await adapter.destroy(id);
    },
  };
}

/**
 * After the revocation endpoint has authenticated the client and answered 200: when the token presented is a
 * valid access token of this server issued to that client (RFC 7009 revokes only a client's own tokens), its
 * revocation is recorded. Any other token was oidc-provider's to revoke, or is no token at all.
 */
export function revokingAccessTokens(provider: Provider, deps: TokenRevocationDeps): void {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'revocation' || ctx.status !== 200) return;
    const token = ctx.oidc.params?.['token'];
    const claims = typeof token === 'string' ? await deps.verifier.claims(token) : undefined;
    if (claims === undefined || claims.clientId !== ctx.oidc.client?.clientId) return;
    await deps.store.revoke(revocationId.token(claims.tokenId), claims.expiresAt);
  });
}
