/**
 * RunExecutor's slots on a real Agenda over the SQLite backend (one temp file; an executor per simulated
 * process, each with its own connection), with a fake worker whose sessions the test ends, and a fake store
 * that only says each run's status (with counts that make it half done). A run just stored (`wake` with the run)
 * starts at once in a direct session, with no Agenda job until it outlives a heartbeat.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { isFinalRunStatus, type Run, type RunStatus } from '../../src/domain/runs.js';
import type { TenantId } from '../../src/domain/types.js';
import { createLogger } from '../../src/log.js';
import { SqliteBackend } from '../../src/runs/agenda-sqlite/index.js';
import { RUN_JOB_NAME, RUN_SLOT_JOB_NAME, RunExecutor, type RunExecutorOptions, type RunJobData } from '../../src/runs/runExecutor.js';
import type { RunControl, RunWorker } from '../../src/runs/runWorker.js';
import type { InvokeGrant } from '../../src/services/invokeAuthorization.js';
import { StoreHealth } from '../../src/store/health.js';
import type { RunStore } from '../../src/store/runTypes.js';
import { waitFor } from '../support/waitFor.js';

const TENANT = 'default' as TenantId;
const RUN = 'run-1';

interface Session {
  process: string;
  runId: string;
  control: RunControl;
  /** Ends the session as the real worker does when it runs out of items. */
  finish: () => void;
  ended: boolean;
}

