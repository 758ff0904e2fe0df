/**
 * Agenda's `JobRepository` on better-sqlite3: one row per job in one table.
 *
 * Every write that reads first (find-and-lock, upserts) runs in a `BEGIN IMMEDIATE` transaction, which takes
 * SQLite's single write lock before reading. Two processes on the same file therefore serialise there and
 * can never lock the same job; the loser waits up to the busy timeout instead of failing. better-sqlite3 is
 * synchronous, so each method does its work in one turn of the event loop and returns a settled promise.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { computeJobState } from 'agenda';
import type {
  JobId,
  JobParameters,
  JobRepository,
  JobRepositoryOptions,
  JobsOverview,
  JobsQueryOptions,
  JobsResult,
  JobWithState,
  RemoveJobsOptions,
} from 'agenda';
import { jobStateColumns, jobToRow, mergeJob, rowToJob, toMillis } from './mappers.js';
import type { JobRow } from './mappers.js';
import { schemaStatements } from './schema.js';
import { fixedSql, queryFilter, queryOrderBy, removeFilter, uniqueFilter } from './sql.js';
import type { FixedSql, SqlFragment, SqlValue } from './sql.js';
import { resolveRepositoryOptions } from './types.js';
import type { ResolvedSqliteJobRepositoryOptions, SqliteDatabase, SqliteJobRepositoryOptions } from './types.js';

/** Positional values, or one object of named values. */
type Statement = Database.Statement<unknown[]>;

interface Connected {
  db: SqliteDatabase;
  sql: Record<keyof FixedSql, Statement>;
  /** Per-shape cache for statements whose text depends on which filters are present. */
  dynamic: Map<string, Statement>;
  lockNext: (params: Record<string, SqlValue>) => JobRow | undefined;
  save: (job: JobParameters, by: string | undefined) => JobParameters;
}

export class SqliteJobRepository implements JobRepository {
  /** True when built from a filename: `disconnect()` then closes the database it opened. */
  readonly ownsConnection: boolean;
  private readonly options: ResolvedSqliteJobRepositoryOptions;
  private readonly source: SqliteJobRepositoryOptions;
  private connected: Connected | undefined;

  constructor(options: SqliteJobRepositoryOptions) {
    this.source = options;
    this.options = resolveRepositoryOptions(options);
    this.ownsConnection = options.database === undefined;
  }

  /** Opens (when owned) and prepares. Idempotent; after `disconnect()` it reopens. */
  async connect(): Promise<void> {
    if (this.connected) return;
    const db = this.openDatabase();
    try {
      if (this.options.ensureSchema) {
        for (const statement of schemaStatements(this.options.tableName)) db.exec(statement);
      }
      this.connected = this.prepare(db);
    } catch (error) {
      if (this.ownsConnection) db.close();
      throw error;
    }
  }

  /** Closes an owned database; a caller's connection is left open and usable. */
  async disconnect(): Promise<void> {
    if (!this.connected || !this.ownsConnection) return;
    const { db } = this.connected;
    this.connected = undefined;
    db.close();
  }

  /**
   * Closes an owned database and opens its file again, e.g. after the store wrote it back to its path. The old
   * connection closes first, so the `-wal` and `-shm` files it deletes by name are never the new one's.
   */
  reopen(): void {
    if (!this.ownsConnection) return;
    if (this.connected?.db.open === true) this.connected.db.close();
    this.connected = undefined;
    this.connected = this.prepare(this.openDatabase());
  }

  /** The open connection, e.g. to run a backup or share it with the rest of the store. */
  get database(): SqliteDatabase {
    return this.use().db;
  }

  async getJobById(id: string): Promise<JobParameters | null> {
    const row = this.use().sql.selectById.get(String(id)) as JobRow | undefined;
    return row ? rowToJob(row) : null;
  }

  async queryJobs(options: JobsQueryOptions = {}): Promise<JobsResult> {
    const { state, skip = 0, limit = 0 } = options;
    const now = new Date();
    const filter = queryFilter(options);
    const select = `SELECT * FROM ${this.table} WHERE ${filter.text} ORDER BY ${queryOrderBy(options.sort)}`;
    const withState = (row: JobRow): JobWithState => {
      const job = rowToJob(row);
      return { ...job, _id: job._id as JobId, state: computeJobState(job, now) };
    };

    // Without a state filter the database can page; with one, the state is computed here, so page after.
    if (!state) {
      const rows = this.statement(`${select} LIMIT ? OFFSET ?`).all(...filter.values, limit > 0 ? limit : -1, skip) as JobRow[];
      const { n } = this.statement(`SELECT count(*) AS n FROM ${this.table} WHERE ${filter.text}`).get(...filter.values) as { n: number };
      return { jobs: rows.map(withState), total: n };
    }
    const matching = (this.statement(select).all(...filter.values) as JobRow[])
      .map(withState)
      // 'paused' is not a computed state: it is the disabled flag, whatever the timestamps say.
      .filter((job) => (state === 'paused' ? job.disabled === true : job.state === state));
    const end = limit > 0 ? skip + limit : undefined;
    return { jobs: matching.slice(skip, end), total: matching.length };
  }

