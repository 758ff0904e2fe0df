/**
 * End to end through a real Agenda: what the backend must get right for jobs to run once, repeat, retry,
 * respect limits and shut down cleanly. Waits on Agenda's events, never on the clock.
 */
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { InMemoryNotificationChannel, constant } from 'agenda';
import type { Job } from 'agenda';
import type { ConformanceFixture } from './fixture.js';
import { gate, waitForEvents } from './utils.js';

export function describeAgendaRuns(fixture: ConformanceFixture): void {
  describe('with Agenda', () => {
    afterEach(function () {
      // Checked here so every end-to-end test also asserts Agenda reported no backend errors.
      if (this.currentTest?.state === 'passed') expect(fixture.agendaErrors).to.deep.equal([]);
    });

    it('runs a job started with now() and records its completion', async () => {
      const agenda = fixture.createAgenda();
      const seen: unknown[] = [];
      agenda.define('e2e-now', async (job: Job<{ n: number }>) => {
        seen.push(job.attrs.data);
      });
      const done = waitForEvents(agenda, 'complete:e2e-now');
      await agenda.start();
      const job = await agenda.now('e2e-now', { n: 1 });
      await done;
      expect(seen).to.deep.equal([{ n: 1 }]);
      const stored = await fixture.repo.getJobById(String(job.attrs._id));
      expect(stored?.lastFinishedAt).to.be.instanceOf(Date);
      expect(stored?.lockedAt).to.equal(undefined);
      expect(stored?.nextRunAt).to.equal(null);
      expect((await fixture.repo.queryJobs({ id: String(job.attrs._id) })).jobs[0]?.state).to.equal('completed');
    });

    it('repeats a job set up with every(), keeping one row for it', async () => {
      const agenda = fixture.createAgenda();
      agenda.define('e2e-every', async () => undefined);
      const twice = waitForEvents(agenda, 'complete:e2e-every', { count: 2 });
      await agenda.start();
      await agenda.every(100, 'e2e-every');
      await twice;
      const { jobs, total } = await fixture.repo.queryJobs({ name: 'e2e-every' });
      expect(total).to.equal(1);
      expect(jobs[0]).to.include({ type: 'single', repeatInterval: 100 });
    });

    it('runs a scheduled job no earlier than its time', async () => {
      const agenda = fixture.createAgenda();
      let startedAt = 0;
      agenda.define('e2e-schedule', async () => {
        startedAt = Date.now();
      });
      const done = waitForEvents(agenda, 'complete:e2e-schedule');
      await agenda.start();
      const when = new Date(Date.now() + 300);
      await agenda.schedule(when, 'e2e-schedule');
      await done;
      expect(startedAt).to.be.at.least(when.getTime());
    });

    it('retries a failing job with its backoff until it succeeds', async () => {
      const agenda = fixture.createAgenda();
      let attempts = 0;
      const fail = async () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`attempt ${attempts}`);
      };
      agenda.define('e2e-retry', fail, { backoff: constant({ delay: 20, maxRetries: 5 }) });
      const retries = waitForEvents(agenda, 'retry:e2e-retry', { count: 2 });
      const succeeded = waitForEvents(agenda, 'complete:e2e-retry', { count: 3 });
      await agenda.start();
      const job = await agenda.now('e2e-retry');
      await Promise.all([retries, succeeded]);
      expect(attempts).to.equal(3);
      const stored = await fixture.repo.getJobById(String(job.attrs._id));
      expect(stored?.failCount ?? 0).to.equal(0);
      expect(stored?.lastFinishedAt).to.be.instanceOf(Date);
    });

    it('stops retrying when the backoff is exhausted, leaving the job failed', async () => {
      const agenda = fixture.createAgenda();
      agenda.define('e2e-exhausted', async () => {
        throw new Error('always');
      }, { backoff: constant({ delay: 10, maxRetries: 1 }) });
      const exhausted = waitForEvents(agenda, 'retry exhausted:e2e-exhausted');
      const completed = waitForEvents(agenda, 'complete:e2e-exhausted', { count: 2 });
      await agenda.start();
      const job = await agenda.now('e2e-exhausted');
      await Promise.all([exhausted, completed]);
      const stored = await fixture.repo.getJobById(String(job.attrs._id));
      expect(stored).to.include({ failCount: 2, failReason: 'always' });
      expect((await fixture.repo.queryJobs({ id: String(job.attrs._id) })).jobs[0]?.state).to.equal('failed');
    });

    it('drain() waits for the running job to finish', async () => {
      const agenda = fixture.createAgenda();
      const hold = gate();
      agenda.define('e2e-drain', async () => hold.promise);
      const started = waitForEvents(agenda, 'start:e2e-drain');
      await agenda.start();
      const job = await agenda.now('e2e-drain');
      await started;
      let drained = false;
      const draining = agenda.drain({ closeConnection: false }).then((result) => {
        drained = true;
        return result;
      });
      await nextTurn();
      expect(drained, 'drain resolved while the job was running').to.equal(false);
      hold.open();
      expect(await draining).to.include({ completed: 1, running: 0, timedOut: false, aborted: false });
      expect((await fixture.repo.getJobById(String(job.attrs._id)))?.lastFinishedAt).to.be.instanceOf(Date);
    });

    it('drain() gives up at its timeout and reports the job still running', async () => {
      const agenda = fixture.createAgenda();
      const hold = gate();
      agenda.define('e2e-drain-timeout', async () => hold.promise);
      const started = waitForEvents(agenda, 'start:e2e-drain-timeout');
      const completed = waitForEvents(agenda, 'complete:e2e-drain-timeout');
      await agenda.start();
      await agenda.now('e2e-drain-timeout');
      await started;
      expect(await agenda.drain({ timeout: 50, closeConnection: false })).to.include({ running: 1, timedOut: true });
      hold.open();
      await completed;
    });

    it('runs no more jobs of a name at once than its concurrency', async () => {
      const agenda = fixture.createAgenda();
      let running = 0;
      let maxRunning = 0;
      agenda.define('e2e-concurrency', async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await delay(30); // the job's own work, long enough for runs to overlap
        running -= 1;
      }, { concurrency: 2 });
      for (let i = 0; i < 6; i += 1) await agenda.create('e2e-concurrency', { i }).save();
      const done = waitForEvents(agenda, 'complete:e2e-concurrency', { count: 6 });
      await agenda.start();
      await done;
      expect(maxRunning).to.equal(2);
    });

    it('never holds more locks on a name than its lockLimit', async () => {
      const agenda = fixture.createAgenda();
      let maxLocked = 0;
      agenda.define('e2e-lock-limit', async () => {
        const { total } = await fixture.repo.queryJobs({ name: 'e2e-lock-limit', state: 'running' });
        maxLocked = Math.max(maxLocked, total);
      }, { lockLimit: 1 });
      for (let i = 0; i < 3; i += 1) await agenda.create('e2e-lock-limit', { i }).save();
      const done = waitForEvents(agenda, 'complete:e2e-lock-limit', { count: 3 });
      await agenda.start();
      await done;
      expect(maxLocked).to.equal(1);
    });

    it("with the backend's notification channel, starts a job long before the next poll", async () => {
      const channel = new InMemoryNotificationChannel();
      const backend = await fixture.createBackend({ notificationChannel: channel });
      expect(backend.notificationChannel).to.equal(channel);
      // A poll a minute away: within this test's timeout only the channel can start the job.
      const agenda = fixture.createAgenda({ backend, processEvery: 60_000 });
      agenda.define('e2e-notified', async () => undefined);
      const done = waitForEvents(agenda, 'complete:e2e-notified');
      await agenda.start();
      await agenda.now('e2e-notified');
      await done;
    });
  });
}
