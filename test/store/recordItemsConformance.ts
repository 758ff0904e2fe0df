/**
 * Items that bring their own data, as every store engine must keep them (issue 13, part 3): `runs.addRecordItems`
 * creates records (with their files) and items of an open run in one step, `records.file` serves a record's file,
 * and `runs.recordRuns` lists the runs that acted on a record, tenant-scoped.
 */
import { expect } from 'chai';
import { recordFileOf, type ItemRecord } from '../../src/domain/recordItems.js';
import { ITEM_STATUS, RUN_STATUS } from '../../src/domain/runs.js';
import type { Csid, TenantId } from '../../src/domain/types.js';
import type { NewRun } from '../../src/store/runTypes.js';
import type { Store } from '../../src/store/types.js';
import { conflict, type StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const PAGE = { pageNum: 0, pageSize: 40 };
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const csid = (n: number) => `00000000-0000-5000-9000-${String(n).padStart(12, '0')}` as Csid;

function openRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    definitionCsid: 'def-1',
    definitionName: 'Parse resumes',
    invocation: { mode: 'list', docType: 'Resume', listCSIDs: [], params: [] },
    createdBy: 'alice',
    open: true,
    ...overrides,
  };
}

function resume(n: number, withFile = false): ItemRecord {
  const record: ItemRecord = { csid: csid(n), docType: 'Resume', fields: { title: `resume ${n}` } };
  if (withFile) record.file = recordFileOf(`cv-${n}.pdf`, 'application/pdf', Buffer.from([0x25, 0x50, 0x44, 0x46, n, 0, 255]));
  return record;
}

