/**
 * What an invoke's `Prefer` header (RFC 7240) asks for, and the `Preference-Applied` that answers it. Only two
 * preferences matter to an invoke: `respond-async` (answer 202 with the run rather than wait for its results) and
 * `wait=N` (wait at most N seconds, then answer 202). Anything else, or a `wait` that is no delta-seconds, is
 * ignored, as the RFC asks of preferences a server does not understand.
 */
import type { Request } from 'express';
import parsePreferHeader from 'parse-prefer-header';

export interface InvokePreferences {
  respondAsync: boolean;
  /** `wait=N` in milliseconds; absent when the client named no wait. */
  waitMs?: number;
  /** The `wait` preference as the client wrote it, to echo in `Preference-Applied`. */
  wait?: string;
}

/** RFC 7240's delta-seconds: a non-negative integer. */
const DELTA_SECONDS = /^\d+$/;

export function invokePreferences(req: Request): InvokePreferences {
  // The parser keeps the first instance of each preference, as RFC 7240 section 2 says to.
  const preferences = parsePreferHeader(req.get('prefer'));
  const wait = preferences['wait'];
  const respondAsync = preferences['respondAsync'] === true;
  if (typeof wait !== 'string' || !DELTA_SECONDS.test(wait)) return { respondAsync };
  return { respondAsync, waitMs: Number(wait) * 1000, wait };
}

/** The `Preference-Applied` value for an answer: the wait it honoured, `respond-async` when it answered 202 for it. */
export function preferenceApplied(preferences: InvokePreferences, answeredAsync: boolean): string | undefined {
  const applied = [
    ...(answeredAsync && preferences.respondAsync ? ['respond-async'] : []),
    ...(preferences.wait !== undefined ? [`wait=${preferences.wait}`] : []),
  ];
  return applied.length > 0 ? applied.join(', ') : undefined;
}
