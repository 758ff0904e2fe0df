/**
 * Verifies the JWT access tokens the OAuth authorization server issues (src/services/oauth), for the Bearer path
 * of authentication: signature by one of the server's keys, issuer, audience and expiry. The token's `sub` is the
 * username, as in CollectionSpace; who that user is now (enabled, roles, tenants) is read from the store at each
 * request like for any other credentials.
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

  /** The username a valid, unexpired token was issued to; `undefined` for any token that is not. */
  async username(token: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#keys, {
        issuer: this.#expected.issuer,
        audience: this.#expected.audience,
        algorithms: ['RS256'],
        typ: 'at+jwt',
      });
      return typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
    } catch {
      // Bad signature, wrong issuer or audience, expired, malformed: all the same refusal.
      return undefined;
    }
  }
}
