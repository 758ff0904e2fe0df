/**
 * The authorization server's secrets: the private key that signs access tokens (a JWK set) and the keys that sign
 * its cookies. Read from one JSON file (`OAUTH_KEYS_FILE`, by default `oauth-keys.json` in DATA_DIR); created with
 * fresh keys, readable by the owner only, when missing, so tokens stay valid across restarts and every process
 * that shares the file accepts every other's tokens.
 *
 * To rotate the signing key, put the new key first in `keys` and keep the old one after it until the tokens it
 * signed have expired: tokens are signed with the first, verified with any.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createWhole } from '../wholeFile.js';
import { OAuthSettingsError } from './oauthSettingsError.js';

export const OAUTH_KEYS_FILENAME = 'oauth-keys.json';

export interface OAuthKeys {
  /** Private signing keys, newest first (RS256). */
  keys: JWK[];
  /** Cookie signing keys, newest first. */
  cookieKeys: string[];
}

/** New keys, as a first start writes them. */
export async function freshKeys(): Promise<OAuthKeys> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
  return { keys: [jwk], cookieKeys: [randomBytes(32).toString('base64url')] };
}

function checked(value: unknown, file: string): OAuthKeys {
  const keys = value as Partial<OAuthKeys> | null;
  const valid =
    keys !== null &&
    typeof keys === 'object' &&
    Array.isArray(keys.keys) &&
    keys.keys.length > 0 &&
    keys.keys.every((key) => typeof key === 'object' && key !== null && typeof key.d === 'string') &&
    Array.isArray(keys.cookieKeys) &&
    keys.cookieKeys.length > 0 &&
    keys.cookieKeys.every((key) => typeof key === 'string' && key.length >= 16);
  if (!valid) throw new OAuthSettingsError(`${file} must hold {"keys": [private JWKs], "cookieKeys": [strings of 16+ characters]}`);
  return keys as OAuthKeys;
}

/** The keys in `file`, written there first if the file does not exist. */
export async function loadOAuthKeys(file: string): Promise<OAuthKeys> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const keys = await freshKeys();
    if (await createWhole(file, JSON.stringify(keys, null, 2))) return keys;
    text = await readFile(file, 'utf8');
  }
  try {
    return checked(JSON.parse(text), file);
  } catch (error) {
    if (error instanceof OAuthSettingsError) throw error;
    throw new OAuthSettingsError(`${file} is not valid JSON`, { cause: error });
  }
}
