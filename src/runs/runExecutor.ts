/**
 * Runs on Agenda: one Agenda job per run wake-up (never per item), removed when it completes, so Agenda's own
 * table stays small. The job handler hands the run to `RunWorker`, with an `AbortController` per run (aborted on
 * cancel, or when shutdown stops waiting) and `job.touch()` as the heartbeat.
 *
 * Lifecycle: `start()` defines the job, starts Agenda and wakes every run left active by a previous process
 * (crash or shutdown); `stop()` stops claiming, drains Agenda for a bounded time, aborts what still runs
 * (its items are released), then stops Agenda. No I/O in the constructor.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Agenda, InMemoryNotificationChannel, type AgendaBackend, type Job } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Logger } from 'pino';
import type { TenantId } from '../domain/types.js';
import { MongoStore } from '../store/mongo/index.js';
import type { RunStore } from '../store/runTypes.js';
import type { Store } from '../store/types.js';
import { SqliteBackend } from './agenda-sqlite/index.js';
import type { RunWorker } from './runWorker.js';

export const RUN_JOB_NAME = 'invocables:run';

export interface RunExecutorOptions {
  /** How often Agenda polls for jobs other processes saved (the in-process channel starts jobs at once). @defaultValue 2000 */
  processEveryMs: number;
  /** A run job not touched for this long is taken over by another process. @defaultValue 30000 */
  lockLifetimeMs: number;
  /** Runs this process works on at once. @defaultValue 4 */
  maxConcurrentRuns: number;
  /** How long shutdown waits for running items before aborting them. @defaultValue 10000 */
  drainTimeoutMs: number;
  /** The Agenda database file in `dataDir` (embedded store only). @defaultValue 'agenda.sqlite' */
  sqliteFilename: string;
  /** Whether this process works on runs; `false` (API only) just saves the jobs that worker processes pick up. @defaultValue true */
  processRuns: boolean;
}

export const RUN_EXECUTOR_DEFAULTS = {
  processEveryMs: 2_000,
  lockLifetimeMs: 30_000,
  maxConcurrentRuns: 4,
  drainTimeoutMs: 10_000,
  sqliteFilename: 'agenda.sqlite',
  processRuns: true,
} as const satisfies RunExecutorOptions;

interface RunJobData {
  tenant: string;
  runId: string;
}

interface ActiveRun {
  controller: AbortController;
  again: boolean;
  done: Promise<void>;
}

/** The Agenda backend for the store in use: our SQLite one beside the embedded store, or Mongo's on MongoDB. */
export function agendaBackendFor(store: Store, dataDir: string, sqliteFilename: string = RUN_EXECUTOR_DEFAULTS.sqliteFilename): AgendaBackend {
  if (store instanceof MongoStore) return new MongoBackend({ mongo: store.db });
  return new SqliteBackend({ filename: path.join(dataDir, sqliteFilename) });
}

export interface RunExecutorDeps {
  backend: AgendaBackend;
  runs: RunStore;
  worker: RunWorker;
  logger: Logger;
  options?: Partial<RunExecutorOptions>;
  /**
   * Defines the other jobs sharing this Agenda (schedules, retention). Called before Agenda starts: a job
   * defined after `start()` is not woken by the notification channel, only found at the next poll.
   */
  defineJobs?: (agenda: Agenda) => void;
}

