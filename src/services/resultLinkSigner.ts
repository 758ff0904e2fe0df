/**
 * Signs and verifies public result links: HMAC-SHA256 (node:crypto) over the tenant, the link id and its expiry,
 * with a 256-bit key kept in DATA_DIR (`result-links.key`) or `RESULT_LINK_KEY_FILE`, created readable by its owner
 * only when missing, so links survive restarts and every process sharing the file accepts every other's. Signatures are compared in
 * constant time. Replacing the file ends every public link signed with the old key.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TenantId } from '../domain/types.js';
import { createWhole } from './wholeFile.js';

export const LINK_KEY_FILENAME = 'result-links.key';
const KEY_BYTES = 32;

/** The key in `file`, written there first if the file does not exist. */
export async function loadLinkKey(file: string): Promise<Buffer> {
  await createWhole(file, randomBytes(KEY_BYTES).toString('base64url'));
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  if (key.length < KEY_BYTES) throw new Error(`${file} must hold a key of at least ${KEY_BYTES} bytes, base64url-encoded`);
  return key;
}

export class LinkSigner {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  #mac(tenant: TenantId, id: string, expiresAt: Date): Buffer {
    // Newline-separated: neither a tenant id nor a link id holds one, so no two triples sign the same text.
    return createHmac('sha256', this.#key).update(`v1\n${tenant}\n${id}\n${expiresAt.getTime()}`).digest();
  }

  sign(tenant: TenantId, id: string, expiresAt: Date): string {
    return this.#mac(tenant, id, expiresAt).toString('base64url');
  }

  /** Whether `signature` is this key's for the triple; constant-time in the signature's content. */
  verify(tenant: TenantId, id: string, expiresAt: Date, signature: string): boolean {
    const expected = this.#mac(tenant, id, expiresAt);
    const given = Buffer.from(signature, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
