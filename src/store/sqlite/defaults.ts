/** Defaults of the SQLite engine, named once here. */
export const SQLITE_DEFAULTS = {
  /** File name inside the data directory. */
  filename: 'invocables.sqlite',
  /** How long a write waits for another connection's lock before failing with `SQLITE_BUSY`. */
  busyTimeoutMs: 5000,
  /** WAL lets readers proceed during a write; NORMAL sync is durable enough with WAL and much faster. */
  journalMode: 'wal',
  synchronous: 'normal',
} as const satisfies {
  filename: string;
  busyTimeoutMs: number;
  journalMode: string;
  synchronous: string;
};
