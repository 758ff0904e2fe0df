/** Reads and bulk writes: queryJobs, getJobsOverview, getDistinctJobNames, getQueueSize, removeJobs, disable/enable, purge. */
import { expect } from 'chai';
import type { JobRepository, JobState } from 'agenda';
import type { ConformanceFixture } from './fixture.js';
import { jobParams } from './utils.js';

/** One job per computed state, plus a disabled one whose name holds LIKE/regex metacharacters. */
async function seed(repo: JobRepository) {
  const now = Date.now();
  const past = new Date(now - 60_000);
  const future = new Date(now + 3_600_000);
  const save = async (...args: Parameters<typeof jobParams>) => String((await repo.saveJob(jobParams(...args), undefined))._id);
  return {
    queued: await save('alpha', { nextRunAt: past, priority: 1, data: { group: 'g1', n: 1 } }),
    scheduled: await save('alpha', { nextRunAt: future, priority: 5, data: { group: 'g1', n: 2 } }),
    completed: await save('beta', { nextRunAt: null, lastRunAt: past, lastFinishedAt: past, data: { group: 'g2' } }),
    failed: await save('beta', { nextRunAt: null, lastRunAt: past, failedAt: past, failCount: 1, failReason: 'boom', data: { group: 'g2' } }),
    running: await save('gamma', { nextRunAt: past, lastRunAt: past, lockedAt: new Date(now - 1000) }),
    repeating: await save('delta', { nextRunAt: future, repeatInterval: '1 hour', type: 'single' }),
    paused: await save('Epsilon_%.', { nextRunAt: future, disabled: true }),
  };
}

const ids = (jobs: { _id: unknown }[]): string[] => jobs.map((j) => String(j._id)).sort();