  async getJobsOverview(): Promise<JobsOverview[]> {
    const now = new Date();
    const byName = new Map<string, JobsOverview>();
    for (const row of this.use().sql.overviewRows.all() as JobRow[]) {
      const job = rowToJob(row);
      let overview = byName.get(job.name);
      if (!overview) {
        overview = { name: job.name, total: 0, running: 0, scheduled: 0, queued: 0, completed: 0, failed: 0, repeating: 0, paused: 0 };
        byName.set(job.name, overview);
      }
      overview.total += 1;
      overview[computeJobState(job, now)] += 1;
      if (job.disabled === true) overview.paused += 1;
    }
    return [...byName.values()];
  }

  async getDistinctJobNames(): Promise<string[]> {
    return (this.use().sql.distinctNames.all() as { name: string }[]).map((row) => row.name);
  }

  async getQueueSize(): Promise<number> {
    return (this.use().sql.queueSize.get(Date.now()) as { n: number }).n;
  }

  async removeJobs(options: RemoveJobsOptions): Promise<number> {
    return this.runFiltered('DELETE FROM', '', removeFilter(options));
  }

  async disableJobs(options: RemoveJobsOptions): Promise<number> {
    // Counting only rows that change, as Mongo's modifiedCount does.
    return this.runFiltered('UPDATE', 'SET disabled = 1', removeFilter(options), 'disabled IS NOT 1');
  }

  async enableJobs(options: RemoveJobsOptions): Promise<number> {
    return this.runFiltered('UPDATE', 'SET disabled = 0', removeFilter(options), 'disabled IS NOT 0');
  }

  async purgeAllJobs(): Promise<number> {
    return this.use().sql.purgeAll.run().changes;
  }

  async saveJob<DATA = unknown>(job: JobParameters<DATA>, options: JobRepositoryOptions | undefined): Promise<JobParameters<DATA>> {
    return this.use().save(job, options?.lastModifiedBy) as JobParameters<DATA>;
  }

