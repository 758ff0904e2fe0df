/**
 * API token format: `inv1.<id>.<secret>`. The id is public (it names the token in URLs and lets
 * authentication find its row); only a salted hash of the 32-byte random secret is stored.
 */
import { randomBytes } from 'node:crypto';

const PREFIX = 'inv1';
const ID = /^[A-Za-z0-9_-]{16}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export interface GeneratedToken {
  id: string;
  secret: string;
  /** What the client sends as `Authorization: Bearer <token>`; shown once. */
  token: string;
}

export function generateToken(): GeneratedToken {
  const id = randomBytes(12).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${PREFIX}.${id}.${secret}` };
}

/** The id and secret of a well-formed token, `undefined` for anything else. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const [prefix, id, secret, ...rest] = token.split('.');
  if (prefix !== PREFIX || rest.length > 0 || id === undefined || secret === undefined) return undefined;
  return ID.test(id) && SECRET.test(secret) ? { id, secret } : undefined;
}

/** Token ids in URLs have the same shape; anything else cannot name a token. */
export function isTokenId(value: string): boolean {
  return ID.test(value);
}
