/**
 * Runs on Agenda with a few jobs per run (never one per item), each removed when it completes, so Agenda's own
 * table stays small. A process works on a run in one session at a time, inside a session's job (`RUN_JOB_NAME`):
 * the handler hands the run to `RunWorker`, with an `AbortController` (aborted on cancel, when the run ends
 * elsewhere, when Agenda gives the job up, or when shutdown stops waiting) and `job.touch()` as the heartbeat. Up
 * to `slotsPerRun` processes work on one run at once: a woken run gets a session's job for slot 0 and an open-slot
 * job (`RUN_SLOT_JOB_NAME`) for each further slot, which a process with room that does not work on the run yet
 * turns into a session's job of its own. Items are claimed under leases, so two sessions never share an item.
 *
 * A run this process is about to store starts here at once when there is room (`takeUp`): stored started, with its
 * session's first claim, in one store call, and no Agenda round trip before its first item. Such a direct session
 * saves its session's job only once it outlives a heartbeat (due a lock lifetime later, and pushed back at every
 * heartbeat: it comes due only if this process dies), so a small run costs Agenda nothing. A run whose direct
 * session dies sooner (with its process) has no job to come due: every process with runs looks for such runs at each
 * poll, reading only (`#watchDirectSessions`), and takes one up a lock lifetime after it started, as Agenda takes up a
 * job whose lock expired. A run with more items than a claim opens its further slots at once, as a woken run does.
 *
 * Lifecycle: `start()` defines the jobs, starts Agenda and wakes every run left active by a previous process
 * (crash or shutdown), or with `processRuns: false` only readies Agenda to save jobs; `stop()` stops claiming,
 * drains Agenda for a bounded time, aborts what still runs (its items are released), then closes the connection
 * Agenda opened itself. No I/O in the constructor.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { Agenda, exponential, InMemoryNotificationChannel, type AgendaBackend, type Job, type NotificationChannel } from 'agenda';
import { MongoBackend } from '@agendajs/mongo-backend';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../domain/errors.js';
import { isFinalRunStatus, percentCompleted, RUN_STATUS, type Run } from '../domain/runs.js';
import type { TenantId } from '../domain/types.js';
import { MongoStore } from '../store/mongo/index.js';
import { SqliteStore } from '../store/sqlite/index.js';
import type { StoreHealth } from '../store/health.js';
import type { RunStore } from '../store/runTypes.js';
import type { Store } from '../store/types.js';
import type { InvokeGrant } from '../services/invokeAuthorization.js';
import type { RunTakeUp } from '../services/runService.js';
import { SqliteBackend } from './agenda-sqlite/index.js';
import { exactData, refuseJob } from './jobAuthority.js';
import { LocalWakeChannel } from './localWakeChannel.js';
import type { RunControl, RunWorker, TakenRun } from './runWorker.js';

/** Agenda's file among the parts of the embedded store's health. */
const AGENDA_STORE_PART = 'agenda';

/** A session's job: the process that locks it works on the run (`RunJobData.slot` says in which slot). */
export const RUN_JOB_NAME = 'invocables:run';
/**
 * An open slot of a run (1 to `slotsPerRun - 1`): a process with room that does not work on the run yet takes it
 * and saves a session's job for it. A name of its own gives it lock limits of its own (one at a time per process).
 */
export const RUN_SLOT_JOB_NAME = 'invocables:run-slot';
/**
 * The recurring job that wakes active runs no session's job stands for (see `#wakeStranded`). Its data is never
 * read: it only wakes runs the store says are active.
 */
export const RUN_SWEEP_JOB_NAME = 'invocables:wake-stranded-runs';

export interface RunExecutorOptions {
  /** How often Agenda polls for jobs other processes saved (the in-process channel starts jobs at once). @defaultValue 2000 */
  processEveryMs: number;
  /** A run job not touched for this long is taken over by another process. @defaultValue 30000 */
  lockLifetimeMs: number;
  /**
   * Runs this process takes up at once (the Agenda jobs it locks; the rest wait for a process with room, and start
   * the moment a place frees). It is no limit on work: the items in flight are (`RunWorkerOptions.maxItemsInFlight`),
   * so a process can take many small runs at once. @defaultValue 64
   */
  maxConcurrentRuns: number;
  /** How many processes may work on one run at once: its first session, and `slotsPerRun - 1` open slots. @defaultValue 2 */
  slotsPerRun: number;
  /** How long shutdown waits for running items before aborting them. @defaultValue 10000 */
  drainTimeoutMs: number;
  /** The Agenda database file in `dataDir` (embedded store only). @defaultValue 'agenda.sqlite' */
  sqliteFilename: string;
  /** Whether this process works on runs; `false` (API only) just saves the jobs that worker processes pick up. @defaultValue true */
  processRuns: boolean;
  /** How often an active run with no session's job (a wake that failed to save, a session that failed) is woken. @defaultValue 60000 */
  sweepEveryMs: number;
}

