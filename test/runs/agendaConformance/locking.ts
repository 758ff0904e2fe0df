/** getNextJobToRun, lockJob, unlockJob(s) and saveJobState: what keeps two workers off the same job. */
import { expect } from 'chai';
import type { JobParameters } from 'agenda';
import type { ConformanceFixture } from './fixture.js';
import { jobParams } from './utils.js';

const MINUTE = 60_000;

export function describeLocking(fixture: ConformanceFixture): void {
  const save = (job: JobParameters) => fixture.repo.saveJob(job, undefined);
  /** Next job of `name` as JobProcessor asks for it: scan up to `now`, locks older than 10 minutes expired. */
  const next = (name: string, at = new Date(), lockDeadline = new Date(at.getTime() - 10 * MINUTE)) =>
    fixture.repo.getNextJobToRun(name, at, lockDeadline, at, { lastModifiedBy: 'worker-1' });

  describe('getNextJobToRun', () => {
    it('returns nothing when no job is due', async () => {
      await save(jobParams('idle', { nextRunAt: new Date(Date.now() + MINUTE) }));
      expect(await next('idle')).to.equal(undefined);
      expect(await next('unknown')).to.equal(undefined);
    });

    it('locks the job it returns, so the next call does not return it again', async () => {
      const saved = await save(jobParams('lock-once'));
      const at = new Date();
      const locked = await next('lock-once', at);
      expect(String(locked?._id)).to.equal(String(saved._id));
      expect(locked?.lockedAt).to.deep.equal(at);
      expect(locked?.lastModifiedBy).to.equal('worker-1');
      expect((await fixture.repo.getJobById(String(saved._id)))?.lockedAt).to.deep.equal(at);
      expect(await next('lock-once')).to.equal(undefined);
    });

    it('hands out earlier nextRunAt first, then higher priority', async () => {
      const t = Date.now() - MINUTE;
      await save(jobParams('order', { nextRunAt: new Date(t + 2), priority: 100, data: 'late-high' }));
      await save(jobParams('order', { nextRunAt: new Date(t), priority: -10, data: 'early-low' }));
      await save(jobParams('order', { nextRunAt: new Date(t + 1), priority: 0, data: 'mid-normal' }));
      await save(jobParams('order', { nextRunAt: new Date(t + 1), priority: 10, data: 'mid-high' }));
      const order = [];
      for (let i = 0; i < 4; i += 1) order.push((await next('order'))?.data);
      expect(order).to.deep.equal(['early-low', 'mid-high', 'mid-normal', 'late-high']);
    });

    it('includes jobs due before the next scan, not after it', async () => {
      const at = new Date();
      await save(jobParams('soon', { nextRunAt: new Date(at.getTime() + 5000) }));
      const lockDeadline = new Date(at.getTime() - 10 * MINUTE);
      expect(await fixture.repo.getNextJobToRun('soon', at, lockDeadline, at, undefined)).to.equal(undefined);
      const scanAt = new Date(at.getTime() + 6000);
      expect(await fixture.repo.getNextJobToRun('soon', scanAt, lockDeadline, at, undefined)).to.not.equal(undefined);
    });

    it('skips disabled jobs', async () => {
      await save(jobParams('disabled-job', { disabled: true }));
      expect(await next('disabled-job')).to.equal(undefined);
      await fixture.repo.enableJobs({ name: 'disabled-job' });
      expect(await next('disabled-job')).to.not.equal(undefined);
    });

    it('hands out a job again once its lock is older than the lock deadline', async () => {
      const first = new Date(Date.now() - 5 * MINUTE);
      const saved = await save(jobParams('expiring', { nextRunAt: new Date(first.getTime() - 1000) }));
      await next('expiring', first);
      const now = new Date();
      expect(await next('expiring', now, new Date(first.getTime() - 1)), 'lock still fresh').to.equal(undefined);
      const relocked = await next('expiring', now, new Date(first.getTime()));
      expect(String(relocked?._id)).to.equal(String(saved._id));
      expect(relocked?.lockedAt).to.deep.equal(now);
    });

    it('recovers an expired lock even when the job has no nextRunAt', async () => {
      const stale = new Date(Date.now() - 20 * MINUTE);
      await save(jobParams('expired-running', { nextRunAt: null, lockedAt: stale, lastRunAt: stale }));
      expect(await next('expired-running')).to.not.equal(undefined);
    });
  });

  describe('lockJob', () => {
    it('locks an unlocked job and refuses a locked one', async () => {
      const saved = await save(jobParams('lock-job'));
      const locked = await fixture.repo.lockJob(saved, { lastModifiedBy: 'worker-2' });
      expect(locked?.lockedAt).to.be.instanceOf(Date);
      expect(locked?.lastModifiedBy).to.equal('worker-2');
      expect(await fixture.repo.lockJob(saved, undefined)).to.equal(undefined);
    });

    it('refuses a job whose nextRunAt changed, a disabled job and a job without id', async () => {
      const saved = await save(jobParams('lock-stale'));
      expect(await fixture.repo.lockJob({ ...saved, nextRunAt: new Date(0) }, undefined)).to.equal(undefined);
      const disabled = await save(jobParams('lock-disabled', { disabled: true }));
      expect(await fixture.repo.lockJob(disabled, undefined)).to.equal(undefined);
      expect(await fixture.repo.lockJob(jobParams('no-id'), undefined)).to.equal(undefined);
    });
  });

  describe('unlockJob / unlockJobs', () => {
    it('unlockJob releases a job that has a nextRunAt, but not a running one-off', async () => {
      const locked = new Date();
      const scheduled = await save(jobParams('unlock', { lockedAt: locked }));
      const oneOff = await save(jobParams('unlock', { lockedAt: locked, nextRunAt: null }));
      await fixture.repo.unlockJob(scheduled);
      await fixture.repo.unlockJob(oneOff);
      expect((await fixture.repo.getJobById(String(scheduled._id)))?.lockedAt).to.equal(undefined);
      expect((await fixture.repo.getJobById(String(oneOff._id)))?.lockedAt).to.deep.equal(locked);
    });

    it('unlockJobs releases every listed job, one-offs included', async () => {
      const locked = new Date();
      const a = await save(jobParams('unlock-many', { lockedAt: locked }));
      const b = await save(jobParams('unlock-many', { lockedAt: locked, nextRunAt: null }));
      const c = await save(jobParams('unlock-many', { lockedAt: locked }));
      await fixture.repo.unlockJobs([]);
      await fixture.repo.unlockJobs([String(a._id), String(b._id)]);
      expect((await fixture.repo.getJobById(String(a._id)))?.lockedAt).to.equal(undefined);
      expect((await fixture.repo.getJobById(String(b._id)))?.lockedAt).to.equal(undefined);
      expect((await fixture.repo.getJobById(String(c._id)))?.lockedAt).to.deep.equal(locked);
    });
  });

  describe('saveJobState', () => {
    it('writes the run fields and leaves data alone', async () => {
      const saved = await save(jobParams('state', { data: { keep: true } }));
      const finished = new Date();
      await fixture.repo.saveJobState(
        { ...saved, data: { ignored: true }, lockedAt: undefined, lastRunAt: finished, lastFinishedAt: finished, progress: 50, failCount: 2, failReason: 'x', failedAt: finished, nextRunAt: null },
        { lastModifiedBy: 'worker-3' },
      );
      const stored = await fixture.repo.getJobById(String(saved._id));
      expect(stored).to.include({ progress: 50, failCount: 2, failReason: 'x', lastModifiedBy: 'worker-3', nextRunAt: null });
      expect(stored?.lastFinishedAt).to.deep.equal(finished);
      expect(stored?.data).to.deep.equal({ keep: true });
    });

    it('fails for a job that no longer exists', async () => {
      const saved = await save(jobParams('state-gone'));
      await fixture.repo.removeJobs({ id: saved._id });
      let error: unknown;
      await fixture.repo.saveJobState(saved, undefined).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(Error);
    });
  });
}
