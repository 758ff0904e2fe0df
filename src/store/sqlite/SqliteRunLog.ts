/**
 * Plugins' log lines of a run on SQLite (`run_log`, migration 9). `append` runs inside the run store's `complete`
 * transaction, so an item's lines are kept exactly when its outcome is written.
 */
import type { Page, Paging } from '../../domain/paging.js';
import { LOG_LEVELS, logLevelRank, type RunLogEntry, type RunLogLine, type RunLogQuery, type RunLogSummary } from '../../domain/runLog.js';
import { listSql } from './sql.js';
import type { StatementCache } from './statements.js';

const LOG_SQL = {
  summary: 'SELECT log_lines AS kept, log_dropped AS dropped FROM runs WHERE id = ? AND tenant_id = ?',
  insert: `INSERT INTO run_log (run_id, line, item_key, attempt, level, message, fields, at)
    VALUES (@runId, @line, @itemKey, @attempt, @level, @message, @fields, @at)`,
  count: 'UPDATE runs SET log_lines = log_lines + ?, log_dropped = log_dropped + ? WHERE id = ?',
  clear: 'DELETE FROM run_log WHERE run_id = ?',
  reset: 'UPDATE runs SET log_lines = 0, log_dropped = 0 WHERE id = ?',
} as const;

interface LogRow {
  line: number;
  item_key: string;
  attempt: number;
  level: number;
  message: string;
  fields: string | null;
  at: string;
}

function toLine(row: LogRow): RunLogLine {
  const line: RunLogLine = {
    line: row.line,
    itemKey: row.item_key,
    attempt: row.attempt,
    level: LOG_LEVELS[row.level] ?? 'info',
    message: row.message,
    at: new Date(row.at),
  };
  if (row.fields !== null) line.fields = JSON.parse(row.fields) as Record<string, unknown>;
  return line;
}

export class SqliteRunLog {
  readonly #statements: StatementCache;
  readonly #limit: number;

  constructor(statements: StatementCache, limit: number) {
    this.#statements = statements;
    this.#limit = limit;
  }

  /** Keeps `entries` (clipped already) up to the run's limit and counts the rest, with `dropped` more, as dropped. */
  append(runId: string, tenant: string, entries: readonly RunLogEntry[], dropped: number): void {
    if (entries.length === 0 && dropped === 0) return;
    const summary = this.#statements.prepare<RunLogSummary>(LOG_SQL.summary).get(runId, tenant);
    if (summary === undefined) return;
    const kept = entries.slice(0, Math.max(0, this.#limit - summary.kept));
    const insert = this.#statements.prepare(LOG_SQL.insert);
    kept.forEach((entry, index) =>
      insert.run({
        runId,
        line: summary.kept + index + 1,
        itemKey: entry.itemKey,
        attempt: entry.attempt,
        level: logLevelRank(entry.level),
        message: entry.message,
        fields: entry.fields === undefined ? null : JSON.stringify(entry.fields),
        at: entry.at.toISOString(),
      }),
    );
    this.#statements.prepare(LOG_SQL.count).run(kept.length, entries.length - kept.length + dropped, runId);
  }

  /** A rerun starts the log afresh; inside the rerun's transaction. */
  clear(runId: string): void {
    this.#statements.prepare(LOG_SQL.clear).run(runId);
    this.#statements.prepare(LOG_SQL.reset).run(runId);
  }

  page(runId: string, tenant: string, query: RunLogQuery, paging: Paging): (Page<RunLogLine> & RunLogSummary) | undefined {
    // One read transaction: the summary and the page agree.
    return this.#statements.db.transaction(() => {
      const summary = this.#statements.prepare<RunLogSummary>(LOG_SQL.summary).get(runId, tenant);
      if (summary === undefined) return undefined;
      const clauses = ['run_id = ?', 'line > ?'];
      const values: unknown[] = [runId, query.afterLine ?? 0];
      if (query.level !== undefined) {
        clauses.push('level >= ?');
        values.push(logLevelRank(query.level));
      }
      if (query.itemKey !== undefined) {
        clauses.push('item_key = ?');
        values.push(query.itemKey);
      }
      const sql = listSql('line, item_key, attempt, level, message, fields, at', 'run_log', { text: clauses.join(' AND '), values }, 'line');
      return { ...this.#statements.page(sql.count, sql.select, paging, toLine), ...summary };
    })();
  }
}
