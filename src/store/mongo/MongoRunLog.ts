/**
 * Plugins' log lines of a run on MongoDB (collection `runLog`). `append` reserves the lines' numbers on the run
 * with one update that also applies the run's limit (so concurrent workers never pass it), then inserts them, in
 * `complete`'s session when it has one. Fields are kept as JSON text: keys a plugin chose (`$`, dots) never reach
 * MongoDB's field names, and both engines answer the same.
 */
import type { ClientSession, Collection, Filter } from 'mongodb';
import type { Page, Paging } from '../../domain/paging.js';
import { LOG_LEVELS, logLevelRank, type RunLogEntry, type RunLogLine, type RunLogQuery, type RunLogSummary } from '../../domain/runLog.js';
import { requireString } from '../queryRules.js';
import { findPage } from './operations.js';

export interface RunLogDocument {
  /** `{runId}/{line}` */
  _id: string;
  runId: string;
  line: number;
  itemKey: string;
  attempt: number;
  /** The level's rank (`logLevelRank`), so a level filter is a range. */
  level: number;
  message: string;
  fields: string | null;
  at: Date;
}

/** The run's fields this class reads and keeps (`RunDocument` has them). */
export interface RunLogCounters {
  _id: string;
  tenantId: string;
  logLines?: number;
  logDropped?: number;
}

function toLine(doc: RunLogDocument): RunLogLine {
  const line: RunLogLine = {
    line: doc.line,
    itemKey: doc.itemKey,
    attempt: doc.attempt,
    level: LOG_LEVELS[doc.level] ?? 'info',
    message: doc.message,
    at: doc.at,
  };
  if (doc.fields !== null) line.fields = JSON.parse(doc.fields) as Record<string, unknown>;
  return line;
}

export class MongoRunLog<Run extends RunLogCounters> {
  readonly #lines: Collection<RunLogDocument>;
  readonly #runs: Collection<Run>;
  readonly #limit: number;

  constructor(lines: Collection<RunLogDocument>, runs: Collection<Run>, limit: number) {
    this.#lines = lines;
    this.#runs = runs;
    this.#limit = limit;
  }

  async append(runId: string, entries: readonly RunLogEntry[], dropped: number, session: ClientSession | undefined): Promise<void> {
    if (entries.length === 0 && dropped === 0) return;
    const had = { $ifNull: ['$logLines', 0] };
    const wanted = { $add: [had, entries.length] };
    const before = await this.#runs.findOneAndUpdate(
      { _id: runId } as Filter<Run>,
      [
        {
          $set: {
            logLines: { $min: [this.#limit, wanted] },
            logDropped: { $add: [{ $ifNull: ['$logDropped', 0] }, dropped, { $max: [0, { $subtract: [wanted, this.#limit] }] }] },
          },
        },
      ],
      { returnDocument: 'before', projection: { logLines: 1 }, session },
    );
    if (before === null) return;
    const first = before.logLines ?? 0;
    const kept = entries.slice(0, Math.max(0, this.#limit - first));
    if (kept.length === 0) return;
    await this.#lines.insertMany(
      kept.map((entry, index) => ({
        _id: `${runId}/${first + index + 1}`,
        runId,
        line: first + index + 1,
        itemKey: entry.itemKey,
        attempt: entry.attempt,
        level: logLevelRank(entry.level),
        message: entry.message,
        fields: entry.fields === undefined ? null : JSON.stringify(entry.fields),
        at: entry.at,
      })),
      { ordered: false, session },
    );
  }

  /** Deletes the lines of `runIds` (a rerun resets the run's counters itself). */
  async clear(runIds: readonly string[]): Promise<void> {
    await this.#lines.deleteMany({ runId: { $in: [...runIds] } });
  }

  async page(runId: string, tenant: string, query: RunLogQuery, paging: Paging): Promise<(Page<RunLogLine> & RunLogSummary) | undefined> {
    const run = await this.#runs.findOne(
      { _id: requireString(runId, 'id'), tenantId: requireString(tenant, 'tenant') } as Filter<Run>,
      { projection: { logLines: 1, logDropped: 1 } },
    );
    if (run === null) return undefined;
    const filter: Filter<RunLogDocument> = { runId, line: { $gt: query.afterLine ?? 0 } };
    if (query.level !== undefined) filter.level = { $gte: logLevelRank(query.level) };
    if (query.itemKey !== undefined) filter.itemKey = requireString(query.itemKey, 'item');
    const page = await findPage(this.#lines, filter, { line: 1 }, paging, toLine);
    return { ...page, kept: run.logLines ?? 0, dropped: run.logDropped ?? 0 };
  }
}
