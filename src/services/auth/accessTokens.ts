/**
 * Verifies the JWT access tokens the OAuth authorization server issues (src/services/oauth), for the Bearer path
 * of authentication: signature by one of the server's keys, issuer, audience and expiry. The token's `sub` is the
 * username, as in CollectionSpace; who that user is now (enabled, roles, tenants) is read from the store at each
 * request like for any other credentials, and whether the token or its grant was revoked since (see
 * `revocationIdsOf`), since a signature cannot tell.
 */
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';

/** The public half of an RSA JWK: what verification needs and nothing a token reader could sign with. */
function publicKey({ kty, n, e, kid, alg, use }: JWK): JWK {
  return { kty, n, e, kid, alg, use } as JWK;
}

/**
 * The compact JWS form: three base64url parts, the first a JSON object (`eyJ` is base64url for `{"`). API tokens
 * (`inv1.<id>.<secret>`) have three parts too, but never that start.
 */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[\w-]*\.[\w-]+\.[\w-]*$/.test(token);
}

/**
 * The claim naming the grant an access token was issued under (oidc-provider's grant id): revoking the grant (a
 * refresh token revoked or reused) refuses every access token of it.
 */
export const GRANT_ID_CLAIM = 'grant_id';

/** What a valid access token says. */
export interface AccessTokenClaims {
  username: string;
  /** The token's `jti`. */
  tokenId: string;
  clientId: string;
  /** Absent from tokens issued before tokens named their grant. */
  grantId?: string;
  expiresAt: Date;
}

/** The ids an access token's revocation, or its grant's, is recorded under (`OAuthRevocationStore`). */
export const revocationId = {
  token: (tokenId: string) => `token:${tokenId}`,
  grant: (grantId: string) => `grant:${grantId}`,
} as const;

/** Every id whose revocation refuses a token with these claims. */
export function revocationIdsOf(claims: AccessTokenClaims): string[] {
  const ids = [revocationId.token(claims.tokenId)];
  if (claims.grantId !== undefined) ids.push(revocationId.grant(claims.grantId));
  return ids;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

export interface ExpectedTokenSource {
  issuer: string;
  audience: string;
}

export class AccessTokenVerifier {
  readonly #keys: ReturnType<typeof createLocalJWKSet>;
  readonly #expected: ExpectedTokenSource;

  constructor(signingKeys: readonly JWK[], expected: ExpectedTokenSource) {
    this.#keys = createLocalJWKSet({ keys: signingKeys.map(publicKey) });
    this.#expected = expected;
  }

  /** What a valid, unexpired token says; `undefined` for any token that is not one. */
  async claims(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#expected.issuer,
        audience: this.#expected.audience,
        algorithms: ['RS256'],
        typ: 'at+jwt',
      });
      const { sub, jti, client_id: clientId, exp, [GRANT_ID_CLAIM]: grantId } = payload;
      if (!nonEmpty(sub) || !nonEmpty(jti) || !nonEmpty(clientId) || typeof exp !== 'number') return undefined;
      const claims: AccessTokenClaims = { username: sub, tokenId: jti, clientId, expiresAt: new Date(exp * 1000) };
      return nonEmpty(grantId) ? { ...claims, grantId } : claims;
    } catch {
      // Bad signature, wrong issuer or audience, expired, malformed: all the same refusal.
      return undefined;
    }
  }
}
