/**
 * Table layout: one row per Agenda job. STRICT so a mapper bug fails loudly instead of storing text in a
 * time column. Times are epoch milliseconds (exact `Date` round-trip, numeric comparison in the next-job
 * query).
 */
export function schemaStatements(table: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS "${table}" (
      id                  TEXT PRIMARY KEY NOT NULL,
      name                TEXT NOT NULL,
      priority            REAL NOT NULL DEFAULT 0,
      type                TEXT NOT NULL DEFAULT 'normal' CHECK (type IN ('normal', 'single')),
      next_run_at         INTEGER,
      locked_at           INTEGER,
      last_run_at         INTEGER,
      last_finished_at    INTEGER,
      failed_at           INTEGER,
      fail_count          INTEGER,
      fail_reason         TEXT,
      progress            REAL,
      -- ANY keeps a number a number and a string a string: agenda accepts both ("5 minutes" or 300000).
      repeat_interval     ANY,
      repeat_timezone     TEXT,
      repeat_at           TEXT,
      data                TEXT,
      disabled            INTEGER,
      fork                INTEGER,
      start_date          INTEGER,
      end_date            INTEGER,
      skip_days           TEXT,
      debounce_started_at INTEGER,
      last_modified_by    TEXT
    ) STRICT`,
    // Serves the unlocked-and-due branch of the next-job query, already in hand-out order.
    `CREATE INDEX IF NOT EXISTS "${table}_next_job" ON "${table}" (name, next_run_at, priority DESC)`,
    // Serves the expired-lock branch; only locked rows are indexed, which is few at any time.
    `CREATE INDEX IF NOT EXISTS "${table}_locked" ON "${table}" (name, locked_at) WHERE locked_at IS NOT NULL`,
    // `every()` jobs are one per name. The index makes that hold across processes, not just per save.
    `CREATE UNIQUE INDEX IF NOT EXISTS "${table}_single_name" ON "${table}" (name) WHERE type = 'single'`,
  ];
}