export function describeQueries(fixture: ConformanceFixture): void {
  describe('queryJobs', () => {
    let seeded: Awaited<ReturnType<typeof seed>>;
    beforeEach(async () => {
      seeded = await seed(fixture.repo);
    });

    it('returns every job with its computed state when unfiltered', async () => {
      const { jobs, total } = await fixture.repo.queryJobs();
      expect(total).to.equal(7);
      const stateOf = (id: string) => jobs.find((j) => String(j._id) === id)?.state;
      expect(stateOf(seeded.queued)).to.equal('queued');
      expect(stateOf(seeded.running)).to.equal('running');
      expect(stateOf(seeded.repeating)).to.equal('repeating');
    });

    it('filters by name and by names', async () => {
      expect((await fixture.repo.queryJobs({ name: 'alpha' })).total).to.equal(2);
      expect((await fixture.repo.queryJobs({ names: ['beta', 'gamma'] })).total).to.equal(3);
    });

    it('filters by computed state, paused meaning disabled', async () => {
      const expected: Record<JobState, string[]> = {
        queued: [seeded.queued],
        scheduled: [seeded.scheduled, seeded.paused],
        completed: [seeded.completed],
        failed: [seeded.failed],
        running: [seeded.running],
        repeating: [seeded.repeating],
        paused: [seeded.paused],
      };
      for (const [state, wanted] of Object.entries(expected)) {
        const { jobs, total } = await fixture.repo.queryJobs({ state: state as JobState });
        expect(ids(jobs), state).to.deep.equal([...wanted].sort());
        expect(total, state).to.equal(wanted.length);
      }
    });

    it('searches names case-insensitively and literally', async () => {
      expect((await fixture.repo.queryJobs({ search: 'ALP' })).total).to.equal(2);
      expect(ids((await fixture.repo.queryJobs({ search: '%' })).jobs)).to.deep.equal([seeded.paused]);
      expect(ids((await fixture.repo.queryJobs({ search: 'n_%.' })).jobs)).to.deep.equal([seeded.paused]);
      expect((await fixture.repo.queryJobs({ search: 'a.p' })).total).to.equal(0);
    });

    it('filters by id and ids', async () => {
      expect(ids((await fixture.repo.queryJobs({ id: seeded.failed })).jobs)).to.deep.equal([seeded.failed]);
      const both = [seeded.queued, seeded.failed];
      expect(ids((await fixture.repo.queryJobs({ ids: both })).jobs)).to.deep.equal([...both].sort());
    });

    it('filters by partial data', async () => {
      expect((await fixture.repo.queryJobs({ data: { group: 'g2' } })).total).to.equal(2);
      expect(ids((await fixture.repo.queryJobs({ data: { group: 'g1', n: 2 } })).jobs)).to.deep.equal([seeded.scheduled]);
    });

    it('can leave out disabled jobs', async () => {
      const { jobs, total } = await fixture.repo.queryJobs({ includeDisabled: false });
      expect(total).to.equal(6);
      expect(ids(jobs)).to.not.include(seeded.paused);
    });

    it('sorts and pages, reporting the total before paging', async () => {
      const all = (await fixture.repo.queryJobs({ sort: { name: 'asc' } })).jobs.map((j) => j.name);
      expect(all).to.deep.equal([...all].sort());
      const page = await fixture.repo.queryJobs({ sort: { name: 'asc' }, skip: 2, limit: 3 });
      expect(page.total).to.equal(7);
      expect(page.jobs.map((j) => j.name)).to.deep.equal(all.slice(2, 5));
      const rest = await fixture.repo.queryJobs({ sort: { name: 'asc' }, skip: 5 });
      expect(rest.jobs.map((j) => j.name)).to.deep.equal(all.slice(5));
      expect((await fixture.repo.queryJobs({ sort: { priority: 'desc' } })).jobs[0]?.priority).to.equal(5);
    });

    it('pages after a state filter', async () => {
      const page = await fixture.repo.queryJobs({ state: 'scheduled', limit: 1 });
      expect(page.total).to.equal(2);
      expect(page.jobs).to.have.length(1);
    });
  });

  describe('getJobsOverview / getDistinctJobNames / getQueueSize', () => {
    beforeEach(async () => {
      await seed(fixture.repo);
    });

    it('counts jobs per name and state, disabled ones as paused too', async () => {
      const overview = await fixture.repo.getJobsOverview();
      const of = (name: string) => overview.find((o) => o.name === name);
      expect(overview).to.have.length(5);
      expect(of('alpha')).to.include({ total: 2, queued: 1, scheduled: 1, running: 0 });
      expect(of('beta')).to.include({ total: 2, completed: 1, failed: 1 });
      expect(of('gamma')).to.include({ total: 1, running: 1 });
      expect(of('delta')).to.include({ total: 1, repeating: 1 });
      expect(of('Epsilon_%.')).to.include({ total: 1, scheduled: 1, paused: 1 });
    });

    it('lists each job name once', async () => {
      expect((await fixture.repo.getDistinctJobNames()).sort()).to.deep.equal(['Epsilon_%.', 'alpha', 'beta', 'delta', 'gamma']);
    });

    it('counts jobs whose nextRunAt has passed', async () => {
      expect(await fixture.repo.getQueueSize()).to.equal(2);
    });
  });

  describe('removeJobs / disableJobs / enableJobs / purgeAllJobs', () => {
    let seeded: Awaited<ReturnType<typeof seed>>;
    beforeEach(async () => {
      seeded = await seed(fixture.repo);
    });
    const remaining = async () => (await fixture.repo.queryJobs()).total;

    it('removes nothing without criteria', async () => {
      expect(await fixture.repo.removeJobs({})).to.equal(0);
      expect(await remaining()).to.equal(7);
    });

    it('removes by id, ids, name, names, notNames and data', async () => {
      expect(await fixture.repo.removeJobs({ id: seeded.queued })).to.equal(1);
      expect(await fixture.repo.removeJobs({ ids: [seeded.completed, seeded.failed] })).to.equal(2);
      expect(await fixture.repo.removeJobs({ notNames: ['alpha', 'gamma'] })).to.equal(2);
      expect(await fixture.repo.removeJobs({ name: 'alpha', data: { n: 1 } })).to.equal(0);
      expect(await fixture.repo.removeJobs({ data: { group: 'g1' } })).to.equal(1);
      expect(await fixture.repo.removeJobs({ names: ['gamma'] })).to.equal(1);
      expect(await remaining()).to.equal(0);
    });

    it('disables and enables matching jobs, counting only those that change', async () => {
      expect(await fixture.repo.disableJobs({})).to.equal(0);
      expect(await fixture.repo.disableJobs({ name: 'alpha' })).to.equal(2);
      expect(await fixture.repo.disableJobs({ name: 'alpha' })).to.equal(0);
      expect((await fixture.repo.queryJobs({ state: 'paused' })).total).to.equal(3);
      expect(await fixture.repo.enableJobs({ names: ['alpha', 'Epsilon_%.'] })).to.equal(3);
      expect((await fixture.repo.queryJobs({ state: 'paused' })).total).to.equal(0);
      expect(await fixture.repo.enableJobs({})).to.equal(0);
    });

    it('purges every job', async () => {
      expect(await fixture.repo.purgeAllJobs()).to.equal(7);
      expect(await remaining()).to.equal(0);
    });
  });
}