export function describeRecordItemsConformance(options: StoreConformanceOptions): void {
  describe(`${options.name} record items conformance`, () => {
    let store: Store;
    let testName = '';

    beforeEach(async function () {
      testName = `record items ${this.currentTest?.fullTitle() ?? ''}`;
      store = await options.create(testName, { now: () => at(0) });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    it('creates each record with its file and an item of the open run keyed by its csid, eligible at once', async () => {
      const run = await store.runs.create(A, openRun(), [], at(0));
      const added = await store.runs.addRecordItems(A, run.id, [resume(1, true), resume(2)], 'bob', at(1));
      expect(added?.counts.posted).to.equal(2);
      const items = await store.runs.listItems(A, run.id, { paging: PAGE });
      expect(items.items.map((item) => [item.key, item.status])).to.deep.equal([
        [csid(1), ITEM_STATUS.New],
        [csid(2), ITEM_STATUS.New],
      ]);
      const record = await store.records.get(A, csid(1), 'resume');
      expect(record?.fields).to.deep.equal({ title: 'resume 1' });
      expect(record?.core).to.deep.include({ createdBy: 'bob', revision: 1 });
      const file = await store.records.file(A, csid(1), 'Resume');
      expect(file).to.deep.equal(resume(1, true).file);
      expect(file?.content).to.be.instanceOf(Buffer);
      expect(await store.records.file(A, csid(2))).to.equal(undefined);
      // Another tenant, another doc type, an unknown csid: no file.
      expect(await store.records.file(B, csid(1))).to.equal(undefined);
      expect(await store.records.file(A, csid(1), 'Person')).to.equal(undefined);
      const claimed = await store.runs.claim(A, run.id, { owner: 'w', limit: 5, leaseMs: 1000, now: at(2) });
      expect(claimed.map((item) => item.key)).to.deep.equal([csid(1), csid(2)]);
    });

    it('writes nothing when the run refuses the items: closed, unknown, or a csid already in the run', async () => {
      const run = await store.runs.create(A, openRun(), [csid(1)], at(0));
      await conflict(store.runs.addRecordItems(A, run.id, [resume(2, true), resume(1, true)], 'bob', at(1)));
      expect(await store.records.get(A, csid(2))).to.equal(undefined);
      expect(await store.records.file(A, csid(2))).to.equal(undefined);
      expect((await store.runs.get(A, run.id))?.counts.posted).to.equal(1);

      await store.runs.close(A, run.id, at(2));
      await conflict(store.runs.addRecordItems(A, run.id, [resume(3, true)], 'bob', at(3)));
      expect(await store.records.get(A, csid(3))).to.equal(undefined);
      expect(await store.runs.addRecordItems(A, 'no-such-run', [resume(4)], 'bob', at(4))).to.equal(undefined);
      expect(await store.runs.addRecordItems(B, run.id, [resume(4)], 'bob', at(4))).to.equal(undefined);
      expect(await store.records.get(A, csid(4))).to.equal(undefined);
      expect(await store.records.get(B, csid(4))).to.equal(undefined);
    });

    it('keeps a record already stored under a chosen csid (a retry converging) and adds its item', async () => {
      const first = await store.runs.create(A, openRun(), [], at(0));
      await store.runs.addRecordItems(A, first.id, [resume(1, true)], 'bob', at(1));
      const second = await store.runs.create(A, openRun(), [], at(2));
      const again = { ...resume(1, true), fields: { title: 'changed' } };
      expect((await store.runs.addRecordItems(A, second.id, [again], 'carol', at(3)))?.counts.posted).to.equal(1);
      expect((await store.records.get(A, csid(1)))?.fields).to.deep.equal({ title: 'resume 1' });
    });

    it('deletes a record file with its record', async () => {
      const run = await store.runs.create(A, openRun(), [], at(0));
      await store.runs.addRecordItems(A, run.id, [resume(1, true)], 'bob', at(1));
      expect(await store.records.delete(A, csid(1))).to.equal(true);
      expect(await store.records.file(A, csid(1))).to.equal(undefined);
    });

    it("lists the runs of the tenant that acted on a record, newest first, with the record's item status", async () => {
      const older = await store.runs.create(A, openRun({ definitionName: 'Older' }), [], at(0));
      await store.runs.addRecordItems(A, older.id, [resume(1)], 'bob', at(1));
      await store.runs.close(A, older.id, at(2));
      const [item] = await store.runs.claim(A, older.id, { owner: 'w', limit: 1, leaseMs: 1000, now: at(3) });
      await store.runs.complete(A, older.id, 'w', [{ seq: item!.seq, status: 'Failed', error: 'unreadable' }], at(4));
      await store.runs.finish(A, older.id, {}, at(5));
      const newer = await store.runs.create(A, openRun({ definitionCsid: 'def-2', definitionName: 'Newer' }), [csid(1), csid(9)], at(10));
      // Another tenant's run over the same key is not listed.
      await store.runs.create(B, openRun(), [csid(1)], at(20));

      const page = await store.runs.recordRuns(A, csid(1), PAGE);
      expect(page.totalItems).to.equal(2);
      expect(page.items.map((run) => [run.runId, run.definitionName, run.runStatus, run.itemStatus])).to.deep.equal([
        [newer.id, 'Newer', RUN_STATUS.Queued, ITEM_STATUS.New],
        [older.id, 'Older', RUN_STATUS.CompletedWithErrors, ITEM_STATUS.Failed],
      ]);
      expect(page.items[1]).to.deep.include({ definitionCsid: 'def-1', attempts: 1, error: 'unreadable', runCreatedAt: at(0), runCompletedAt: at(5), itemUpdatedAt: at(4) });
      expect(page.items[0]?.runCompletedAt).to.equal(undefined);

      const second = await store.runs.recordRuns(A, csid(1), { pageNum: 1, pageSize: 1 });
      expect(second.items.map((run) => run.runId)).to.deep.equal([older.id]);
      expect(second.totalItems).to.equal(2);
      expect((await store.runs.recordRuns(B, csid(1), PAGE)).totalItems).to.equal(1);
      expect((await store.runs.recordRuns(A, csid(7), PAGE)).totalItems).to.equal(0);
    });
  });
}