export const RUN_EXECUTOR_DEFAULTS = {
  processEveryMs: 2_000,
  lockLifetimeMs: 30_000,
  maxConcurrentRuns: 64,
  slotsPerRun: 2,
  drainTimeoutMs: 10_000,
  sqliteFilename: 'agenda.sqlite',
  processRuns: true,
  sweepEveryMs: 60_000,
} as const satisfies RunExecutorOptions;

/**
 * All a session's or an open slot's job holds. Like every job here (see jobAuthority.ts), it only names the run:
 * the handler reads the run from the store, and the worker acts as the run's stored creator.
 */
export interface RunJobData {
  tenant: TenantId;
  runId: string;
  /** Which of the run's `slotsPerRun` jobs this is, from 0 (an open slot's, from 1). */
  slot: number;
}
const RUN_JOB_KEYS = ['tenant', 'runId', 'slot'] as const;

/**
 * When a session fails (a store call that failed other than by the store being unavailable, which a session waits
 * out), its job fails and Agenda runs it again after 1 s, 2 s, 4 s… up to a minute, for as long as it takes: the
 * run keeps its job. Jitter keeps the processes of a fleet that failed together from retrying together.
 */
const SESSION_RETRY_FIRST_MS = 1_000;
const SESSION_RETRY = exponential({ delay: SESSION_RETRY_FIRST_MS, factor: 2, maxDelay: 60_000, maxRetries: Number.POSITIVE_INFINITY, jitter: 0.2 });

interface ActiveRun {
  controller: AbortController;
  again: boolean;
  /** Agenda gave the session's job up (its lock expired, or a heartbeat could not be saved). */
  lockLost: boolean;
  done: Promise<void>;
  /** Whether open slots may stand in Agenda for the run: a direct session of a small run opens none. */
  slots: boolean;
  /** A direct session's own job, once saved (see `#direct`): removed when the run is over. */
  ownJob?: Job<RunJobData>;
}

/** When the run was last taken up (by a session, after a rerun too), or stored if never. */
function takenUpAt(run: Run): number {
  return (run.startedAt ?? run.createdAt).getTime();
}

/** Gone (purged), or in a final status: nobody works on it any more. */
function isOver(run: Run | undefined): boolean {
  return run === undefined || isFinalRunStatus(run.status);
}

/** The Agenda backend for the store in use: our SQLite one beside the embedded store, or Mongo's on MongoDB. */
export function agendaBackendFor(store: Store, dataDir: string, sqliteFilename: string = RUN_EXECUTOR_DEFAULTS.sqliteFilename): AgendaBackend {
  if (store instanceof MongoStore) return new MongoBackend({ mongo: store.db });
  return new SqliteBackend({ filename: path.join(dataDir, sqliteFilename) });
}

/**
 * On the embedded store, Agenda's file is part of the store: the store's health covers it (probed every second;
 * Agenda's own writes are not checked one by one, as the store's are, since its rows only wake runs and hold
 * schedules) and a file gone is written back like the store's own. Call once Agenda has connected.
 */
export function watchAgendaFile(store: Store, backend: AgendaBackend, dataDir: string, sqliteFilename: string = RUN_EXECUTOR_DEFAULTS.sqliteFilename): void {
  if (!(store instanceof SqliteStore) || !(backend instanceof SqliteBackend)) return;
  const { repository } = backend;
  store.watchFile(AGENDA_STORE_PART, path.join(dataDir, sqliteFilename), { db: () => repository.database, reopen: () => repository.reopen() });
}

