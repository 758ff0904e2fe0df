/**
 * What plugins log through `ctx.log` while they work on a run, kept with the run and the item it concerns so a
 * user sees why an item did what it did without reading the server's logs. Bounded: each line is clipped, each
 * item keeps a few lines per pass, and each run keeps at most its store's limit (lines past it are counted, not kept).
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** A level's rank: a query for `warn` gives `warn` and `error` lines. */
export function logLevelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/** Longest message kept, in characters; a longer one is cut and ends with `…`. */
export const LOG_MESSAGE_LIMIT = 2_000;
/** Largest `fields` kept, as JSON characters; larger ones are replaced by `{ "truncated": <their size> }`. */
export const LOG_FIELDS_LIMIT = 2_000;
/** Lines one item keeps from one pass (its attempts together); the rest are counted as dropped. */
export const ITEM_LOG_LINES = 100;
/** Lines one run keeps, unless `RUN_LOG_LINES` says otherwise. */
export const DEFAULT_RUN_LOG_LINES = 10_000;

/** One line as a plugin logged it, before the store numbers it. */
export interface RunLogEntry {
  /** The item's key (a record csid, or `*` for a whole invocation). */
  itemKey: string;
  attempt: number;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
  at: Date;
}

/** A kept line: `line` numbers the run's lines from 1 in the order they were stored. */
export interface RunLogLine extends RunLogEntry {
  line: number;
}

export interface RunLogQuery {
  /** Lines of this level and above. */
  level?: LogLevel;
  itemKey?: string;
  /** Lines numbered above this one (what an event stream has not sent yet). */
  afterLine?: number;
}

/** A run's kept lines, and how many it logged past its limit. */
export interface RunLogSummary {
  kept: number;
  dropped: number;
}

/** A line as it is kept: message and fields clipped to their limits. */
export function clipLogEntry(entry: RunLogEntry): RunLogEntry {
  const message = entry.message.length <= LOG_MESSAGE_LIMIT ? entry.message : `${entry.message.slice(0, LOG_MESSAGE_LIMIT - 1)}…`;
  if (entry.fields === undefined) return message === entry.message ? entry : { ...entry, message };
  const json = safeJson(entry.fields);
  const fields = json !== undefined && json.length <= LOG_FIELDS_LIMIT ? (JSON.parse(json) as Record<string, unknown>) : { truncated: json?.length ?? 'unserializable' };
  return { ...entry, message, fields };
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
