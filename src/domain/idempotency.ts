/**
 * Idempotent posts (IETF draft "The Idempotency-Key HTTP Header Field"; seed 002's `clientRequestId`): a client
 * names a request with a key, and a repeat of it gets the first answer instead of acting again. Keys belong to
 * one user in one tenant, so no one can read or block another's answers.
 */
import type { TenantId } from './types.js';

/** Whose key it is: one user in one tenant. */
export interface IdempotencyScope {
  tenant: TenantId;
  user: string;
  key: string;
}

/** The first answer to a request, kept to be sent again to its repeats. */
export interface KeptAnswer {
  status: number;
  contentType: string;
  /** Absent for an answer too large to keep (`IDEMPOTENCY_MAX_ANSWER_BYTES`). */
  body?: string;
  location?: string;
}

/** What a key is when a request comes with it. */
export type Reservation =
  /** Nobody has used it (or its window has passed): it is now this request's, under `token`. */
  | { state: 'reserved'; token: string }
  /** A request with it has been answered within the window, with the same fingerprint. */
  | { state: 'answered'; answer: KeptAnswer }
  /** Another request with it, the same fingerprint, is still being worked on. */
  | { state: 'inProgress' }
  /** It was used for a different request (another body, path or method). */
  | { state: 'mismatch' }
  /** The user already holds as many live keys as allowed. */
  | { state: 'full' };

/** The longest key accepted (Stripe's limit; the draft sets none). */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** Visible ASCII only: a key is an identifier, typically a UUID. */
const KEY_PATTERN = /^[\x21-\x7e]+$/;

/** Why `key` is no acceptable key, or `undefined` when it is. */
export function idempotencyKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) return `must be at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) return 'must be visible ASCII characters only';
  return undefined;
}
