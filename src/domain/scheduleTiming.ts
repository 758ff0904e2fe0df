/**
 * A schedule's `every`, read strictly, so that what is accepted fires exactly as written and a refusal says why.
 * - An interval is one or more parts `<whole number> <unit>` ("10 minutes", "1 hour 30 minutes", "1500 ms"), units
 *   ms/millisecond(s), second(s), minute(s), hour(s), day(s), week(s), each at most once. It becomes milliseconds,
 *   which Agenda is handed as a number: Agenda's own reading (human-interval) takes "1500 milliseconds" for 1500
 *   seconds and "1 millisecond" for one second.
 * - Anything else with 5 fields (minute first) or 6 (second first), or an alias such as `@daily`, is a cron
 *   expression, checked with cron-parser, the library Agenda computes cron times with.
 * A schedule fires at most once a second, and an interval is at most a year (`at` or cron for anything rarer).
 * Pure: no I/O.
 */
import { CronExpressionParser } from 'cron-parser';
import { ValidationError } from './errors.js';

/** Repeats closer than this would start runs back to back. */
export const MIN_REPEAT_MS = 1_000;
const DAY_MS = 86_400_000;
/** Longest interval: past it, an interval is surely a typo (a year and more is cron's or `at`'s business). */
export const MAX_INTERVAL_MS = 366 * DAY_MS;

export type Repeat = { kind: 'interval'; ms: number } | { kind: 'cron'; expression: string };

const UNITS: ReadonlyArray<{ names: readonly string[]; ms: number }> = [
  { names: ['ms', 'millisecond', 'milliseconds'], ms: 1 },
  { names: ['second', 'seconds'], ms: 1_000 },
  { names: ['minute', 'minutes'], ms: 60_000 },
  { names: ['hour', 'hours'], ms: 3_600_000 },
  { names: ['day', 'days'], ms: DAY_MS },
  { names: ['week', 'weeks'], ms: 7 * DAY_MS },
];
const UNIT_LIST = 'ms, seconds, minutes, hours, days or weeks';

const NUMBER = String.raw`\d+(?:\.\d+)?`;
const INTERVAL = new RegExp(String.raw`^${NUMBER}\s*[a-z]+(?:\s+${NUMBER}\s*[a-z]+)*$`, 'i');
const INTERVAL_PART = new RegExp(String.raw`(${NUMBER})\s*([a-z]+)`, 'gi');
const CRON_EXAMPLE = "a cron expression such as '*/5 * * * *'";
const INTERVAL_EXAMPLE = "an interval such as '10 minutes'";
const EXAMPLES = `${CRON_EXAMPLE} or ${INTERVAL_EXAMPLE}`;

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function refused(message: string, detail: string): ValidationError {
  return new ValidationError(message, [{ path: 'schedule/every', message: detail }]);
}

/**
 * Reads `every` as an interval (milliseconds) or a cron expression (checked in `timezone`, already known valid).
 * @throws ValidationError naming `schedule/every`, saying what is wrong with the value
 */
export function parseEvery(every: string, timezone?: string): Repeat {
  const text = every.trim().replace(/\s+/g, ' ');
  const prefixed = /^every (.+)$/i.exec(text)?.[1];
  if (prefixed !== undefined && (INTERVAL.test(prefixed) || isCronShaped(prefixed))) {
    throw refused(`'${text}': write '${prefixed}'`, `the element says 'every' already: write '${prefixed}'`);
  }
  if (new RegExp(`^${NUMBER}$`).test(text)) {
    throw refused(`'${text}' has no unit: write e.g. '${text} minute${text === '1' ? '' : 's'}'`, `an interval needs a unit: ${UNIT_LIST}`);
  }
  if (INTERVAL.test(text)) return { kind: 'interval', ms: intervalMs(text) };
  if (!isCronShaped(text)) throw refused(`'${text}' is neither ${CRON_EXAMPLE} nor ${INTERVAL_EXAMPLE}`, `must be ${EXAMPLES}`);
  return { kind: 'cron', expression: checkCron(text, timezone) };
}

function intervalMs(text: string): number {
  const seen = new Set<number>();
  let total = 0;
  for (const [, amount = '', name = ''] of text.matchAll(INTERVAL_PART)) {
    const unit = UNITS.find((candidate) => candidate.names.includes(name.toLowerCase()));
    if (unit === undefined) throw refused(`'${text}': unknown unit '${name}'`, `units are ${UNIT_LIST}`);
    if (!/^\d+$/.test(amount)) {
      throw refused(`'${text}': an interval counts whole units`, "write whole numbers, e.g. '90 minutes' rather than '1.5 hours'");
    }
    if (seen.has(unit.ms)) throw refused(`'${text}' names ${unit.names.at(-1)} twice`, 'each unit at most once');
    seen.add(unit.ms);
    total += Number(amount) * unit.ms;
  }
  if (total < MIN_REPEAT_MS) {
    throw refused(`'${text}' is ${total} ms: a schedule fires at most once a second`, `must be at least ${MIN_REPEAT_MS} ms`);
  }
  if (total > MAX_INTERVAL_MS) {
    throw refused(`'${text}' is longer than ${MAX_INTERVAL_MS / DAY_MS} days: use a cron expression or an <at> time`, `must be at most ${MAX_INTERVAL_MS / DAY_MS} days`);
  }
  return total;
}

function isCronShaped(text: string): boolean {
  const fields = text.split(' ').length;
  return text.startsWith('@') || fields === 5 || fields === 6;
}

function checkCron(expression: string, timezone: string | undefined): string {
  let parsed;
  try {
    parsed = CronExpressionParser.parse(expression, { ...(timezone !== undefined && { tz: timezone }) });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // cron-parser refuses a day that no month listed has with this message, naming neither.
    if (/explicit day of month/i.test(reason)) throw refused(`'${expression}' never fires: ${missingDay(expression)}`, 'must fire at some time');
    throw refused(`'${expression}' is not a valid cron expression: ${reason}`, `must be ${EXAMPLES}`);
  }
  try {
    parsed.next();
  } catch {
    throw refused(`'${expression}' never fires`, 'must fire at some time');
  }
  return expression;
}

/** "February has no 31st": the day-of-month and month fields as cron-parser read them, when they are plain lists. */
function missingDay(expression: string): string {
  const fields = expression.split(' ');
  const [dayField = '', monthField = ''] = fields.slice(fields.length - 3, fields.length - 1);
  const days = dayField.split(',').map(Number);
  const months = monthField.split(',').map((month) => {
    const index = MONTHS.findIndex((name) => name.slice(0, 3).toLowerCase() === month.toLowerCase());
    return index >= 0 ? index : Number(month) - 1;
  });
  const valid = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n < max;
  if (!days.every((day) => valid(day, 32)) || !months.every((month) => valid(month, 12))) return 'no month it names has that day';
  const day = Math.min(...days);
  const names = months.map((month) => MONTHS[month]);
  const listed = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${listed} ${names.length === 1 ? 'has' : 'have'} no ${ordinal(day)}`;
}

function ordinal(day: number): string {
  const suffix = day % 10 === 1 && day !== 11 ? 'st' : day % 10 === 2 && day !== 12 ? 'nd' : day % 10 === 3 && day !== 13 ? 'rd' : 'th';
  return `${day}${suffix}`;
}