describe('RunExecutor slots', () => {
  let dir: string;
  let file: string;
  let statuses: Map<string, RunStatus>;
  let sessions: Session[];
  /** When each failing session failed. */
  let failures: number[];
  let executors: RunExecutor[];
  let inspector: SqliteBackend;
  /** Runs the fake store lists as active (those a restart or the sweep wakes). */
  let active: string[];
  /** How long an aborted session takes to wind down (the real one flushes and releases its items). */
  let windDownMs: number;
  /** Sessions left to fail at once, as one whose store call failed does. */
  let failingSessions: number;
  /** When each run was taken up, for those taken up lately (the others were stored long ago). */
  let startedAt: Map<string, Date>;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-executor-'));
    file = path.join(dir, 'agenda.sqlite');
    statuses = new Map([[RUN, 'InProgress']]);
    sessions = [];
    failures = [];
    executors = [];
    active = [];
    windDownMs = 0;
    failingSessions = 0;
    startedAt = new Map();
    inspector = new SqliteBackend({ filename: file });
    await inspector.connect();
  });

  afterEach(async () => {
    for (const session of sessions) session.finish();
    await Promise.all(executors.map((executor) => executor.stop()));
    await inspector.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  const runs = {
    listActive: async () => active.map((id) => ({ tenant: TENANT, id })),
    get: async (_tenant: TenantId, id: string) => {
      const status = statuses.get(id);
      const counts = { posted: 2, processed: 1, failed: 0, affected: 1 };
      // Stored long ago: a run without a job is the sweep's to wake, not taken for a direct session just started.
      const started = startedAt.get(id);
      const run = { id, tenant: TENANT, status, counts, createdAt: new Date(0), ...(started !== undefined && { startedAt: started }) };
      return status === undefined ? undefined : (run as Run);
    },
  } as unknown as RunStore;

  /** A simulated process: its own Agenda on the shared file, and a worker that records each session. */
  function processNamed(name: string, options: Partial<RunExecutorOptions> = {}): RunExecutor {
    const worker = {
      options: { batchSize: 256 },
      firstClaim: (now: Date) => ({ owner: name, limit: 8, leaseMs: 30_000, now }),
      async process(_tenant: TenantId, runId: string, control: RunControl) {
        if (isFinalRunStatus(statuses.get(runId) ?? 'Completed')) return;
        if (failingSessions > 0) {
          failingSessions -= 1;
          failures.push(performance.now());
          throw new Error('SQLITE_IOERR: disk I/O error');
        }
        let finish = () => {};
        const finished = new Promise<void>((resolve) => (finish = resolve));
        const session: Session = { process: name, runId, control, finish, ended: false };
        sessions.push(session);
        const aborted = new Promise<void>((resolve) => control.signal.addEventListener('abort', () => resolve(), { once: true }));
        await Promise.race([finished, aborted]);
        if (control.signal.aborted) await pause(windDownMs);
        session.ended = true;
      },
    } as unknown as RunWorker;
    const executor = new RunExecutor({
      backend: new SqliteBackend({ filename: file }),
      runs,
      storeHealth: new StoreHealth(),
      worker,
      logger: createLogger('silent'),
      options: { processEveryMs: 50, drainTimeoutMs: 100, ...options },
    });
    executors.push(executor);
    return executor;
  }

  async function runJobs(): Promise<RunJobData[]> {
    const { jobs } = await inspector.repository.queryJobs({ names: [RUN_JOB_NAME, RUN_SLOT_JOB_NAME] });
    return jobs.map((job) => job.data as RunJobData);
  }

  const live = () => sessions.filter((session) => !session.ended);
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('works a run in one session per process, holds one open slot without churn, and removes every job once the run is over', async () => {
    const executor = processNamed('A', { slotsPerRun: 3 });
    await executor.start();
    await executor.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
    const slotJobs = async () => (await inspector.repository.queryJobs({ name: RUN_SLOT_JOB_NAME })).jobs;
    await waitFor('an open slot held', async () => ((await slotJobs()).some((job) => job.lockedAt !== undefined) ? true : undefined));

    // Several polls later: still one session, one slot job held, and both slots open to other processes.
    const held = await slotJobs();
    await pause(400);
    expect(sessions).to.have.length(1);
    const jobs = await slotJobs();
    expect(jobs.map((job) => job._id), 'the same jobs, none taken and offered again').to.deep.equal(held.map((job) => job._id));
    expect(jobs.filter((job) => job.lockedAt !== undefined)).to.have.length(1);
    expect(new Set(jobs.filter((job) => job.lockedAt === undefined).map((job) => (job.data as RunJobData).slot))).to.deep.equal(new Set([1, 2]));

    statuses.set(RUN, 'Completed');
    sessions[0]!.finish();
    await waitFor('every job to be removed', async () => ((await runJobs()).length === 0 ? true : undefined), { timeoutMs: 2_000 });
    expect(sessions).to.have.length(1);
    expect(executor.activeRuns).to.equal(0);
  });

  it('opens a slot that a second process takes at its next poll, so both work on the run at once', async () => {
    const api = processNamed('api', { processRuns: false });
    const a = processNamed('A');
    await Promise.all([api.start(), a.start()]);
    await api.wake(TENANT, RUN);
    await waitFor('a session in A', async () => (live().length === 1 ? true : undefined));
    await pause(300);
    expect(live(), 'A never takes its own open slot').to.have.length(1);

    const b = processNamed('B');
    await b.start();
    await waitFor('a session in B', async () => (live().some((session) => session.process === 'B') ? true : undefined), { timeoutMs: 1_000 });
    expect(live().map((session) => session.process).sort()).to.deep.equal(['A', 'B']);

    statuses.set(RUN, 'Completed');
    for (const session of sessions) session.finish();
    await waitFor('every job to be removed', async () => ((await runJobs()).length === 0 ? true : undefined), { timeoutMs: 2_000 });
  });

  it('looks at the run again after a wake, from this process or another, that came while it worked; stops at abort', async () => {
    const api = processNamed('api', { processRuns: false, slotsPerRun: 1 });
    const executor = processNamed('A', { slotsPerRun: 1 });
    await Promise.all([api.start(), executor.start()]);
    await executor.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
    await executor.wake(TENANT, RUN);
    expect(await runJobs(), 'no job saved for a run this process works on').to.have.length(1);
    sessions[0]!.finish();
    await waitFor('a second session', async () => (sessions.length === 2 && live().length === 1 ? true : undefined));

    await api.wake(TENANT, RUN);
    await waitFor('the wake taken and dropped by A', async () => ((await runJobs()).length === 1 ? true : undefined));
    sessions[1]!.finish();
    await waitFor('a third session', async () => (sessions.length === 3 && live().length === 1 ? true : undefined));

    statuses.set(RUN, 'Cancelled');
    executor.abort(RUN, new Error('cancelled'));
    expect(sessions[2]!.control.signal.aborted).to.equal(true);
    await waitFor('the job to be removed', async () => ((await runJobs()).length === 0 ? true : undefined), { timeoutMs: 2_000 });
  });

  it('takes the run up again after a wake that came while a cancelled session wound down (a cancel, then a rerun)', async () => {
    const executor = processNamed('A', { slotsPerRun: 1 });
    await executor.start();
    await executor.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
    windDownMs = 300;
    statuses.set(RUN, 'Cancelled');
    executor.abort(RUN, new Error('cancelled'));
    // Rerun while the cancelled session still flushes: its process must not take the wake for its own.
    statuses.set(RUN, 'Queued');
    await executor.wake(TENANT, RUN);
    await waitFor('a session for the rerun', async () => (sessions.length === 2 && live().length === 1 ? true : undefined), { timeoutMs: 3_000 });
    expect(sessions[0]!.ended).to.equal(true);
  });

  it('wakes an active run that no session stands for, and leaves one a session works on alone', async () => {
    const a = processNamed('A', { slotsPerRun: 1, sweepEveryMs: 200 });
    await a.start();
    await a.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
    // A second run left active with no job at all: its wake was lost.
    statuses.set('run-2', 'InProgress');
    active = [RUN, 'run-2'];
    await waitFor('a session on the stranded run', async () => (live().some((session) => session.runId === 'run-2') ? true : undefined), {
      timeoutMs: 3_000,
    });
    await pause(600);
    expect(sessions.map((session) => session.runId).sort(), 'each run taken up once').to.deep.equal([RUN, 'run-2']);
  });

  it('takes up a run whose direct session died elsewhere a lock lifetime after it started, and leaves one with a job alone', async () => {
    const lockLifetimeMs = 400;
    const executor = processNamed('A', { slotsPerRun: 1, lockLifetimeMs, sweepEveryMs: 3_600_000 });
    await executor.start();
    // Both taken up just now by direct sessions of another process: one died at once, leaving no job; the other
    // outlived a heartbeat, so it saved its job, due a lock lifetime later.
    const taken = new Date();
    for (const id of ['run-dead', 'run-held']) {
      statuses.set(id, 'InProgress');
      startedAt.set(id, taken);
    }
    const held = { tenant: TENANT, runId: 'run-held', slot: 0 } satisfies RunJobData;
    await inspector.repository.saveJob({ name: RUN_JOB_NAME, type: 'normal', priority: 0, nextRunAt: new Date(Date.now() + 60_000), data: held }, undefined);
    active = ['run-dead', 'run-held'];
    await waitFor('a session on the run left without a job', async () => (live().some((session) => session.runId === 'run-dead') ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect(Date.now() - taken.getTime(), 'not before a lock lifetime: its session might still be alive').to.be.at.least(lockLifetimeMs);
    await pause(600);
    expect(sessions.map((session) => session.runId), 'the run with a job is left to it').to.deep.equal(['run-dead']);
  });

  it('retries a session that failed, after 1 s then 2 s, until one works on the run', async () => {
    failingSessions = 2;
    const executor = processNamed('A', { slotsPerRun: 1 });
    await executor.start();
    await executor.wake(TENANT, RUN);
    await waitFor('a session after two failures', async () => (live().length === 1 ? true : undefined), { timeoutMs: 15_000, intervalMs: 10 });
    const started = performance.now();
    expect(failures).to.have.length(2);
    // 1 s then 2 s, ± 20 % jitter; the upper bounds only leave room for a loaded machine.
    expect(failures[1]! - failures[0]!, 'the first retry, after about 1 s').to.be.within(750, 4_000);
    expect(started - failures[1]!, 'the second retry, after about 2 s').to.be.within(1_550, 6_000);
    expect(await runJobs(), 'the run keeps its one job').to.have.length(1);
  });

  it('starts a new run at once while it holds an open slot of another run', async () => {
    // Saved before the start, so that the first poll locks it and holds it until it is due.
    const held = { tenant: TENANT, runId: 'run-0', slot: 1 } satisfies RunJobData;
    const due = new Date(Date.now() + 30_000);
    await inspector.repository.saveJob({ name: RUN_SLOT_JOB_NAME, type: 'normal', priority: 0, nextRunAt: due, data: held }, undefined);
    const executor = processNamed('A', { maxConcurrentRuns: 1, processEveryMs: 60_000 });
    await executor.start();
    const { jobs } = await inspector.repository.queryJobs({ name: RUN_SLOT_JOB_NAME });
    expect(jobs.map((job) => job.lockedAt)).to.have.length(1).and.not.include(undefined);

    // With no poll due for a minute, only the in-process notification can start it.
    await executor.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
  });

  it('starts a run waiting for a place the moment a session ends, not at the next poll, and removes the ended job', async () => {
    statuses.set('run-2', 'InProgress');
    statuses.set('run-3', 'InProgress');
    const executor = processNamed('A', { maxConcurrentRuns: 1, slotsPerRun: 1, processEveryMs: 60_000 });
    await executor.start();
    for (const runId of [RUN, 'run-2', 'run-3']) await executor.wake(TENANT, runId);
    await waitFor('a first session', async () => (live().length === 1 ? true : undefined));
    await pause(200);
    expect(sessions, 'one place: the other runs wait').to.have.length(1);

    // With no poll due for a minute, only the end of a session can start the next run.
    for (let started = 1; started <= 3; started += 1) {
      const [current] = live();
      statuses.set(current!.runId, 'Completed');
      current!.finish();
      if (started < 3) await waitFor(`session ${started + 1}`, async () => (sessions.length === started + 1 && live().length === 1 ? true : undefined));
    }
    expect(new Set(sessions.map((session) => session.runId))).to.deep.equal(new Set([RUN, 'run-2', 'run-3']));
    await waitFor('every completed job removed', async () => ((await runJobs()).length === 0 ? true : undefined));
  });

  it('ends a session at its heartbeat once the run is over elsewhere', async () => {
    const executor = processNamed('A');
    await executor.start();
    await executor.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
    await sessions[0]!.control.touch();
    expect(sessions[0]!.control.signal.aborted).to.equal(false);
    const { jobs } = await inspector.repository.queryJobs({ name: RUN_JOB_NAME });
    expect(jobs.map((job) => job.progress), 'the progress the heartbeat reports').to.deep.equal([50]);

    statuses.set(RUN, 'Completed');
    await sessions[0]!.control.touch();
    expect(sessions[0]!.control.signal.aborted).to.equal(true);
  });

  it('when its job lock is lost, stops claiming but lets items in flight finish, and keeps the job for a retry', async () => {
    const executor = processNamed('A', { slotsPerRun: 1, lockLifetimeMs: 200 });
    await executor.start();
    await executor.wake(TENANT, RUN);
    await waitFor('a session', async () => (live().length === 1 ? true : undefined));
    // No heartbeat for well past the lock lifetime (as when the store stalls): Agenda gives the job up.
    await pause(1_000);
    await sessions[0]!.control.touch();
    expect(sessions[0]!.control.stopping(), 'claims nothing more').to.equal(true);
    expect(sessions[0]!.control.signal.aborted, 'its items in flight are not aborted').to.equal(false);
    // The real worker ends once its items in flight are done; the run, with work left, is taken up again.
    sessions[0]!.finish();
    await waitFor('a second session', async () => (sessions.length === 2 && live().length === 1 ? true : undefined), { timeoutMs: 10_000 });
    expect(await runJobs(), 'the run keeps its one job').to.have.length(1);
  });

  it('on shutdown, leaves a run with work left to another process', async () => {
    const a = processNamed('A', { slotsPerRun: 1 });
    await a.start();
    await a.wake(TENANT, RUN);
    await waitFor('a session in A', async () => (live().length === 1 ? true : undefined));
    await a.stop();
    expect(sessions[0]!.control.signal.aborted, 'aborted after the drain timeout').to.equal(true);
    // The job A ran is on its way out: Agenda records its end after the drain gave up on it.
    const { jobs } = await inspector.repository.queryJobs({ names: [RUN_JOB_NAME, RUN_SLOT_JOB_NAME] });
    const waiting = jobs.filter((job) => job.lockedAt === undefined && job.nextRunAt !== null);
    expect(waiting.map((job) => job.data)).to.deep.equal([{ tenant: TENANT, runId: RUN, slot: 0 }]);

    const b = processNamed('B', { slotsPerRun: 1 });
    await b.start();
    await waitFor('a session in B', async () => (live().some((session) => session.process === 'B') ? true : undefined));
  });

  /** A run as `RunService` has just stored it started (`createAndClaim`), with `posted` items. */
  const stored = (id: string, posted: number, flags: Partial<Run> = {}) =>
    ({ id, tenant: TENANT, status: 'InProgress', open: false, filling: false, counts: { posted, processed: 0, failed: 0, affected: 0 }, ...flags }) as Run;

  /** Stores `run` as `RunService` does when the executor has a place for it (`takeUp`), handing it over. */
  async function storedHere(executor: RunExecutor, run: Run, grant = {} as InvokeGrant): Promise<void> {
    const takeUp = executor.takeUp(new Date());
    expect(takeUp, 'a place for the run').to.not.equal(undefined);
    await takeUp!.begin({ run, items: [] }, grant);
  }

  it('starts a run just stored at once, without Agenda; a small one leaves no job behind', async () => {
    const executor = processNamed('A', { processEveryMs: 60_000 });
    await executor.start();
    await storedHere(executor, stored(RUN, 1));
    expect(live(), 'the session began within the wake').to.have.length(1);
    expect(await runJobs(), 'no session job and no open slot for a one-record run').to.deep.equal([]);

    statuses.set(RUN, 'Completed');
    sessions[0]!.finish();
    await waitFor('the session to end', async () => (executor.activeRuns === 0 ? true : undefined));
    expect(await runJobs()).to.deep.equal([]);
  });

  it("hands a direct session's first pass the request's grant, and no later pass or job-started session", async () => {
    const grant = { caller: { user: 'creator' } } as unknown as InvokeGrant;
    const executor = processNamed('A');
    await executor.start();
    await storedHere(executor, stored(RUN, 1), grant);
    expect(live()[0]!.control.grant, 'the first pass acts on the grant').to.equal(grant);
    await executor.wake(TENANT, RUN);
    sessions[0]!.finish();
    await waitFor('a second pass', async () => (live().length === 1 && sessions.length === 2 ? true : undefined));
    expect(sessions[1]!.control.grant, 'a pass after a wake checks the creator again').to.equal(undefined);

    statuses.set('run-2', 'InProgress');
    await executor.wake(TENANT, 'run-2');
    await waitFor('a session started by its job', async () => (live().some((session) => session.runId === 'run-2') ? true : undefined));
    expect(live().find((session) => session.runId === 'run-2')!.control.grant, 'a run not just stored here is checked again').to.equal(undefined);
  });

  it('holds a place from takeUp to begin, counted with the runs worked on, and wakes a run stored waiting instead of starting it', async () => {
    const executor = processNamed('A', { maxConcurrentRuns: 2, processEveryMs: 60_000 });
    await executor.start();
    const first = executor.takeUp(new Date());
    const second = executor.takeUp(new Date());
    expect([first, second].map((takeUp) => takeUp !== undefined)).to.deep.equal([true, true]);
    expect(executor.takeUp(new Date()), 'no place left: the run is stored and woken').to.equal(undefined);
    expect(first!.claim.owner, 'the first claim is the worker\'s').to.equal('A');
    second!.drop();
    const third = executor.takeUp(new Date());
    expect(third, 'a dropped place is free again').to.not.equal(undefined);
    await first!.begin({ run: stored(RUN, 1), items: [] }, {} as InvokeGrant);
    expect(live().map((session) => session.control.taken?.run.id)).to.deep.equal([RUN]);
    statuses.set('run-2', 'Waiting');
    await third!.begin({ run: stored('run-2', 1, { status: 'Waiting' }), items: [] }, {} as InvokeGrant);
    const woken = await waitFor('a session started by its job', async () => live().find((session) => session.runId === 'run-2'));
    expect([woken.control.taken, woken.control.grant], 'woken, not taken up as stored').to.deep.equal([undefined, undefined]);
    expect(executor.takeUp(new Date()), 'the place its session took is full').to.equal(undefined);
  });

  it('opens the further slots of a big run started at once, for other processes', async () => {
    const executor = processNamed('A', { slotsPerRun: 2 });
    await executor.start();
    await storedHere(executor, stored(RUN, 100_000, { filling: true }));
    expect(live()).to.have.length(1);
    expect(new Set((await runJobs()).map((job) => job.slot)), 'open slots only: no session job').to.deep.equal(new Set([1]));
    const b = processNamed('B');
    await b.start();
    await waitFor('a session in B', async () => (live().some((session) => session.process === 'B') ? true : undefined), { timeoutMs: 2_000 });
  });

  it('gives a direct session that outlives a heartbeat a job due a lock lifetime later, pushed back at each beat, removed at the end', async () => {
    const executor = processNamed('A', { lockLifetimeMs: 30_000 });
    await executor.start();
    await storedHere(executor, stored(RUN, 1));
    const dueAt = async () => {
      const { jobs } = await inspector.repository.queryJobs({ name: RUN_JOB_NAME });
      expect(jobs.map((job) => [job.data, job.lockedAt])).to.deep.equal([[{ tenant: TENANT, runId: RUN, slot: 0 }, undefined]]);
      return jobs[0]!.nextRunAt!.getTime();
    };
    await sessions[0]!.control.touch();
    const first = await dueAt();
    expect(first - Date.now(), 'due about a lock lifetime from now').to.be.within(25_000, 30_000);
    await pause(50);
    await sessions[0]!.control.touch();
    expect(await dueAt(), 'pushed back by the next heartbeat').to.be.above(first);

    statuses.set(RUN, 'Completed');
    sessions[0]!.finish();
    await waitFor('the job to be removed', async () => ((await runJobs()).length === 0 ? true : undefined), { timeoutMs: 2_000 });
  });

  it('leaves a failed direct session to a job that retries it, and a direct session with work left at shutdown to another process', async () => {
    failingSessions = 1;
    const a = processNamed('A', { slotsPerRun: 1 });
    await a.start();
    await storedHere(a, stored(RUN, 1));
    await waitFor('the retry, by Agenda', async () => (live().length === 1 ? true : undefined), { timeoutMs: 5_000 });
    expect(failures).to.have.length(1);

    statuses.set('run-2', 'InProgress');
    await storedHere(a, stored('run-2', 1));
    await waitFor('a direct session on run-2', async () => (live().some((session) => session.runId === 'run-2') ? true : undefined));
    await a.stop();
    const { jobs } = await inspector.repository.queryJobs({ name: RUN_JOB_NAME });
    const waiting = jobs.filter((job) => job.lockedAt === undefined && job.nextRunAt !== null).map((job) => (job.data as RunJobData).runId);
    expect(waiting.sort()).to.deep.equal([RUN, 'run-2']);
  });
});
