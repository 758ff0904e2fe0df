/**
 * Slow salted hashes of passwords and API token secrets with node's scrypt, stored as one self-describing
 * string `scrypt$N$r$p$salt$hash` (salt and hash base64url), so the cost can be raised later without
 * invalidating existing hashes. Comparison is constant-time.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * N = 2^14 with r = 8 is scrypt's recommendation for interactive logins (about 50 ms and 16 MiB here);
 * successful verifications are cached briefly (see verificationCache.ts), so the cost is paid once per login.
 */
export const SECRET_HASH_DEFAULTS = { N: 2 ** 14, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

const PREFIX = 'scrypt';
/** Refuse stored parameters that would make one verification a denial of service. */
const MAX_COST = 2 ** 20;

function derive(secret: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must exceed 128 * N * r bytes; leave headroom for the largest cost we accept.
    scrypt(secret.normalize('NFC'), salt, keyLength, { ...options, maxmem: 256 * (options.N ?? 1) * (options.r ?? 1) + 1024 }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

export async function hashSecret(secret: string): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SECRET_HASH_DEFAULTS;
  const salt = randomBytes(saltLength);
  const key = await derive(secret, salt, keyLength, { N, r, p });
  return [PREFIX, N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const [prefix, n, r, p, salt, key, ...rest] = stored.split('$');
  if (prefix !== PREFIX || rest.length > 0 || salt === undefined || key === undefined) return undefined;
  const [N, R, P] = [Number(n), Number(r), Number(p)];
  const valid = [N, R, P].every((value) => Number.isInteger(value) && value > 0);
  if (!valid || N > MAX_COST || R > 32 || P > 16 || (N & (N - 1)) !== 0) return undefined;
  const keyBytes = Buffer.from(key, 'base64url');
  if (keyBytes.length < 16) return undefined;
  return { N, r: R, p: P, salt: Buffer.from(salt, 'base64url'), key: keyBytes };
}

/** Whether `secret` matches `stored`; a malformed stored hash never matches. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const key = await derive(secret, parsed.salt, parsed.key.length, { N: parsed.N, r: parsed.r, p: parsed.p });
  return timingSafeEqual(key, parsed.key);
}
