/**
 * The behaviour every schedule store engine must share (store.schedules), as one mocha suite per engine: the facts
 * come back as stored, everything is scoped by tenant, a schedule binds to one Agenda job only, and a firing's
 * outcome (run or failure) replaces the last one.
 */
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import type { NewSchedule } from '../../src/store/scheduleTypes.js';
import type { Store } from '../../src/store/types.js';
import type { StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const PAGE = { pageNum: 0, pageSize: 40 };
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

function newSchedule(overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    definitionCsid: 'def-1',
    definitionName: 'Nightly report',
    every: '30 9 * * *',
    timezone: 'Europe/Paris',
    context: { mode: 'list', docType: 'CollectionObject', listCSIDs: ['a', 'b'], params: [{ key: 'k', value: 'v' }] },
    createdBy: 'alice',
    ...overrides,
  };
}

export function describeScheduleStoreConformance(options: StoreConformanceOptions): void {
  describe(`${options.name} schedule store conformance`, () => {
    let store: Store;
    let testName = '';

    beforeEach(async function () {
      testName = `schedules ${this.currentTest?.fullTitle() ?? ''}`;
      store = await options.create(testName, { now: () => at(0) });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    it('stores a schedule with its facts and no job, outcome or optional field it was not given', async () => {
      const repeating = await store.schedules.create(A, newSchedule(), at(5));
      expect(repeating.id).to.match(/^[0-9a-f-]{36}$/);
      expect(repeating).to.deep.equal({ id: repeating.id, tenant: A, ...newSchedule(), createdAt: at(5) });
      expect(await store.schedules.get(A, repeating.id)).to.deep.equal(repeating);

      const once = await store.schedules.create(A, newSchedule({ every: undefined, timezone: undefined, at: at(60_000), context: { listCSIDs: [], params: [] } }), at(6));
      const read = await store.schedules.get(A, once.id);
      expect(read).to.deep.equal(once);
      expect(read).to.not.have.any.keys('every', 'timezone', 'jobId', 'lastRunId', 'failReason', 'failedAt');
      expect(read?.at).to.deep.equal(at(60_000));
    });

    it("answers another tenant's schedule as missing, for every operation", async () => {
      const { id } = await store.schedules.create(A, newSchedule(), at(0));
      expect(await store.schedules.get(B, id)).to.equal(undefined);
      expect(await store.schedules.bindJob(B, id, 'job-1')).to.equal(false);
      expect(await store.schedules.recordRun(B, id, 'run-1')).to.equal(false);
      expect(await store.schedules.recordFailure(B, id, 'no', at(1))).to.equal(false);
      expect(await store.schedules.delete(B, id)).to.equal(false);
      expect((await store.schedules.list(B, { paging: PAGE })).totalItems).to.equal(0);
      expect(await store.schedules.get(A, id)).to.not.have.any.keys('jobId', 'lastRunId', 'failReason');
    });

    it('lists a tenant\'s schedules newest first, paged, optionally for one definition', async () => {
      const first = await store.schedules.create(A, newSchedule(), at(1));
      const second = await store.schedules.create(A, newSchedule({ definitionCsid: 'def-2' }), at(2));
      const third = await store.schedules.create(A, newSchedule(), at(3));
      await store.schedules.create(B, newSchedule(), at(4));
      const all = await store.schedules.list(A, { paging: PAGE });
      expect(all.totalItems).to.equal(3);
      expect(all.items.map((schedule) => schedule.id)).to.deep.equal([third.id, second.id, first.id]);
      const page = await store.schedules.list(A, { paging: { pageNum: 1, pageSize: 2 } });
      expect(page).to.include({ pageNum: 1, pageSize: 2, totalItems: 3 });
      expect(page.items.map((schedule) => schedule.id)).to.deep.equal([first.id]);
      const ofDef1 = await store.schedules.list(A, { definitionCsid: 'def-1', paging: PAGE });
      expect(ofDef1.items.map((schedule) => schedule.id)).to.deep.equal([third.id, first.id]);
    });

    it('binds a schedule to the first job only', async () => {
      const { id } = await store.schedules.create(A, newSchedule(), at(0));
      expect(await store.schedules.bindJob(A, id, 'job-1')).to.equal(true);
      expect(await store.schedules.bindJob(A, id, 'job-1'), 'the same job again').to.equal(true);
      expect(await store.schedules.bindJob(A, id, 'job-2'), 'another job').to.equal(false);
      expect((await store.schedules.get(A, id))?.jobId).to.equal('job-1');
      expect(await store.schedules.bindJob(A, UNKNOWN, 'job-1')).to.equal(false);
    });

    it('keeps the last run, and the last failure until a later run clears it', async () => {
      const { id } = await store.schedules.create(A, newSchedule(), at(0));
      expect(await store.schedules.recordFailure(A, id, 'definition deleted', at(10))).to.equal(true);
      expect(await store.schedules.get(A, id)).to.include({ failReason: 'definition deleted' });
      expect((await store.schedules.get(A, id))?.failedAt).to.deep.equal(at(10));
      expect(await store.schedules.recordRun(A, id, 'run-1')).to.equal(true);
      const ran = await store.schedules.get(A, id);
      expect(ran).to.include({ lastRunId: 'run-1' });
      expect(ran).to.not.have.any.keys('failReason', 'failedAt');
      expect(await store.schedules.recordFailure(A, id, 'creator disabled', at(20))).to.equal(true);
      expect(await store.schedules.get(A, id)).to.include({ lastRunId: 'run-1', failReason: 'creator disabled' });
      expect(await store.schedules.recordRun(A, UNKNOWN, 'run-2')).to.equal(false);
    });

    it('deletes a schedule once', async () => {
      const { id } = await store.schedules.create(A, newSchedule(), at(0));
      expect(await store.schedules.delete(A, id)).to.equal(true);
      expect(await store.schedules.get(A, id)).to.equal(undefined);
      expect(await store.schedules.delete(A, id)).to.equal(false);
    });
  });
}