export interface RunExecutorDeps {
  backend: AgendaBackend;
  /** How Agenda hears of jobs saved (see notificationChannel.ts). @defaultValue an in-process channel */
  notificationChannel?: NotificationChannel;
  runs: RunStore;
  /** A session that met the store unavailable goes on once it is back. */
  storeHealth: StoreHealth;
  /**
   * Works on runs (`process`), making a direct session's first claim (`firstClaim`); its claim size
   * (`options.batchSize`) tells a small run from a big one.
   */
  worker: Pick<RunWorker, 'process' | 'firstClaim'> & { options: Pick<RunWorker['options'], 'batchSize'> };
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
  /** This process's session on each run it works on: one per run, whichever slot's job started it. */
  readonly #active = new Map<string, ActiveRun>();
  /** Places held for runs about to be stored and started here (`takeUp`), counted with `#active`. */
  #reserved = 0;
  /** Ends the hold of the slot job this process keeps (see `#handleSlot`). */
  readonly #releases = new Set<() => void>();
  #agenda: Agenda | undefined;
  /** Looks for runs whose direct session died (see `#watchDirectSessions`). */
  #directWatch: NodeJS.Timeout | undefined;
  /** When each active run of another process is next looked at by `#watchDirectSessions` (never: the sweep's). */
  readonly #directDue = new Map<string, number>();
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
    const { maxConcurrentRuns, lockLifetimeMs: lockLifetime } = this.#options;
    // Starts a job saved (by this process, or by any on a MongoDB replica set) at once, not at the next poll; and
    // the next waiting run job the moment a session ends here.
    const channel = new LocalWakeChannel(this.#deps.notificationChannel ?? new InMemoryNotificationChannel());
    // Unheard, an error (a handler that threw) would be thrown by the emitter and end the process.
    channel.on('error', (err: unknown) => logger.warn({ err }, 'a run job notification failed; the next poll finds the job'));
    const agenda = new Agenda({
      backend: this.#deps.backend,
      notificationChannel: channel,
      processEvery: this.#options.processEveryMs,
      // Sessions, the slot job held beside them, and as much room again for schedules and retention.
      maxConcurrency: 2 * maxConcurrentRuns + 1,
      defaultLockLifetime: lockLifetime,
    });
    agenda.on('error', (err: Error) => {
      // A store fault (Agenda's file full, read-only...) is logged once, by the store's health, not at every poll.
      if (this.#deps.storeHealth.report(AGENDA_STORE_PART, err)) return;
      logger.error({ err }, 'agenda error');
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    // No job carries authority in its data (jobAuthority.ts): each handler reads the run its job names from the
    // store, refuses (logs and removes) a job naming none, and works as the stored run's creator.
    // A process at its limit locks no more sessions' jobs, leaving them to processes with room.
    // Completed jobs are removed by `#startNextWhenFreed`, not by Agenda.
    const limit = { concurrency: maxConcurrentRuns, lockLimit: maxConcurrentRuns, lockLifetime, removeOnComplete: false };
    agenda.define<RunJobData>(RUN_JOB_NAME, (job) => this.#handleRun(job), { ...limit, backoff: SESSION_RETRY });
    agenda.define<RunJobData>(RUN_SLOT_JOB_NAME, (job) => this.#handleSlot(job), { ...limit, concurrency: 1, lockLimit: 1 });
    this.#startNextWhenFreed(agenda, channel, [RUN_JOB_NAME, RUN_SLOT_JOB_NAME]);
    agenda.define(RUN_SWEEP_JOB_NAME, () => this.#wakeStranded());
    this.#deps.defineJobs?.(agenda);
    if (!this.#options.processRuns) {
      await agenda.ready;
      this.#agenda = agenda;
      return;
    }
    await agenda.start();
    this.#agenda = agenda;
    await agenda.every(this.#options.sweepEveryMs, RUN_SWEEP_JOB_NAME, undefined, { skipImmediate: true });
    this.#watchDirectSessions();
    // Runs a previous process left active (it crashed, or shut down mid-run) continue here.
    for (const { tenant, id } of await this.#deps.runs.listActive()) await this.wake(tenant, id);
  }

  /**
   * A session's or a slot's job that ends frees its place under the lock limit: the next job waiting for one is
   * locked at once, not at the next poll. Agenda frees the place only after removing a completed job (a round trip on
   * MongoDB), and looks for more only at its next poll or save; so these jobs are removed here, as Agenda would
   * (succeeded, no next run: a failed session keeps its job for the retry), and Agenda is told to look again on the
   * turn after the job's end, once it has counted the job out.
   */
  #startNextWhenFreed(agenda: Agenda, channel: LocalWakeChannel, names: string[]): void {
    const succeeded = new WeakSet<Job>();
    for (const name of names) {
      agenda.on(`success:${name}`, (job: Job) => succeeded.add(job));
      agenda.on(`complete:${name}`, (job: Job) => {
        if (succeeded.has(job) && !job.attrs.nextRunAt) {
          job.remove().catch((err: unknown) => this.#deps.logger.warn({ err, job: String(job.attrs._id), name }, 'could not remove a completed run job'));
        }
        setImmediate(() => void channel.lookAgain(name));
      });
    }
  }

  /**
   * Makes sure workers look at the run soon: new items, close, rerun, or a restart. A session here looks again
   * before it ends; otherwise the run gets a session's job due now (slot 0) and its further slots are opened.
   */
  async wake(tenant: TenantId, runId: string): Promise<void> {
    if (this.#agenda === undefined || this.#stopping !== undefined) return;
    const active = this.#active.get(runId);
    if (active !== undefined) {
      active.again = true;
      return;
    }
    await this.#save(RUN_JOB_NAME, { tenant, runId, slot: 0 }, 'advance');
    await this.#openSlots(tenant, runId);
  }

  async #openSlots(tenant: TenantId, runId: string): Promise<void> {
    for (let slot = 1; slot < this.#options.slotsPerRun; slot += 1) await this.#save(RUN_SLOT_JOB_NAME, { tenant, runId, slot }, 'keep');
  }

  /** Runs worked on here, and places held for runs about to be (`takeUp`). */
  get #busy(): number {
    return this.#active.size + this.#reserved;
  }

  /**
   * A place for a run this process is about to store, when it has room (see the top of this file): the store makes
   * the direct session's first claim as it stores the run (`RunTakeUp.claim`). A run stored started is worked on
   * here at once; one stored otherwise (`Waiting`) is woken, as is every run when this process has no room.
   */
  takeUp(now: Date): RunTakeUp | undefined {
    if (this.#agenda === undefined || this.#stopping !== undefined || !this.#options.processRuns) return undefined;
    if (this.#busy >= this.#options.maxConcurrentRuns) return undefined;
    this.#reserved += 1;
    let held = true;
    const free = () => {
      if (!held) return;
      held = false;
      this.#reserved -= 1;
    };
    const claim = this.#deps.worker.firstClaim(now);
    return {
      claim,
      begin: async ({ run, items }, grant) => {
        free();
        if (run.status !== RUN_STATUS.InProgress) {
          this.#release();
          return this.wake(run.tenant, run.id);
        }
        // A small run (a claim's items at most) opens no slot: it is done long before another process could join.
        const slots = run.counts.posted > this.#deps.worker.options.batchSize || run.open || run.filling;
        void this.#direct({ tenant: run.tenant, runId: run.id, slot: 0 }, slots, grant, { run, items, claim });
        if (slots) await this.#openSlots(run.tenant, run.id);
      },
      drop: () => {
        free();
        this.#release();
      },
    };
  }

  /**
   * A session started here without Agenda, on a run stored started with its first claim (`taken`). It has a
   * session's job only once it outlives a heartbeat: due a lock lifetime later, and pushed back at each heartbeat, so
   * that another process takes the run up if this one dies. A session that fails leaves a job due after a second, as
   * a failed session's job is retried. Its first pass acts on `grant`, the request's; any later start of the run (a
   * job, a restart, another process) checks its creator.
   */
  async #direct(data: RunJobData, slots: boolean, grant: InvokeGrant, taken: TakenRun): Promise<void> {
    const { lockLifetimeMs } = this.#options;
    const dueLater = async (_run: Run | undefined, entry: ActiveRun) => {
      entry.ownJob = await this.#save(RUN_JOB_NAME, data, 'advance', new Date(Date.now() + lockLifetimeMs));
    };
    try {
      await this.#session(data, dueLater, slots, 1, grant, taken);
    } catch {
      // Logged by the session.
      await this.#save(RUN_JOB_NAME, data, 'advance', new Date(Date.now() + SESSION_RETRY_FIRST_MS)).catch((err: unknown) =>
        this.#deps.logger.warn({ err, run: data.runId }, 'could not save the job that retries a failed run session; the sweep will'),
      );
    }
  }

  /**
   * The run ended (or is gone): the runs waiting for it are woken, each to decide whether it starts (`resolveWait`).
   * Called after the end is stored, so a run stored `Waiting` before it is found; one stored after found it ended.
   */
  async ended(tenant: TenantId, runId: string): Promise<void> {
    for (const follower of await this.#deps.runs.followers(tenant, runId)) await this.wake(tenant, follower);
  }

  /**
   * Saves a job due now (or at `due`) unless one of that name for the slot exists that nobody has locked yet: that one is kept
   * as it is (`keep`) or made due now (`advance`). A locked job never counts, since it may be about to complete
   * and be removed: so no wake is lost, and a slot has at most one job waiting however often it is woken.
   */
  async #save(name: string, data: RunJobData, existing: 'keep' | 'advance', due?: Date): Promise<Job<RunJobData> | undefined> {
    const { tenant, runId, slot } = data;
    const job = this.#agenda?.create<RunJobData>(name, data);
    if (due !== undefined) job?.schedule(due);
    const unique = { 'data.tenant': tenant, 'data.runId': runId, 'data.slot': slot, lockedAt: null };
    return (await job?.unique(unique, { insertOnly: existing === 'keep' }).save()) as Job<RunJobData> | undefined;
  }

  /**
   * Wakes every active run that no session's job stands for, locked or waiting: a run is never left active with
   * nobody to take it up, whatever failed between the store and Agenda (a job that could not be saved after the
   * run was, a session that failed). A run worked on elsewhere has its job locked there, so it is left alone.
   */
  async #wakeStranded(): Promise<void> {
    const agenda = this.#agenda;
    if (agenda === undefined) return;
    const { jobs } = await agenda.queryJobs({ name: RUN_JOB_NAME });
    const standing = new Set(jobs.map((job) => (job.data as Partial<RunJobData> | undefined)?.runId));
    for (const { tenant, id } of await this.#deps.runs.listActive()) {
      if (standing.has(id) || this.#active.has(id)) continue;
      if (await this.#stranded(await this.#deps.runs.get(tenant, id))) await this.#wakeNoSession(tenant, id);
    }
  }

  /** Whether `run`, active and with no session's job, waits for a worker, and is not maybe in a direct session. */
  async #stranded(run: Run | undefined): Promise<boolean> {
    // An open run whose posted items are all processed waits for its client, not for a worker; a waiting run for
    // the runs it follows, until none of them is active (then its wake was lost: it is woken).
    if (run === undefined || isOver(run) || (run.open && run.counts.processed >= run.counts.posted)) return false;
    // Stored or taken up less than a lock lifetime ago: maybe by a direct session in another process, whose job
    // comes at its first heartbeat. A run stored waiting for others is in none (a direct session starts only a run
    // stored Queued), so only its start counts.
    const since = run.status === RUN_STATUS.Waiting ? run.startedAt?.getTime() : takenUpAt(run);
    if (since !== undefined && Date.now() - since < this.#options.lockLifetimeMs) return false;
    return run.status !== RUN_STATUS.Waiting || (await this.#deps.runs.waitingFor(run.tenant, run.id)).length === 0;
  }

  async #wakeNoSession(tenant: TenantId, runId: string): Promise<void> {
    this.#deps.logger.warn({ run: runId, tenant }, 'active run with no session: woken');
    await this.wake(tenant, runId);
  }

  /**
   * A direct session saves no job before its first heartbeat, so a process that dies sooner leaves its run with
   * none to come due. Every process with runs looks at the active runs at each poll (`processEveryMs`), as Agenda
   * looks for jobs whose lock expired, and wakes such a run a lock lifetime after it was stored or taken up: as soon
   * as a run with a job would be taken up, with no Agenda write on a small run's way. Reads only, and few: each
   * active run not worked on here is read once it may be due (a lock lifetime after it was first seen), its job
   * looked for then; past that (a job, a wake, or older than the sweep's period past due) it is the sweep's alone
   * (`#directDue`).
   */
  #watchDirectSessions(): void {
    let looking = false;
    this.#directWatch = setInterval(() => {
      if (looking || this.#stopping !== undefined) return;
      looking = true;
      this.#wakeDeadDirectSessions()
        .catch((err: unknown) => this.#deps.logger.warn({ err }, 'could not look for runs whose direct session died; the next poll will'))
        .finally(() => (looking = false));
    }, this.#options.processEveryMs);
    this.#directWatch.unref();
  }

  async #wakeDeadDirectSessions(): Promise<void> {
    const agenda = this.#agenda;
    if (agenda === undefined) return;
    const { lockLifetimeMs, sweepEveryMs } = this.#options;
    const active = await this.#deps.runs.listActive();
    const activeIds = new Set<string>(active.map((run) => run.id));
    for (const id of this.#directDue.keys()) if (!activeIds.has(id)) this.#directDue.delete(id);
    for (const { tenant, id } of active) {
      const due = this.#directDue.get(id);
      if (this.#active.has(id) || (due !== undefined && due > Date.now())) continue;
      if (due === undefined) {
        // First seen: taken up by now at the latest, so not a lock lifetime ago before a lock lifetime from now.
        this.#directDue.set(id, Date.now() + lockLifetimeMs);
        continue;
      }
      const run = await this.#deps.runs.get(tenant, id);
      if (run === undefined) continue;
      const age = Date.now() - takenUpAt(run);
      if (age < lockLifetimeMs) {
        this.#directDue.set(id, takenUpAt(run) + lockLifetimeMs);
        continue;
      }
      this.#directDue.set(id, Number.POSITIVE_INFINITY);
      if (age > lockLifetimeMs + sweepEveryMs) continue;
      const { jobs } = await agenda.queryJobs({ name: RUN_JOB_NAME, data: { tenant, runId: id }, limit: 1 });
      if (jobs.length === 0 && (await this.#stranded(run))) await this.#wakeNoSession(tenant, id);
    }
  }

  /**
   * Aborts this process's work on the run (the store already says Cancelled; other processes stop at their next
   * claim, look at the run's status between items, or heartbeat).
   */
  abort(runId: string, reason: Error): void {
    this.#active.get(runId)?.controller.abort(reason);
  }

  /** Runs this process is working on now. */
  get activeRuns(): number {
    return this.#active.size;
  }

  /**
   * A session's job: works on the run, unless this process already does. Then slot 0's job was a wake, which the
   * session here honours by looking again; a further slot's is opened again for another process.
   */
  async #handleRun(job: Job<RunJobData>): Promise<void> {
    const data = (await this.#checked(job))?.data;
    if (data === undefined) return;
    const { runId } = data;
    // Agenda's concurrency counts only the sessions its jobs started, not direct ones (see `wake`): a job that finds
    // every place of this process taken holds its lock until one frees, so MAX_CONCURRENT_RUNS still bounds them all.
    while (this.#stopping === undefined && !this.#active.has(runId) && this.#busy >= this.#options.maxConcurrentRuns) {
      await this.#placeFreed();
      await job.touch();
    }
    if (this.#stopping !== undefined) {
      await this.#keep(job, () => this.#save(RUN_JOB_NAME, data, 'keep'));
      return;
    }
    const existing = this.#active.get(runId);
    if (existing !== undefined) {
      existing.again = true;
      if (data.slot > 0) await this.#keep(job, () => this.#save(RUN_SLOT_JOB_NAME, data, 'keep'));
      return;
    }
    await this.#session(data, async (run, entry) => {
      try {
        await job.touch(run === undefined ? 0 : percentCompleted(run.counts, run.status));
      } catch (err) {
        // Agenda gave the job up (its lock expired while the store was slow): claim nothing more, and let the
        // items in flight finish (their leases are still ours) rather than abort them to be run again elsewhere.
        if (!entry.lockLost) this.#deps.logger.warn({ err, run: runId }, 'run session lost its job lock; it stops claiming');
        entry.lockLost = true;
      }
    }, true, (job.attrs.failCount ?? 0) + 1);
  }

  /**
   * Works on the run in a session of this process, until the worker is done with it and no wake came meanwhile.
   * `beat` is the heartbeat towards whatever stands for the session (its job); the run's status is looked at too.
   * `grant` and `taken` go with the first pass only (see `RunControl`). Throws when the session failed (logged here).
   */
  async #session(
    data: RunJobData,
    beat: (run: Run | undefined, entry: ActiveRun) => Promise<void>,
    slots: boolean,
    attempt = 1,
    grant?: InvokeGrant,
    taken?: TakenRun,
  ): Promise<void> {
    const { tenant, runId } = data;
    let settle = () => {};
    const done = new Promise<void>((resolve) => (settle = resolve));
    const entry: ActiveRun = { controller: new AbortController(), again: false, lockLost: false, done, slots };
    this.#active.set(runId, entry);
    const stopping = () => this.#stopping !== undefined || entry.lockLost;
    const touch = async () => {
      const run = await this.#deps.runs.get(tenant, runId);
      await beat(run, entry);
      if (entry.lockLost) return;
      // Finished or cancelled by another process: a session waiting on that process's leases would otherwise
      // sleep until they expire, and items still in flight here would run on for nothing.
      if (isOver(run)) entry.controller.abort(new Error(`run ${runId} is over`));
    };
    let first: Pick<RunControl, 'grant' | 'taken'> = { grant, taken };
    let finished: Run | undefined;
    try {
      do {
        entry.again = false;
        const control: RunControl = { signal: entry.controller.signal, stopping, touch, ...first };
        first = {};
        finished = undefined;
        try {
          finished = await this.#deps.worker.process(tenant, runId, control);
        } catch (err) {
          if (!(err instanceof StoreUnavailableError)) throw err;
          // The store went away where the session does not pause (starting, ending): go on once it is back.
          await this.#deps.storeHealth.untilHealthy(entry.controller.signal);
          entry.again = true;
        }
      } while (entry.again && !stopping() && !entry.controller.signal.aborted);
      // Returning would count as the job's success, and Agenda would remove it: failing it keeps it, retried soon
      // (by any process), so the run goes on.
      if (entry.lockLost && this.#stopping === undefined) throw new Error(`run ${runId}: the session's job lock was lost`);
    } catch (err) {
      this.#deps.logger.error({ err, run: runId, attempt }, 'run session failed; its job is retried');
      throw err;
    } finally {
      this.#active.delete(runId);
      this.#release();
      await this.#afterSession(data, entry, finished);
      settle();
    }
  }

  /**
   * An open slot: taken here (a session's job for it, due now, which this process locks at once) when this
   * process has room and does not work on the run yet. Otherwise the slot stays open for another process: an
   * unlocked copy waits for it, and this job is held until a session here ends (or half its lock lifetime, so a
   * busy process gets to take other runs' slots now and then). Holding it fills this process's one slot lock, so
   * its own polls never take the copy back: another process's next poll gets it.
   */
  async #handleSlot(job: Job<RunJobData>): Promise<void> {
    const checked = await this.#checked(job);
    if (checked === undefined) return;
    const { data, run } = checked;
    await this.#keep(job, async () => {
      // A waiting run's slots open again when it is woken to start.
      if (isOver(run) || run.status === RUN_STATUS.Waiting) return;
      if (this.#stopping === undefined && !this.#active.has(data.runId) && this.#busy < this.#options.maxConcurrentRuns) {
        await this.#save(RUN_JOB_NAME, data, 'advance');
        return;
      }
      await this.#save(RUN_SLOT_JOB_NAME, data, 'keep');
      if (this.#stopping !== undefined) return;
      await job.touch();
      await this.#placeFreed();
    });
  }

  /** Until a session here ends (or shutdown begins), or half a lock lifetime, whichever comes first. */
  #placeFreed(): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.#releases.delete(release);
        resolve();
      };
      const timer = setTimeout(release, this.#options.lockLifetimeMs / 2);
      this.#releases.add(release);
    });
  }

  /** Ends the hold of the slot job this process keeps: a session ended here, or shutdown began. */
  #release(): void {
    for (const release of [...this.#releases]) release();
  }

  /**
   * The stored run the job names, with the job's data as that run says it; `undefined` when the job was refused (its
   * data is not exactly `RunJobData` with a slot in range, or names no run stored in that tenant) or the store
   * failed (the job is kept for a retry).
   */
  async #checked(job: Job<RunJobData>): Promise<{ data: RunJobData; run: Run } | undefined> {
    const data = exactData(job.attrs.data, RUN_JOB_KEYS);
    const firstSlot = job.attrs.name === RUN_SLOT_JOB_NAME ? 1 : 0;
    const { slotsPerRun } = this.#options;
    const slot = data?.slot;
    const inRange = typeof slot === 'number' && Number.isInteger(slot) && slot >= firstSlot && slot < slotsPerRun;
    if (data === undefined || typeof data.tenant !== 'string' || typeof data.runId !== 'string' || !inRange) {
      await refuseJob(job, this.#deps.logger, `this job holds exactly { tenant, runId, slot } with a slot from ${firstSlot} to ${slotsPerRun - 1}`);
      return undefined;
    }
    let run: Run | undefined;
    try {
      run = await this.#deps.runs.get(data.tenant as TenantId, data.runId);
    } catch (err) {
      this.#retryLater(job, err);
      return undefined;
    }
    if (run === undefined) {
      await refuseJob(job, this.#deps.logger, `no run '${data.runId}' is stored in tenant '${data.tenant}'`);
      return undefined;
    }
    return { data: { tenant: run.tenant, runId: run.id, slot }, run };
  }

  /** Runs `work`; when it fails (the store is busy, say), Agenda keeps this job to run it again a poll later. */
  async #keep(job: Job<RunJobData>, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.#retryLater(job, err);
    }
  }

  #retryLater(job: Job<RunJobData>, err: unknown): void {
    this.#deps.logger.warn({ err, job: String(job.attrs._id), name: job.attrs.name }, 'run job kept for a retry');
    job.schedule(new Date(Date.now() + this.#options.processEveryMs));
  }

  /**
   * A run with work left keeps a session's job due now when this session cannot honour what it was asked: on
   * shutdown, another process (or this one, restarted) picks it up; after a wake that came while the session was
   * being aborted (a cancel, then a rerun before the cancelled session wound down), a new session takes the run up.
   * A run that is over closes its open slots: nobody needs to join it any more (a process holding one finds its
   * job gone, which Agenda ignores), and a direct session's own job goes; and the runs that follow it are woken.
   * A run the session `finished` is over unless a wake came since (a rerun wakes it): only then is it read again.
   */
  async #afterSession(data: RunJobData, { again, slots, ownJob }: ActiveRun, finished: Run | undefined): Promise<void> {
    const { tenant, runId } = data;
    try {
      if (isOver(finished !== undefined && !again ? finished : await this.#deps.runs.get(tenant, runId))) {
        if (slots) await this.#agenda?.cancel({ name: RUN_SLOT_JOB_NAME, data: { tenant, runId } });
        await ownJob?.remove();
        await this.ended(tenant, runId);
      } else if (this.#stopping !== undefined || again) await this.#save(RUN_JOB_NAME, data, 'advance');
    } catch (err) {
      this.#deps.logger.warn({ err, run: runId }, 'could not hand the run over or close its slots');
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
    clearInterval(this.#directWatch);
    this.#release();
    await this.#starting?.catch(() => undefined);
    const agenda = this.#agenda;
    if (agenda === undefined) return;
    if (this.#options.processRuns) await this.#drain(agenda);
    // Agenda 6.2.6's stop() does nothing after drain(), nor in a process that never started processing: close a
    // connection Agenda opened itself (the SQLite file) here; a shared one (MongoDB) closes with the store.
    if (this.#deps.backend.ownsConnection !== false) await this.#deps.backend.disconnect();
  }

  /** Lets running sessions finish for `drainTimeoutMs`, then aborts the rest (their items are released). */
  async #drain(agenda: Agenda): Promise<void> {
    const { drainTimeoutMs } = this.#options;
    const deadline = Date.now() + drainTimeoutMs;
    // The connection stays open for the hand-overs of sessions that end now (`#afterSession`).
    const result = await agenda.drain({ timeout: drainTimeoutMs, closeConnection: false });
    // Direct sessions (no Agenda job) get what is left of the same time.
    const direct = [...this.#active.values()].map((entry) => entry.done);
    if (!result.timedOut && direct.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
      await Promise.race([Promise.all(direct), timeUp]);
      clearTimeout(timer);
    }
    const running = [...this.#active.values()];
    if (running.length === 0) return;
    for (const entry of running) entry.controller.abort(new Error('service shutting down'));
    await Promise.allSettled(running.map((entry) => entry.done));
  }
}
