/**
 * Which Movement decides an object's current location: among the non-deleted movements whose `currentLocation`
 * is an authority-item refName and whose `locationDate` is a date, the one with the latest `locationDate`;
 * equal dates go to the movement updated last. Pure, so it can be tested without any store.
 */
import type { RecordsService } from '../../src/plugins/contract.js';
import { parseRefName } from '../shared/refName.js';

type StoredRecord = Awaited<ReturnType<RecordsService['create']>>;

export interface LatestMovement {
  movement: StoredRecord;
  /** The movement's `currentLocation` refName, trimmed. */
  location: string;
  /** `locationDate` in epoch milliseconds. */
  locationTime: number;
}

/** Epoch milliseconds of an ISO 8601 date or date-time string; `undefined` when it is not one. */
export function parseLocationDate(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  // Date.parse alone accepts non-ISO spellings ("March 7") and days past the month's end ("2024-02-30").
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(trimmed);
  if (date === null) return undefined;
  const [year, month, day] = date.slice(1).map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const time = Date.parse(trimmed);
  return Number.isNaN(time) ? undefined : time;
}

/** The movement as a candidate, or `undefined` when it cannot decide a location. */
export function movementCandidate(movement: StoredRecord): LatestMovement | undefined {
  if (movement.core.workflowState === 'deleted') return undefined;
  const location = movement.fields.currentLocation;
  if (typeof location !== 'string' || parseRefName(location)?.item === undefined) return undefined;
  const locationTime = parseLocationDate(movement.fields.locationDate);
  if (locationTime === undefined) return undefined;
  return { movement, location: location.trim(), locationTime };
}

function isLater(candidate: LatestMovement, best: LatestMovement): boolean {
  if (candidate.locationTime !== best.locationTime) return candidate.locationTime > best.locationTime;
  return candidate.movement.core.updatedAt.getTime() > best.movement.core.updatedAt.getTime();
}

/**
 * The movement that decides the location, or `undefined` when none qualifies. Among movements equal in both
 * `locationDate` and update time, the first one given wins, so the answer does not depend on duplicates.
 */
export function selectLatestMovement(movements: Iterable<StoredRecord>): LatestMovement | undefined {
  let best: LatestMovement | undefined;
  for (const movement of movements) {
    const candidate = movementCandidate(movement);
    if (candidate !== undefined && (best === undefined || isLater(candidate, best))) best = candidate;
  }
  return best;
}