export class RunExecutor extends EventEmitter<{ error: [Error] }> {
  readonly #deps: RunExecutorDeps;
  readonly #options: RunExecutorOptions;
  readonly #active = new Map<string, ActiveRun>();
  /** Runs with a job saved but not yet started here: no need to save another. */
  readonly #pending = new Set<string>();
  #agenda: Agenda | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(deps: RunExecutorDeps) {
    super();
    this.#deps = deps;
    this.#options = { ...RUN_EXECUTOR_DEFAULTS, ...deps.options };
  }

  /** Idempotent; answers the in-flight start. */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const { logger } = this.#deps;
    const agenda = new Agenda({
      backend: this.#deps.backend,
      // Starts a job saved by this process at once instead of at the next poll.
      notificationChannel: new InMemoryNotificationChannel(),
      processEvery: this.#options.processEveryMs,
      maxConcurrency: this.#options.maxConcurrentRuns,
      defaultLockLifetime: this.#options.lockLifetimeMs,
    });
    agenda.on('error', (err: Error) => {
      logger.error({ err }, 'agenda error');
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    agenda.define<RunJobData>(RUN_JOB_NAME, (job) => this.#handle(job), {
      concurrency: this.#options.maxConcurrentRuns,
      lockLimit: this.#options.maxConcurrentRuns,
      lockLifetime: this.#options.lockLifetimeMs,
      removeOnComplete: true,
    });
    this.#deps.defineJobs?.(agenda);
    if (!this.#options.processRuns) {
      await agenda.ready;
      this.#agenda = agenda;
      return;
    }
    await agenda.start();
    this.#agenda = agenda;
    // Runs a previous process left active (it crashed, or shut down mid-run) continue here.
    for (const { tenant, id } of await this.#deps.runs.listActive()) await this.wake(tenant, id);
  }

  /** Makes sure a worker looks at the run soon: new items, close, rerun, or a restart. */
  async wake(tenant: TenantId, runId: string): Promise<void> {
    const active = this.#active.get(runId);
    if (active !== undefined) {
      active.again = true;
      return;
    }
    if (this.#pending.has(runId) || this.#agenda === undefined || this.#stopping !== undefined) return;
    this.#pending.add(runId);
    try {
      await this.#agenda.now<RunJobData>(RUN_JOB_NAME, { tenant, runId });
    } catch (err) {
      this.#pending.delete(runId);
      throw err;
    }
  }

  /** Aborts this process's work on the run (the store already says Cancelled; other processes stop at their next claim). */
  abort(runId: string, reason: Error): void {
    this.#active.get(runId)?.controller.abort(reason);
  }

  /** Runs this process is working on now. */
  get activeRuns(): number {
    return this.#active.size;
  }

  async #handle(job: Job<RunJobData>): Promise<void> {
    const { tenant, runId } = job.attrs.data;
    this.#pending.delete(runId);
    const existing = this.#active.get(runId);
    if (existing !== undefined) {
      existing.again = true;
      return;
    }
    let settle = () => {};
    const entry: ActiveRun = { controller: new AbortController(), again: false, done: new Promise<void>((resolve) => (settle = resolve)) };
    this.#active.set(runId, entry);
    const stopping = () => this.#stopping !== undefined;
    const touch = async (percent: number) => {
      try {
        await job.touch(percent);
      } catch (err) {
        // Agenda gave the job up (lock lost): stop here; the leases protect the items.
        entry.controller.abort(err instanceof Error ? err : new Error(String(err)));
      }
    };
    try {
      do {
        entry.again = false;
        await this.#deps.worker.process(tenant as TenantId, runId, { signal: entry.controller.signal, stopping, touch });
      } while (entry.again && !stopping() && !entry.controller.signal.aborted);
    } catch (err) {
      this.#deps.logger.error({ err, run: runId }, 'run worker failed');
    } finally {
      this.#active.delete(runId);
      if (stopping()) await this.#handOver(tenant, runId);
      settle();
    }
  }

  /** On shutdown, a run with work left gets a job that another process (or this one, restarted) picks up. */
  async #handOver(tenant: string, runId: string): Promise<void> {
    try {
      const run = await this.#deps.runs.get(tenant as TenantId, runId);
      if (run === undefined || !(run.status === 'Queued' || run.status === 'InProgress')) return;
      await this.#agenda?.create<RunJobData>(RUN_JOB_NAME, { tenant, runId }).save();
    } catch (err) {
      this.#deps.logger.warn({ err, run: runId }, 'could not hand the run over');
    }
  }

  /**
   * Graceful shutdown: no more claims, running items get `drainTimeoutMs` to finish, then the rest is aborted
   * and released, and Agenda stops. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const agenda = this.#agenda;
    if (agenda === undefined) return;
    if (!this.#options.processRuns) {
      await agenda.stop();
      return;
    }
    const result = await agenda.drain({ timeout: this.#options.drainTimeoutMs, closeConnection: false });
    if (result.timedOut) {
      // Items still running past the deadline are aborted; their workers release them and return promptly.
      const running = [...this.#active.values()];
      for (const entry of running) entry.controller.abort(new Error('service shutting down'));
      await Promise.allSettled(running.map((entry) => entry.done));
    }
    await agenda.stop();
  }
}
