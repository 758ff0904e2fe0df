/** saveJob (insert, update, `single`, `unique`, debounce) and getJobById. */
import { expect } from 'chai';
import type { ConformanceFixture } from './fixture.js';
import { jobParams, secondsFromNow } from './utils.js';

export function describeSaveJob(fixture: ConformanceFixture): void {
  describe('saveJob', () => {
    it('inserts a job with a new id and every persisted field intact', async () => {
      const fields = jobParams('insert-all', {
        priority: 10,
        nextRunAt: new Date('2031-01-02T03:04:05.678Z'),
        data: { user: 'ann', nested: { n: 1, list: [1, 'two', null] }, flag: true },
        repeatInterval: '5 minutes',
        repeatTimezone: 'Europe/Paris',
        repeatAt: '3:30pm',
        startDate: new Date('2030-01-01T00:00:00.000Z'),
        endDate: new Date('2032-01-01T00:00:00.000Z'),
        skipDays: [0, 6],
        fork: true,
        disabled: false,
      });
      const saved = await fixture.repo.saveJob(fields, { lastModifiedBy: 'writer' });
      expect(saved._id).to.be.a('string').that.is.not.empty;
      const stored = await fixture.repo.getJobById(String(saved._id));
      expect(stored).to.include({ name: 'insert-all', priority: 10, type: 'normal', repeatInterval: '5 minutes' });
      expect(stored).to.include({ repeatTimezone: 'Europe/Paris', repeatAt: '3:30pm', fork: true, lastModifiedBy: 'writer' });
      expect(stored?.disabled ?? false).to.equal(false);
      expect(stored?.nextRunAt).to.deep.equal(fields.nextRunAt);
      expect(stored?.startDate).to.deep.equal(fields.startDate);
      expect(stored?.endDate).to.deep.equal(fields.endDate);
      expect(stored?.skipDays).to.deep.equal([0, 6]);
      expect(stored?.data).to.deep.equal(fields.data);
    });

    it('keeps a numeric repeatInterval a number', async () => {
      const saved = await fixture.repo.saveJob(jobParams('numeric-interval', { repeatInterval: 60000 }), undefined);
      expect((await fixture.repo.getJobById(String(saved._id)))?.repeatInterval).to.equal(60000);
    });

    it('updates a job by id without adding a row', async () => {
      const saved = await fixture.repo.saveJob(jobParams('update', { data: { v: 1 } }), undefined);
      const later = secondsFromNow(60);
      const updated = await fixture.repo.saveJob({ ...saved, data: { v: 2 }, priority: 5, nextRunAt: later }, undefined);
      expect(updated._id).to.equal(saved._id);
      expect(updated.data).to.deep.equal({ v: 2 });
      expect(updated.nextRunAt).to.deep.equal(later);
      expect((await fixture.repo.queryJobs({ name: 'update' })).total).to.equal(1);
      expect((await fixture.repo.getJobById(String(saved._id)))?.priority).to.equal(5);
    });

    it('hands back the job unchanged when it was removed before the update', async () => {
      const saved = await fixture.repo.saveJob(jobParams('gone'), undefined);
      await fixture.repo.removeJobs({ id: saved._id });
      const again = await fixture.repo.saveJob({ ...saved, data: { late: true } }, undefined);
      expect(again.data).to.deep.equal({ late: true });
      expect(await fixture.repo.getJobById(String(saved._id))).to.equal(null);
    });

    it('inserts a new row for each normal job, even with the same name', async () => {
      await fixture.repo.saveJob(jobParams('twice'), undefined);
      await fixture.repo.saveJob(jobParams('twice'), undefined);
      expect((await fixture.repo.queryJobs({ name: 'twice' })).total).to.equal(2);
    });

    describe("type 'single'", () => {
      it('upserts by name: one row, the last data wins', async () => {
        const first = await fixture.repo.saveJob(jobParams('single', { type: 'single', data: { v: 1 } }), undefined);
        const second = await fixture.repo.saveJob(jobParams('single', { type: 'single', data: { v: 2 } }), undefined);
        expect(second._id).to.equal(first._id);
        const { jobs, total } = await fixture.repo.queryJobs({ name: 'single' });
        expect(total).to.equal(1);
        expect(jobs[0]?.data).to.deep.equal({ v: 2 });
      });

      it('keeps the stored nextRunAt when the new one is already due', async () => {
        const future = secondsFromNow(3600);
        await fixture.repo.saveJob(jobParams('single-protect', { type: 'single', nextRunAt: future }), undefined);
        const resaved = await fixture.repo.saveJob(jobParams('single-protect', { type: 'single', nextRunAt: new Date() }), undefined);
        expect(resaved.nextRunAt).to.deep.equal(future);
      });

      it('takes a new nextRunAt that is in the future', async () => {
        await fixture.repo.saveJob(jobParams('single-move', { type: 'single', nextRunAt: secondsFromNow(3600) }), undefined);
        const moved = secondsFromNow(7200);
        const resaved = await fixture.repo.saveJob(jobParams('single-move', { type: 'single', nextRunAt: moved }), undefined);
        expect(resaved.nextRunAt).to.deep.equal(moved);
      });

      it('keeps one row per name, not one overall', async () => {
        await fixture.repo.saveJob(jobParams('single-a', { type: 'single' }), undefined);
        await fixture.repo.saveJob(jobParams('single-b', { type: 'single' }), undefined);
        expect((await fixture.repo.getDistinctJobNames()).sort()).to.deep.equal(['single-a', 'single-b']);
      });
    });

    describe('unique', () => {
      it('updates the job matching the unique query instead of inserting', async () => {
        const unique = { 'data.key': 'k1' };
        const first = await fixture.repo.saveJob(jobParams('unique', { data: { key: 'k1', v: 1 }, unique }), undefined);
        const second = await fixture.repo.saveJob(jobParams('unique', { data: { key: 'k1', v: 2 }, unique }), undefined);
        expect(second._id).to.equal(first._id);
        const { jobs, total } = await fixture.repo.queryJobs({ name: 'unique' });
        expect(total).to.equal(1);
        expect(jobs[0]?.data).to.deep.equal({ key: 'k1', v: 2 });
      });

      it('inserts when no job matches the unique query', async () => {
        await fixture.repo.saveJob(jobParams('unique-2', { data: { key: 'k1' }, unique: { 'data.key': 'k1' } }), undefined);
        await fixture.repo.saveJob(jobParams('unique-2', { data: { key: 'k2' }, unique: { 'data.key': 'k2' } }), undefined);
        expect((await fixture.repo.queryJobs({ name: 'unique-2' })).total).to.equal(2);
      });

      it('scopes the unique query to the job name', async () => {
        const unique = { 'data.key': 'same' };
        await fixture.repo.saveJob(jobParams('unique-x', { data: { key: 'same' }, unique }), undefined);
        await fixture.repo.saveJob(jobParams('unique-y', { data: { key: 'same' }, unique }), undefined);
        expect((await fixture.repo.queryJobs({ names: ['unique-x', 'unique-y'] })).total).to.equal(2);
      });

      it('matches nested paths and respects JSON types', async () => {
        const unique = { 'data.a.b': 1 };
        const first = await fixture.repo.saveJob(jobParams('unique-nested', { data: { a: { b: 1 } }, unique }), undefined);
        const same = await fixture.repo.saveJob(jobParams('unique-nested', { data: { a: { b: 1 }, v: 2 }, unique }), undefined);
        const text = await fixture.repo.saveJob(
          jobParams('unique-nested', { data: { a: { b: '1' } }, unique: { 'data.a.b': '1' } }),
          undefined,
        );
        expect(same._id).to.equal(first._id);
        expect(text._id).to.not.equal(first._id);
      });

      it('with insertOnly returns the existing job unchanged', async () => {
        const unique = { 'data.key': 'once' };
        const uniqueOpts = { insertOnly: true };
        const first = await fixture.repo.saveJob(jobParams('insert-only', { data: { key: 'once', v: 1 }, unique, uniqueOpts }), undefined);
        const second = await fixture.repo.saveJob(jobParams('insert-only', { data: { key: 'once', v: 2 }, unique, uniqueOpts }), undefined);
        expect(second._id).to.equal(first._id);
        expect(second.data).to.deep.equal({ key: 'once', v: 1 });
        expect((await fixture.repo.getJobById(String(first._id)))?.data).to.deep.equal({ key: 'once', v: 1 });
      });

      it('with a trailing debounce keeps one job and pushes its nextRunAt past the delay', async () => {
        const unique = { 'data.key': 'deb' };
        const uniqueOpts = { debounce: { delay: 60_000 } };
        const before = Date.now();
        const first = await fixture.repo.saveJob(jobParams('debounce', { data: { key: 'deb' }, unique, uniqueOpts }), undefined);
        const second = await fixture.repo.saveJob(jobParams('debounce', { data: { key: 'deb', v: 2 }, unique, uniqueOpts }), undefined);
        expect(second._id).to.equal(first._id);
        expect(second.nextRunAt?.getTime()).to.be.at.least(before + 60_000);
        expect(second.debounceStartedAt).to.be.instanceOf(Date);
        expect((await fixture.repo.queryJobs({ name: 'debounce' })).total).to.equal(1);
      });
    });
  });

  describe('getJobById', () => {
    it('returns the job, or null once it is gone', async () => {
      const saved = await fixture.repo.saveJob(jobParams('by-id', { data: { n: 1 } }), undefined);
      expect((await fixture.repo.getJobById(String(saved._id)))?.data).to.deep.equal({ n: 1 });
      await fixture.repo.removeJobs({ id: saved._id });
      expect(await fixture.repo.getJobById(String(saved._id))).to.equal(null);
    });
  });
}