  async saveJobState(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<void> {
    if (!job._id) throw new Error('Cannot save job state without job ID');
    const params: Partial<JobRow> = { id: String(job._id), name: job.name, ...jobStateColumns(job, options?.lastModifiedBy) };
    if (this.use().sql.saveState.run(params).changes !== 1) {
      throw new Error(`job ${job._id} (name: ${job.name}) cannot be updated in the database, maybe it does not exist anymore?`);
    }
  }

  async lockJob(job: JobParameters, options: JobRepositoryOptions | undefined): Promise<JobParameters | undefined> {
    if (!job._id) return undefined;
    const row = this.use().sql.lock.get({
      id: String(job._id),
      name: job.name,
      nextRunAt: toMillis(job.nextRunAt),
      now: Date.now(),
      by: options?.lastModifiedBy ?? null,
    }) as JobRow | undefined;
    return row ? rowToJob(row) : undefined;
  }

  async unlockJob(job: JobParameters): Promise<void> {
    if (!job._id) return;
    this.use().sql.unlockOne.run(String(job._id));
  }

  async unlockJobs(jobIds: (JobId | string)[]): Promise<void> {
    if (jobIds.length === 0) return;
    this.use().sql.unlockMany.run(JSON.stringify(jobIds.map(String)));
  }

  async getNextJobToRun(
    jobName: string,
    nextScanAt: Date,
    lockDeadline: Date,
    now: Date | undefined,
    options: JobRepositoryOptions | undefined,
  ): Promise<JobParameters | undefined> {
    const row = this.use().lockNext({
      name: jobName,
      nextScanAt: nextScanAt.getTime(),
      lockDeadline: lockDeadline.getTime(),
      now: (now ?? new Date()).getTime(),
      by: options?.lastModifiedBy ?? null,
    });
    return row ? rowToJob(row) : undefined;
  }

  private get table(): string {
    return `"${this.options.tableName}"`;
  }

  private use(): Connected {
    if (!this.connected) throw new Error('SqliteJobRepository is not connected: call connect() first');
    return this.connected;
  }

  private statement(text: string): Statement {
    const { db, dynamic } = this.use();
    let statement = dynamic.get(text);
    if (!statement) {
      statement = db.prepare(text);
      dynamic.set(text, statement);
    }
    return statement;
  }

  private runFiltered(verb: string, set: string, filter: SqlFragment | undefined, changedOnly?: string): number {
    // No criteria means "nothing", never "everything": purgeAllJobs is the explicit way to empty the table.
    if (!filter) return 0;
    const where = changedOnly ? `(${filter.text}) AND ${changedOnly}` : filter.text;
    return this.statement(`${verb} ${this.table} ${set} WHERE ${where}`).run(...filter.values).changes;
  }

  private openDatabase(): SqliteDatabase {
    if (this.source.database) return this.source.database;
    const db = new Database(this.source.filename, { timeout: this.options.busyTimeoutMs });
    if (!db.memory) db.pragma(`journal_mode = ${this.options.journalMode}`);
    return db;
  }

  private prepare(db: SqliteDatabase): Connected {
    const texts = fixedSql(this.options);
    const sql = Object.fromEntries(
      Object.entries(texts).map(([key, text]) => [key, db.prepare(text)]),
    ) as Record<keyof FixedSql, Statement>;
    const lockNext = db.transaction((params: Record<string, SqlValue>) => sql.lockNext.get(params) as JobRow | undefined);
    const save = db.transaction((job: JobParameters, by: string | undefined) => this.saveInTransaction(sql, job, by));
    return {
      db,
      sql,
      dynamic: new Map(),
      lockNext: (params) => lockNext.immediate(params),
      save: (job, by) => save.immediate(job, by),
    };
  }

  /** Agenda's save rules, in order: update by id, `single` upsert by name, `unique` upsert, plain insert. */
  private saveInTransaction(sql: Record<keyof FixedSql, Statement>, job: JobParameters, by: string | undefined): JobParameters {
    const insert = (fields: JobParameters): JobParameters =>
      rowToJob(sql.insert.get(jobToRow(randomUUID(), fields, by)) as JobRow);
    const update = (id: string, fields: JobParameters): JobParameters =>
      rowToJob(sql.updateById.get(jobToRow(id, fields, by)) as JobRow);

    if (job._id) {
      const row = sql.selectByIdAndName.get(String(job._id), job.name) as JobRow | undefined;
      // Removed while the caller held it (e.g. cancelled mid-run): hand the job back unchanged, as Mongo does.
      return row ? update(row.id, mergeJob(rowToJob(row), job)) : job;
    }

    if (job.type === 'single') {
      const row = sql.selectSingle.get(job.name) as JobRow | undefined;
      if (!row) return insert(job);
      const stored = rowToJob(row);
      const merged = mergeJob(stored, job);
      // A due or past nextRunAt from a re-run `every()` must not reset the schedule of the stored job.
      if (job.nextRunAt && job.nextRunAt.getTime() <= Date.now() && stored.nextRunAt) merged.nextRunAt = stored.nextRunAt;
      return update(row.id, merged);
    }

    if (job.unique) {
      const filter = uniqueFilter(job.name, job.unique);
      const row = this.statement(`SELECT * FROM ${this.table} WHERE ${filter.text} ORDER BY rowid LIMIT 1`).get(
        ...filter.values,
      ) as JobRow | undefined;
      const debounce = job.uniqueOpts?.debounce;
      const now = new Date();
      if (!row) {
        if (!debounce) return insert(job);
        const nextRunAt = debounce.strategy === 'leading' ? job.nextRunAt : new Date(now.getTime() + debounce.delay);
        return insert({ ...job, nextRunAt, debounceStartedAt: now });
      }
      if (job.uniqueOpts?.insertOnly && !debounce) return rowToJob(row);
      const stored = rowToJob(row);
      const merged = mergeJob(stored, job);
      if (debounce) {
        const startedAt = stored.debounceStartedAt ?? now;
        const maxWait = debounce.maxWait ?? 0;
        if (debounce.strategy === 'leading') {
          Object.assign(merged, { nextRunAt: stored.nextRunAt, debounceStartedAt: startedAt });
        } else if (maxWait > 0 && now.getTime() - startedAt.getTime() >= maxWait) {
          // Waited long enough: run now and let the next save open a new window.
          Object.assign(merged, { nextRunAt: now, debounceStartedAt: undefined });
        } else {
          Object.assign(merged, { nextRunAt: new Date(now.getTime() + debounce.delay), debounceStartedAt: startedAt });
        }
      }
      return update(row.id, merged);
    }

    return insert(job);
  }
}
