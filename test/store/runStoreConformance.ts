/**
 * The behaviour every run store engine must share (store.runs), as one mocha suite per engine. Time is passed
 * explicitly to every write, so leases and ranges are tested without waiting.
 */
import { expect } from 'chai';
import { DomainError } from '../../src/domain/errors.js';
import {
  isCrashSuspect,
  ITEM_MAX_CONFLICTS,
  MAX_FOLLOWED_RUNS,
  RUN_STATUS,
  WORKER_STOPPED,
  workerStoppedError,
  type Run,
  type RunResults,
} from '../../src/domain/runs.js';
import type { Csid, TenantId } from '../../src/domain/types.js';
import { DEFAULT_RESULTS_INLINE_LIMIT } from '../../src/store/runRules.js';
import type { RunLogEntry } from '../../src/domain/runLog.js';
import type { ItemWrites, NewRun, RunStore } from '../../src/store/runTypes.js';
import type { Store } from '../../src/store/types.js';
import { conflict, type StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const PAGE = { pageNum: 0, pageSize: 40 };
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const LEASE = 1000;
/** What `complete` answers when it wrote nothing, and when it wrote one outcome. */
const NONE = { written: 0, requeued: 0 };
const ONE = { written: 1, requeued: 0 };

function newRun(overrides: Partial<NewRun> = {}): NewRun {
  return {
    definitionCsid: 'def-1',
    definitionName: 'Update objects',
    invocation: { mode: 'list', docType: 'CollectionObject', listCSIDs: ['a', 'b'], params: [{ key: 'k', value: 'v' }] },
    createdBy: 'alice',
    ...overrides,
  };
}

/** The run size past which MongoDB used to refuse a run (its csids were stored in the run's 16 MiB document). */
const BIG_RUN_DEFAULT = 400_000;

const keys = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** An item's writes: none but those given. */
const writes = (some: Partial<ItemWrites>): ItemWrites => ({ actor: 'alice', creates: [], updates: [], relations: [], deletes: [], ...some });
/** Csids as a staged create chooses them (any string is one to the store). */
const staged = (n: number) => `00000000-0000-5000-8000-${String(n).padStart(12, '0')}` as Csid;

export function describeRunStoreConformance(options: StoreConformanceOptions & { bigRunItems?: number }): void {
  describe(`${options.name} run store conformance`, () => {
    let store: Store;
    let testName = '';
    const runs = (): RunStore => store.runs;

    beforeEach(async function () {
      testName = `runs ${this.currentTest?.fullTitle() ?? ''}`;
      store = await options.create(testName, { now: () => at(0) });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    /** Claims and completes every claimable item of the run as `outcome`. */
    async function processAll(run: Run, fail: (key: string) => boolean = () => false, now = at(10)): Promise<void> {
      for (;;) {
        const claimed = await runs().claim(A, run.id, { owner: 'w', limit: 50, leaseMs: LEASE, now });
        if (claimed.length === 0) return;
        await runs().complete(
          A,
          run.id,
          'w',
          claimed.map((item) => (fail(item.key) ? { seq: item.seq, status: 'Failed', error: `${item.key} broke` } : { seq: item.seq, status: 'Completed' })),
          now,
        );
      }
    }

    describe('runs.create and get', () => {
      it('creates a Queued run with its items New, in order, and the context as given', async () => {
        const run = await runs().create(A, newRun(), ['x', 'y', 'z'], at(0));
        expect(run).to.deep.include({ status: RUN_STATUS.Queued, open: false, rerunnable: true, createdBy: 'alice', reruns: 0 });
        expect(run.counts).to.deep.equal({ posted: 3, processed: 0, failed: 0, affected: 0, cancelled: 0 });
        expect(run.createdAt).to.deep.equal(at(0));
        expect(run.invocation).to.deep.equal(newRun().invocation);
        expect(await runs().get(A, run.id)).to.deep.equal(run);
        expect(await runs().status(A, run.id)).to.equal(RUN_STATUS.Queued);
        const items = await runs().listItems(A, run.id, { paging: PAGE });
        expect(items.totalItems).to.equal(3);
        expect(items.items.map((i) => [i.seq, i.key, i.status, i.attempts])).to.deep.equal([
          [0, 'x', 'New', 0],
          [1, 'y', 'New', 0],
          [2, 'z', 'New', 0],
        ]);
      });

      it('refuses a key listed twice and stores nothing', async () => {
        await conflict(runs().create(A, newRun(), ['x', 'x'], at(0)));
        expect((await runs().list(A, { paging: PAGE })).totalItems).to.equal(0);
      });

      it("does not see another tenant's run or items", async () => {
        const run = await runs().create(A, newRun(), ['x'], at(0));
        expect(await runs().get(B, run.id)).to.equal(undefined);
        expect(await runs().status(B, run.id)).to.equal(undefined);
        expect((await runs().listItems(B, run.id, { paging: PAGE })).totalItems).to.equal(0);
        expect(await runs().claim(B, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(1) })).to.deep.equal([]);
      });
    });

    describe('runs.list and listItems', () => {
      it('filters by status, definition and created range, newest first, paged', async () => {
        const first = await runs().create(A, newRun(), ['x'], at(0));
        const second = await runs().create(A, newRun({ definitionCsid: 'def-2' }), ['x'], at(100));
        const third = await runs().create(A, newRun(), ['x'], at(200));
        await runs().cancel(A, third.id, at(300));
        const ids = async (query: Parameters<RunStore['list']>[1]) => (await runs().list(A, query)).items.map((r) => r.id);
        expect(await ids({ paging: PAGE })).to.deep.equal([third.id, second.id, first.id]);
        expect(await ids({ status: RUN_STATUS.Queued, paging: PAGE })).to.deep.equal([second.id, first.id]);
        expect(await ids({ definitionCsid: 'def-2', paging: PAGE })).to.deep.equal([second.id]);
        expect(await ids({ createdFrom: at(100), createdTo: at(200), paging: PAGE })).to.deep.equal([second.id]);
        const page = await runs().list(A, { paging: { pageNum: 1, pageSize: 2 } });
        expect(page.totalItems).to.equal(3);
        expect(page.items.map((r) => r.id)).to.deep.equal([first.id]);
        expect((await runs().list(B, { paging: PAGE })).totalItems).to.equal(0);
      });

      it('filters by creator and by active status (Queued or InProgress)', async () => {
        const queued = await runs().create(A, newRun(), ['x'], at(0));
        const started = await runs().create(A, newRun(), ['x'], at(100));
        await runs().start(A, started.id, at(150));
        const cancelled = await runs().create(A, newRun(), ['x'], at(200));
        await runs().cancel(A, cancelled.id, at(250));
        const bobs = await runs().create(A, newRun({ createdBy: 'bob' }), ['x'], at(300));
        const ids = async (query: Parameters<RunStore['list']>[1]) => (await runs().list(A, query)).items.map((r) => r.id);
        expect(await ids({ createdBy: 'alice', activeOnly: true, paging: PAGE })).to.deep.equal([started.id, queued.id]);
        expect(await ids({ createdBy: 'bob', paging: PAGE })).to.deep.equal([bobs.id]);
        expect(await ids({ activeOnly: true, status: RUN_STATUS.InProgress, paging: PAGE })).to.deep.equal([started.id]);
        expect((await runs().list(B, { createdBy: 'alice', activeOnly: true, paging: PAGE })).totalItems).to.equal(0);
      });

      it('filters items by status and pages them in posting order', async () => {
        const run = await runs().create(A, newRun(), keys(5), at(0));
        await processAll(run, (key) => key === 'r3');
        const failed = await runs().listItems(A, run.id, { status: 'Failed', paging: PAGE });
        expect(failed.items.map((i) => [i.key, i.error])).to.deep.equal([['r3', 'r3 broke']]);
        const page = await runs().listItems(A, run.id, { paging: { pageNum: 1, pageSize: 2 } });
        expect(page.totalItems).to.equal(5);
        expect(page.items.map((i) => i.key)).to.deep.equal(['r2', 'r3']);
      });
    });

    describe('runs.claim', () => {
      it('leases New items in order, never the same item to two claims, and counts attempts', async () => {
        const run = await runs().create(A, newRun(), keys(5), at(0));
        const one = await runs().claim(A, run.id, { owner: 'w1', limit: 3, leaseMs: LEASE, now: at(1) });
        const two = await runs().claim(A, run.id, { owner: 'w2', limit: 3, leaseMs: LEASE, now: at(1) });
        expect(one.map((i) => i.key)).to.deep.equal(['r0', 'r1', 'r2']);
        expect(two.map((i) => i.key)).to.deep.equal(['r3', 'r4']);
        expect(one.every((i) => i.status === 'Processing' && i.attempts === 1)).to.equal(true);
        expect(await runs().claim(A, run.id, { owner: 'w3', limit: 3, leaseMs: LEASE, now: at(2) })).to.deep.equal([]);
      });

      it('claims an item again once its lease expired, but never a final one', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        const [first, second] = await runs().claim(A, run.id, { owner: 'dead', limit: 2, leaseMs: LEASE, now: at(0) });
        await runs().complete(A, run.id, 'dead', [{ seq: first!.seq, status: 'Completed' }], at(10));
        expect(await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE - 1) })).to.deep.equal([]);
        expect(await runs().nextLeaseExpiry(A, run.id)).to.deep.equal(at(LEASE));
        expect(await runs().nextLeaseExpiry(A, run.id, 'dead')).to.equal(undefined);
        const again = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE) });
        expect(again.map((i) => [i.key, i.attempts])).to.deep.equal([[second!.key, 2]]);
      });

      it('takes over an expired item alone, as a crash suspect, before any New item', async () => {
        const run = await runs().create(A, newRun(), keys(5), at(0));
        await runs().claim(A, run.id, { owner: 'dead', limit: 3, leaseMs: LEASE, now: at(0) });
        const taken = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE) });
        expect(taken.map((i) => [i.key, i.attempts])).to.deep.equal([['r0', 2]]);
        expect(isCrashSuspect(taken[0]!)).to.equal(true);
        const next = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE) });
        expect(next.map((i) => i.key)).to.deep.equal(['r1']);
        // Once no lease is expired, New items come in batches again, and they are no suspects.
        await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE) });
        const fresh = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE) });
        expect(fresh.map((i) => i.key)).to.deep.equal(['r3', 'r4']);
        expect(fresh.some((item) => isCrashSuspect(item))).to.equal(false);
      });

      it('leaves expired items alone when a claim does not look for them (takeOver: false)', async () => {
        const run = await runs().create(A, newRun(), keys(3), at(0));
        await runs().claim(A, run.id, { owner: 'dead', limit: 1, leaseMs: LEASE, now: at(0) });
        const fresh = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE), maxCrashes: 1, takeOver: false });
        expect(fresh.map((i) => i.key)).to.deep.equal(['r1', 'r2']);
        // The expired item is still there for the next look, neither claimed nor failed.
        expect((await runs().listItems(A, run.id, { status: 'Failed', paging: PAGE })).items).to.deep.equal([]);
        const looked = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(LEASE), maxCrashes: 1 });
        expect(looked).to.deep.equal([]);
        expect((await runs().listItems(A, run.id, { status: 'Failed', paging: PAGE })).items.map((i) => i.key)).to.deep.equal(['r0']);
      });

      it('fails an item whose workers stopped maxCrashes times while holding it, and counts it', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        const options = (owner: string, ms: number) => ({ owner, limit: 1, leaseMs: LEASE, now: at(ms), maxCrashes: 2 });
        const [first] = await runs().claim(A, run.id, options('dead-1', 0));
        const [again] = await runs().claim(A, run.id, options('dead-2', LEASE));
        expect(again).to.deep.include({ key: first!.key, attempts: 2 });
        // Its second worker died too: the next claim fails it instead, and goes on with the other item.
        const [other] = await runs().claim(A, run.id, options('w', 2 * LEASE));
        expect(other?.key).to.equal('r1');
        const [failed] = (await runs().listItems(A, run.id, { status: 'Failed', paging: PAGE })).items;
        expect(failed).to.deep.include({ key: 'r0', errorCode: WORKER_STOPPED, error: workerStoppedError(2) });
        expect((await runs().get(A, run.id))?.counts).to.deep.include({ processed: 1, failed: 1 });
        // A released item gives its attempt back: a graceful stop is no crash.
        await runs().release(A, run.id, 'w');
        const [released] = await runs().claim(A, run.id, options('w', 2 * LEASE));
        expect(released).to.deep.include({ key: 'r1', attempts: 1 });
      });

      it('claims nothing from a cancelled or finished run', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        await runs().cancel(A, run.id, at(1));
        expect(await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(2) })).to.deep.equal([]);
      });
    });

    describe('runs.complete', () => {
      it('writes final statuses and counters only for items the owner still holds: exactly once', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        const [item] = await runs().claim(A, run.id, { owner: 'slow', limit: 1, leaseMs: LEASE, now: at(0) });
        // The lease expires and another worker takes the item over.
        const [taken] = await runs().claim(A, run.id, { owner: 'fast', limit: 1, leaseMs: LEASE, now: at(LEASE + 1) });
        expect(taken?.seq).to.equal(item?.seq);
        expect(await runs().complete(A, run.id, 'slow', [{ seq: item!.seq, status: 'Failed', error: 'late' }], at(LEASE + 2))).to.deep.equal(NONE);
        expect(await runs().complete(A, run.id, 'fast', [{ seq: item!.seq, status: 'Completed', note: 'ok' }], at(LEASE + 3))).to.deep.equal(ONE);
        expect(await runs().complete(A, run.id, 'fast', [{ seq: item!.seq, status: 'Failed' }], at(LEASE + 4))).to.deep.equal(NONE);
        const stored = (await runs().listItems(A, run.id, { paging: PAGE })).items[0];
        expect(stored).to.deep.include({ status: 'Completed', note: 'ok', attempts: 2 });
        expect((await runs().get(A, run.id))?.counts).to.deep.equal({ posted: 2, processed: 1, failed: 0, affected: 1, cancelled: 0 });
      });

      it('counts failed and unaffected items apart', async () => {
        const run = await runs().create(A, newRun(), keys(3), at(0));
        const claimed = await runs().claim(A, run.id, { owner: 'w', limit: 3, leaseMs: LEASE, now: at(0) });
        const [a, b, c] = claimed.map((i) => i.seq) as [number, number, number];
        const written = await runs().complete(
          A,
          run.id,
          'w',
          [
            { seq: a, status: 'Completed', affected: true },
            { seq: b, status: 'Completed', affected: false },
            { seq: c, status: 'Failed', error: 'no' },
          ],
          at(1),
        );
        expect(written).to.deep.equal({ written: 3, requeued: 0 });
        expect((await runs().get(A, run.id))?.counts).to.deep.equal({ posted: 3, processed: 3, failed: 1, affected: 1, cancelled: 0 });
        expect(await runs().itemErrors(A, run.id, 10)).to.deep.equal({ r2: 'no' });
      });
    });

    describe('runs.complete with store writes', () => {
      /** A started run of `n` items, all claimed by `owner`. */
      async function claimedRun(n: number, owner = 'w', now = at(1)) {
        const run = await runs().create(A, newRun(), keys(n), at(0));
        const items = await runs().claim(A, run.id, { owner, limit: n, leaseMs: LEASE, now });
        return { run, seqs: items.map((item) => item.seq) };
      }
      const relationTo = (subject: Csid, object: Csid) => ({
        subjectCsid: subject,
        subjectDocumentType: 'Loanout',
        relationshipType: 'affects',
        objectCsid: object,
        objectDocumentType: 'CollectionObject',
      });
      const itemsOf = async (run: Run) => (await runs().listItems(A, run.id, { paging: PAGE })).items;

      it("applies a completed item's creates, updates, relations and deletes with its outcome, stamped with its time and actor", async () => {
        const kept = await store.records.create(A, 'CollectionObject', { title: 'old' }, 'bob');
        const doomed = await store.records.create(A, 'CollectionObject', { title: 'doomed' }, 'bob');
        const doomedLink = await store.relations.create(A, relationTo(doomed.csid, kept.csid), 'bob');
        const { run, seqs } = await claimedRun(1);
        const itemWrites = writes({
          creates: [{ csid: staged(1), docType: 'Loanout', fields: { loanNumber: 'L1' } }],
          updates: [{ csid: kept.csid, fields: { title: 'new' }, expectedRevision: 1 }],
          relations: [{ csid: staged(2), relation: relationTo(staged(1), kept.csid) }],
          deletes: [{ csid: doomed.csid, expectedRevision: 1 }],
        });
        expect(await runs().complete(A, run.id, 'w', [{ seq: seqs[0]!, status: 'Completed', writes: itemWrites }], at(5))).to.deep.equal(ONE);

        const created = await store.records.get(A, staged(1));
        expect(created).to.deep.include({ docType: 'Loanout', fields: { loanNumber: 'L1' } });
        expect(created?.core).to.deep.include({ createdBy: 'alice', createdAt: at(5), revision: 1 });
        const updated = await store.records.get(A, kept.csid);
        expect(updated?.fields).to.deep.equal({ title: 'new' });
        expect(updated?.core).to.deep.include({ revision: 2, updatedBy: 'alice', updatedAt: at(5), createdBy: 'bob' });
        expect(await store.relations.get(A, staged(2))).to.deep.include({ subjectCsid: staged(1), objectCsid: kept.csid });
        expect(await store.records.get(A, doomed.csid)).to.equal(undefined);
        expect(await store.relations.get(A, doomedLink.csid), 'a deleted record takes its relations along').to.equal(undefined);
        expect((await itemsOf(run))[0]).to.deep.include({ status: 'Completed' });
      });

      it('drops the writes of an outcome the lease guard refuses, and never applies a failed item\u2019s', async () => {
        const record = await store.records.create(A, 'CollectionObject', { title: 'old' }, 'bob');
        const run = await runs().create(A, newRun(), keys(1), at(0));
        const [item] = await runs().claim(A, run.id, { owner: 'slow', limit: 1, leaseMs: LEASE, now: at(0) });
        await runs().claim(A, run.id, { owner: 'fast', limit: 1, leaseMs: LEASE, now: at(LEASE + 1) });
        const itemWrites = writes({
          creates: [{ csid: staged(1), docType: 'Loanout', fields: {} }],
          updates: [{ csid: record.csid, fields: { title: 'late' }, expectedRevision: 1 }],
        });
        expect(await runs().complete(A, run.id, 'slow', [{ seq: item!.seq, status: 'Completed', writes: itemWrites }], at(LEASE + 2))).to.deep.equal(NONE);
        expect(await store.records.get(A, staged(1))).to.equal(undefined);
        expect((await store.records.get(A, record.csid))?.core.revision).to.equal(1);

        const failed = { seq: item!.seq, status: 'Failed' as const, error: 'broke', writes: itemWrites };
        expect(await runs().complete(A, run.id, 'fast', [failed], at(LEASE + 3))).to.deep.equal(ONE);
        expect(await store.records.get(A, staged(1))).to.equal(undefined);
        expect(await store.records.get(A, record.csid)).to.deep.include({ fields: { title: 'old' } });
        expect((await itemsOf(run))[0]).to.deep.include({ status: 'Failed', error: 'broke' });
      });

      it(`applies none of a conflicting item's writes and puts it back New; conflict number ITEM_MAX_CONFLICTS (${ITEM_MAX_CONFLICTS}) fails it with CONFLICT`, async () => {
        const record = await store.records.create(A, 'CollectionObject', { title: 'read' }, 'bob');
        await store.records.update(A, record.csid, { title: 'changed by bob' }, { actor: 'bob' });
        const { run, seqs } = await claimedRun(2);
        const conflicting = writes({
          creates: [{ csid: staged(1), docType: 'Loanout', fields: {} }],
          updates: [{ csid: record.csid, fields: { title: 'mine' }, expectedRevision: 1 }],
        });
        const fine = writes({ creates: [{ csid: staged(2), docType: 'Loanout', fields: { n: 2 } }] });
        const result = await runs().complete(
          A,
          run.id,
          'w',
          [
            { seq: seqs[0]!, status: 'Completed', writes: conflicting },
            { seq: seqs[1]!, status: 'Completed', writes: fine },
          ],
          at(5),
        );
        expect(result, 'the batch goes on past a conflicting item').to.deep.equal({ written: 1, requeued: 1 });
        expect(await store.records.get(A, staged(1))).to.equal(undefined);
        expect(await store.records.get(A, record.csid)).to.deep.include({ fields: { title: 'changed by bob' } });
        expect(await store.records.get(A, staged(2))).to.deep.include({ fields: { n: 2 } });
        const [back] = await itemsOf(run);
        expect(back).to.deep.include({ status: 'New', attempts: 1 });
        expect(back?.error).to.equal(undefined);

        for (let conflicts = 2; conflicts <= ITEM_MAX_CONFLICTS; conflicts += 1) {
          const [again] = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(10 * conflicts) });
          expect(again).to.deep.include({ seq: seqs[0], attempts: conflicts });
          const last = conflicts === ITEM_MAX_CONFLICTS;
          const answer = await runs().complete(A, run.id, 'w', [{ seq: again!.seq, status: 'Completed', writes: conflicting }], at(10 * conflicts + 1));
          expect(answer).to.deep.equal(last ? ONE : { written: 0, requeued: 1 });
        }
        const [failed] = await itemsOf(run);
        expect(failed).to.deep.include({ status: 'Failed', errorCode: 'CONFLICT' });
        expect(failed?.error).to.match(new RegExp(`Record '${record.csid}' was changed or deleted by someone else`));
        expect((await runs().get(A, run.id))?.counts).to.deep.equal({ posted: 2, processed: 2, failed: 1, affected: 1, cancelled: 0 });
        expect(await store.records.get(A, staged(1))).to.equal(undefined);

        expect((await runs().finish(A, run.id, {}, at(99)))?.status).to.equal(RUN_STATUS.CompletedWithErrors);
        const rerun = await runs().rerun(A, run.id, { onlyFailed: true }, at(100));
        expect(rerun?.status).to.equal(RUN_STATUS.Queued);
        const [fresh] = await runs().claim(A, run.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(101) });
        expect(await runs().complete(A, run.id, 'w', [{ seq: fresh!.seq, status: 'Completed', writes: conflicting }], at(102)), 'a rerun counts conflicts afresh').to.deep.equal({
          written: 0,
          requeued: 1,
        });
      });

      it("counts as conflicts a deleted record's update, a changed record's delete, a relation to a deleted record, another tenant's record", async () => {
        const gone = await store.records.create(A, 'CollectionObject', {}, 'bob');
        const changed = await store.records.create(A, 'CollectionObject', {}, 'bob');
        const elsewhere = await store.records.create(B, 'CollectionObject', { title: 'B' }, 'bob');
        await store.records.delete(A, gone.csid);
        await store.records.update(A, changed.csid, { title: 'bob was here' }, { actor: 'bob' });
        const { run, seqs } = await claimedRun(4);
        const outcomes = [
          writes({ updates: [{ csid: gone.csid, fields: {}, expectedRevision: 1 }] }),
          writes({ deletes: [{ csid: changed.csid, expectedRevision: 1 }] }),
          writes({ creates: [{ csid: staged(1), docType: 'Loanout', fields: {} }], relations: [{ csid: staged(2), relation: relationTo(staged(1), gone.csid) }] }),
          writes({ updates: [{ csid: elsewhere.csid, fields: { title: 'from A' }, expectedRevision: 1 }] }),
        ].map((itemWrites, index) => ({ seq: seqs[index]!, status: 'Completed' as const, writes: itemWrites }));
        expect(await runs().complete(A, run.id, 'w', outcomes, at(5))).to.deep.equal({ written: 0, requeued: 4 });
        expect(await store.records.get(A, changed.csid)).to.deep.include({ fields: { title: 'bob was here' } });
        expect(await store.records.get(A, staged(1))).to.equal(undefined);
        expect(await store.relations.get(A, staged(2))).to.equal(undefined);
        expect(await store.records.get(B, elsewhere.csid)).to.deep.include({ fields: { title: 'B' } });
        expect((await itemsOf(run)).map((item) => item.status)).to.deep.equal(['New', 'New', 'New', 'New']);
      });

      it('skips a create or relation whose csid is already stored: a replayed item writes nothing twice', async () => {
        const object = await store.records.create(A, 'CollectionObject', {}, 'bob');
        const { run, seqs } = await claimedRun(2);
        const first = writes({
          creates: [{ csid: staged(1), docType: 'Loanout', fields: { v: 'first' } }],
          relations: [{ csid: staged(2), relation: relationTo(staged(1), object.csid) }],
        });
        const replay = writes({
          actor: 'carol',
          creates: [{ csid: staged(1), docType: 'Loanout', fields: { v: 'replayed' } }],
          relations: [{ csid: staged(2), relation: relationTo(staged(1), object.csid) }],
        });
        await runs().complete(A, run.id, 'w', [{ seq: seqs[0]!, status: 'Completed', writes: first }], at(5));
        expect(await runs().complete(A, run.id, 'w', [{ seq: seqs[1]!, status: 'Completed', writes: replay }], at(6))).to.deep.equal(ONE);
        const record = await store.records.get(A, staged(1));
        expect(record?.fields).to.deep.equal({ v: 'first' });
        expect(record?.core).to.deep.include({ createdBy: 'alice', createdAt: at(5), revision: 1 });
        const relations = await store.relations.list(A, { objectCsid: object.csid, paging: PAGE });
        expect(relations.items.map((relation) => relation.csid)).to.deep.equal([staged(2)]);
      });
    });

    describe('runs.start, finish and fail', () => {
      it('finishes Completed when every item succeeded, CompletedWithErrors when one failed', async () => {
        const good = await runs().create(A, newRun(), keys(3), at(0));
        expect((await runs().start(A, good.id, at(1)))?.status).to.equal(RUN_STATUS.InProgress);
        await processAll(good);
        const done = await runs().finish(A, good.id, { numAffected: 3, userNote: 'fine' }, at(20));
        expect(done).to.deep.include({ status: RUN_STATUS.Completed, startedAt: at(1), completedAt: at(20) });
        expect(done?.results).to.deep.equal({ numAffected: 3, userNote: 'fine' });

        const bad = await runs().create(A, newRun(), keys(3), at(0));
        await runs().start(A, bad.id, at(1));
        await processAll(bad, (key) => key === 'r1');
        expect((await runs().finish(A, bad.id, {}, at(20)))?.status).to.equal(RUN_STATUS.CompletedWithErrors);
      });

      it('recounts a run from its items, unfinished and finished, answering it still active until finish', async () => {
        const run = await runs().create(A, newRun(), keys(4), at(0));
        await runs().start(A, run.id, at(1));
        const [first] = await runs().claim(A, run.id, { owner: 'w', limit: 1, leaseMs: LEASE, now: at(2) });
        await runs().complete(A, run.id, 'w', [{ seq: first!.seq, status: 'Completed', affected: false }], at(3));
        const partial = await runs().recount(A, run.id);
        expect(partial).to.deep.include({ status: RUN_STATUS.InProgress, counts: { posted: 4, processed: 1, failed: 0, affected: 0, cancelled: 0 } });
        await processAll(run, (key) => key === 'r2');
        expect((await runs().recount(A, run.id))?.counts).to.deep.equal({ posted: 4, processed: 4, failed: 1, affected: 2, cancelled: 0 });
        expect((await runs().get(A, run.id))?.status, 'recount stores nothing').to.equal(RUN_STATUS.InProgress);
        expect(await runs().recount(B, run.id), 'another tenant').to.equal(undefined);
      });

      it('does not finish while items remain, and fails an active run with a reason', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        await runs().start(A, run.id, at(1));
        expect((await runs().finish(A, run.id, {}, at(2)))?.status).to.equal(RUN_STATUS.InProgress);
        const failed = await runs().fail(A, run.id, 'Plugin gone', at(3));
        expect(failed).to.deep.include({ status: RUN_STATUS.Failed, statusText: 'Plugin gone', completedAt: at(3) });
      });
    });

    describe('runs.startAndClaim and completeAndFinish: a small run in two calls', () => {
      const claimOf = (owner: string, limit: number, ms: number) => ({ owner, limit, leaseMs: LEASE, now: at(ms) });

      it('starts a run and claims its first items in one call, answering the run as it stood for the claim', async () => {
        const run = await runs().create(A, newRun(), keys(3), at(0));
        const first = await runs().startAndClaim(A, run.id, at(1), claimOf('w1', 2, 1));
        expect(first.run).to.deep.include({ status: RUN_STATUS.InProgress, startedAt: at(1) });
        expect(first.run?.counts).to.deep.equal({ posted: 3, processed: 0, failed: 0, affected: 0, cancelled: 0 });
        expect(first.items.map((i) => [i.key, i.status, i.attempts])).to.deep.equal([
          ['r0', 'Processing', 1],
          ['r1', 'Processing', 1],
        ]);
        // Started already: the start is left alone, and the claim takes what is left.
        const second = await runs().startAndClaim(A, run.id, at(5), claimOf('w2', 5, 5));
        expect(second.run).to.deep.include({ status: RUN_STATUS.InProgress, startedAt: at(1) });
        expect(second.items.map((i) => i.key)).to.deep.equal(['r2']);
        expect(await runs().startAndClaim(B, run.id, at(6), claimOf('w3', 5, 6)), 'another tenant').to.deep.equal({ run: undefined, items: [] });
      });

      it('claims nothing from a run that is over, and takes a crash suspect alone as claim does', async () => {
        const cancelled = await runs().create(A, newRun(), keys(2), at(0));
        await runs().cancel(A, cancelled.id, at(1));
        const none = await runs().startAndClaim(A, cancelled.id, at(2), claimOf('w', 5, 2));
        expect([none.run?.status, none.items]).to.deep.equal([RUN_STATUS.Cancelled, []]);

        const run = await runs().create(A, newRun(), keys(3), at(0));
        await runs().claim(A, run.id, claimOf('dead', 2, 0));
        const taken = await runs().startAndClaim(A, run.id, at(LEASE), claimOf('w', 5, LEASE));
        expect(taken.items.map((i) => [i.key, i.attempts])).to.deep.equal([['r0', 2]]);
        expect(isCrashSuspect(taken.items[0]!)).to.equal(true);
      });

      it('stores a run started with its first claim in one call, answering it as it stood for the claim', async () => {
        const created = await runs().createAndClaim(A, newRun(), keys(3), claimOf('w1', 2, 1));
        expect(created.run).to.deep.include({ status: RUN_STATUS.InProgress, createdAt: at(1), startedAt: at(1), statusText: 'In progress: 0 of 3 item(s) processed, 0 failed' });
        expect(created.run.counts).to.deep.equal({ posted: 3, processed: 0, failed: 0, affected: 0, cancelled: 0 });
        expect(created.items.map((i) => [i.runId, i.key, i.status, i.attempts])).to.deep.equal([
          [created.run.id, 'r0', 'Processing', 1],
          [created.run.id, 'r1', 'Processing', 1],
        ]);
        expect(await runs().get(A, created.run.id)).to.deep.equal(created.run);
        expect(await runs().renewLeases(A, created.run.id, 'w1', at(1 + LEASE)), 'leased to the claim\'s owner').to.deep.equal(created.items.map((i) => i.seq));
        expect((await runs().claim(A, created.run.id, claimOf('w2', 5, 2))).map((i) => i.key), 'the rest is left to claim').to.deep.equal(['r2']);
        expect(await runs().nextLeaseExpiry(A, created.run.id, 'w2'), "the first claim's lease").to.deep.equal(at(1 + LEASE));
        const open = await runs().createAndClaim(A, newRun({ open: true }), [], claimOf('w', 8, 3));
        expect([open.run.status, open.run.open, open.items]).to.deep.equal([RUN_STATUS.InProgress, true, []]);
      });

      it('stores a run that waits for another as create does, claiming nothing, and refuses what create refuses, storing nothing', async () => {
        const followed = await runs().create(A, newRun(), keys(1), at(0));
        const waiting = await runs().createAndClaim(A, newRun({ after: [followed.id] }), keys(2), claimOf('w', 5, 1));
        expect([waiting.run.status, waiting.run.startedAt, waiting.items]).to.deep.equal([RUN_STATUS.Waiting, undefined, []]);
        expect((await runs().listItems(A, waiting.run.id, { paging: PAGE })).items.map((i) => i.status)).to.deep.equal(['New', 'New']);
        try {
          await runs().createAndClaim(A, newRun({ after: ['nope'] }), keys(1), claimOf('w', 5, 2));
          expect.fail('a run naming an unknown run to follow');
        } catch (error) {
          expect((error as DomainError).code).to.equal('NOT_FOUND');
        }
        expect((await runs().list(A, { paging: PAGE })).totalItems, 'nothing stored').to.equal(2);
      });

      it('writes the last outcomes and finishes the run with the results given, when the counters are those expected', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        const { items } = await runs().startAndClaim(A, run.id, at(1), claimOf('w', 5, 1));
        const outcomes = items.map((item, i) => ({ seq: item.seq, status: 'Completed' as const, affected: i === 0 }));
        const results = { numAffected: 1, userNote: 'two done' };
        const counts = { posted: 2, processed: 2, failed: 0, affected: 1 };
        const done = await runs().completeAndFinish(A, run.id, 'w', outcomes, { counts, results }, at(7));
        expect([done.written, done.requeued]).to.deep.equal([2, 0]);
        expect(done.finished).to.deep.include({ status: RUN_STATUS.Completed, startedAt: at(1), completedAt: at(7), results });
        expect(await runs().get(A, run.id)).to.deep.include({ status: RUN_STATUS.Completed, completedAt: at(7), results });
        expect((await runs().listItems(A, run.id, { paging: PAGE })).items.map((i) => i.status)).to.deep.equal(['Completed', 'Completed']);
      });

      it('only writes the outcomes when the counters are not those expected (an item taken over, items left), and finish works as before', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        const { items } = await runs().startAndClaim(A, run.id, at(0), claimOf('slow', 5, 0));
        const [taken] = await runs().claim(A, run.id, claimOf('fast', 1, LEASE + 1));
        const results = { numAffected: 2, userNote: 'expected two' };
        const counts = { posted: 2, processed: 2, failed: 0, affected: 2 };
        const outcomes = items.map((item) => ({ seq: item.seq, status: 'Completed' as const }));
        const partly = await runs().completeAndFinish(A, run.id, 'slow', outcomes, { counts, results }, at(LEASE + 2));
        expect(partly, 'the item taken over is not written by its old owner').to.deep.equal({ written: 1, requeued: 0 });
        expect((await runs().get(A, run.id))?.status).to.equal(RUN_STATUS.InProgress);

        const last = await runs().completeAndFinish(A, run.id, 'fast', [{ seq: taken!.seq, status: 'Failed', error: 'no' }], { counts, results }, at(LEASE + 3));
        expect(last, 'one failed: not the counters expected').to.deep.equal({ written: 1, requeued: 0 });
        const run2 = await runs().get(A, run.id);
        expect([run2?.status, run2?.results]).to.deep.equal([RUN_STATUS.InProgress, undefined]);
        expect((await runs().finish(A, run.id, { userNote: 'one failed' }, at(LEASE + 4)))?.status).to.equal(RUN_STATUS.CompletedWithErrors);
      });

      it('answers no finished run when another call finished it first', async () => {
        const run = await runs().create(A, newRun(), keys(1), at(0));
        const { items } = await runs().startAndClaim(A, run.id, at(1), claimOf('w', 1, 1));
        await runs().complete(A, run.id, 'w', [{ seq: items[0]!.seq, status: 'Completed' }], at(2));
        expect((await runs().finish(A, run.id, { userNote: 'first' }, at(3)))?.status).to.equal(RUN_STATUS.Completed);
        const counts = { posted: 1, processed: 1, failed: 0, affected: 1 };
        const late = await runs().completeAndFinish(A, run.id, 'w', [{ seq: items[0]!.seq, status: 'Completed' }], { counts, results: { userNote: 'second' } }, at(4));
        expect(late).to.deep.equal(NONE);
        expect(await runs().get(A, run.id)).to.deep.include({ completedAt: at(3), results: { userNote: 'first' } });
      });

      it("keeps a whole invocation's own results, stored with its item, over those given", async () => {
        const run = await runs().create(A, newRun(), ['*'], at(0));
        const { items } = await runs().startAndClaim(A, run.id, at(1), claimOf('w', 1, 1));
        const own = { numAffected: 3, userNote: 'the plugin said so' };
        const outcome = { seq: items[0]!.seq, status: 'Completed' as const, results: own };
        const counts = { posted: 1, processed: 1, failed: 0, affected: 1 };
        const done = await runs().completeAndFinish(A, run.id, 'w', [outcome], { counts, results: { userNote: 'summed up' } }, at(2));
        expect(done.finished?.results).to.deep.equal(own);
        expect(await runs().results(A, run.id)).to.deep.equal(own);
      });
    });

    describe('results: inline, or stored apart past the limit', () => {
      const LIMIT = DEFAULT_RESULTS_INLINE_LIMIT;
      /** Results whose JSON is exactly `bytes` long: `{"userNote":"…"}` is 15 bytes around the note. */
      const resultsOfSize = (bytes: number): RunResults => ({ userNote: 'x'.repeat(bytes - 15) });
      const sizeOf = (results: RunResults) => Buffer.byteLength(JSON.stringify(results), 'utf8');

      async function finishedWith(results: RunResults, completedAt = at(20)): Promise<Run> {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        await runs().start(A, run.id, at(1));
        await processAll(run);
        const done = await runs().finish(A, run.id, results, completedAt);
        expect(done?.status).to.equal(RUN_STATUS.Completed);
        return done!;
      }

      it("keeps the results a whole invocation's item was completed with, whoever finishes the run", async () => {
        for (const plugin of [{ userNote: 'from the plugin', numAffected: 3 }, resultsOfSize(LIMIT + 1)]) {
          const run = await runs().create(A, newRun(), ['*'], at(0));
          const [item] = await runs().claim(A, run.id, { owner: 'w1', limit: 1, leaseMs: LEASE, now: at(1) });
          expect(await runs().complete(A, run.id, 'w2', [{ seq: item!.seq, status: 'Completed', results: { userNote: 'not the holder' } }], at(2))).to.deep.equal(NONE);
          expect(await runs().complete(A, run.id, 'w1', [{ seq: item!.seq, status: 'Completed', results: plugin }], at(3))).to.deep.equal(ONE);
          const done = await runs().finish(A, run.id, { userNote: 'a summary from another worker' }, at(4));
          expect(done?.status).to.equal(RUN_STATUS.Completed);
          expect(done?.resultsSize).to.equal(sizeOf(plugin));
          expect(await runs().results(A, run.id)).to.deep.equal(plugin);
        }
      });

      it('keeps results up to the limit inline, with their size', async () => {
        const results = resultsOfSize(LIMIT);
        expect(sizeOf(results)).to.equal(LIMIT);
        const done = await finishedWith(results);
        expect(done.results).to.deep.equal(results);
        expect(done).to.deep.include({ resultsSize: LIMIT });
        expect(done.resultsStoredApart).to.equal(undefined);
        expect((await runs().get(A, done.id))?.results).to.deep.equal(results);
        expect(await runs().results(A, done.id)).to.deep.equal(results);
      });

      it('stores results past the limit apart: the run only carries their size, results() answers them exactly', async () => {
        const oneByteOver = await finishedWith(resultsOfSize(LIMIT + 1));
        expect(oneByteOver).to.deep.include({ resultsStoredApart: true, resultsSize: LIMIT + 1 });
        expect(oneByteOver.results).to.equal(undefined);

        // Fewer characters than the limit, more bytes: the limit counts bytes. Extra fields are kept too.
        const results = { numAffected: 2, userNote: 'é'.repeat(LIMIT / 2), primaryURICreated: '/loanouts/1', extra: { lines: ['a', 'b'] } } as RunResults;
        const done = await finishedWith(results);
        for (const run of [done, await runs().get(A, done.id), (await runs().list(A, { paging: PAGE })).items.find((r) => r.id === done.id)]) {
          expect(run).to.deep.include({ resultsStoredApart: true, resultsSize: sizeOf(results) });
          expect(run?.results).to.equal(undefined);
        }
        expect(await runs().results(A, done.id)).to.deep.equal(results);
        expect(await runs().results(B, done.id)).to.equal(undefined);
      });

      it('answers no results for an unknown run and for a run that has not finished', async () => {
        expect(await runs().results(A, 'unknown')).to.equal(undefined);
        const active = await runs().create(A, newRun(), keys(1), at(0));
        expect(await runs().results(A, active.id)).to.equal(undefined);
        await runs().cancel(A, active.id, at(1));
        expect(await runs().results(A, active.id)).to.equal(undefined);
      });

      it('clears results on rerun, failed-only or whole, and keeps only the next ones', async () => {
        const first = await finishedWith(resultsOfSize(LIMIT * 2));
        for (const onlyFailed of [true, false]) {
          const again = await runs().rerun(A, first.id, { onlyFailed }, at(30));
          expect(again?.results).to.equal(undefined);
          expect(again?.resultsSize).to.equal(undefined);
          expect(again?.resultsStoredApart).to.equal(undefined);
          expect(await runs().results(A, first.id)).to.equal(undefined);
          await processAll(first, () => false, at(31));
          const next = onlyFailed ? resultsOfSize(LIMIT * 3) : { numAffected: 1, userNote: 'small now' };
          await runs().finish(A, first.id, next, at(40));
          expect(await runs().results(A, first.id)).to.deep.equal(next);
        }
        expect((await runs().get(A, first.id))?.results).to.deep.equal({ numAffected: 1, userNote: 'small now' });
      });

      it('purges results stored apart with their run', async () => {
        const old = await finishedWith(resultsOfSize(LIMIT * 2), at(100));
        const recent = await finishedWith(resultsOfSize(LIMIT * 2), at(300));
        expect(await runs().purge(at(200))).to.equal(1);
        expect(await runs().results(A, old.id)).to.equal(undefined);
        expect(await runs().results(A, recent.id)).to.deep.equal(resultsOfSize(LIMIT * 2));
      });
    });

    describe('open runs', () => {
      it('accepts items while open, completes only after close, and refuses items once closed', async () => {
        const run = await runs().create(A, newRun({ open: true }), [], at(0));
        expect(run.open).to.equal(true);
        await runs().start(A, run.id, at(1));
        expect((await runs().finish(A, run.id, {}, at(2)))?.status).to.equal(RUN_STATUS.InProgress);
        const grown = await runs().addItems(A, run.id, ['a', 'b'], at(3));
        expect(grown?.counts.posted).to.equal(2);
        await conflict(runs().addItems(A, run.id, ['b'], at(4)));
        await processAll(run);
        expect((await runs().finish(A, run.id, {}, at(11)))?.status).to.equal(RUN_STATUS.InProgress);
        await runs().addItems(A, run.id, ['c'], at(12));
        expect((await runs().close(A, run.id, at(13)))?.open).to.equal(false);
        await conflict(runs().addItems(A, run.id, ['d'], at(14)));
        await processAll(run);
        const done = await runs().finish(A, run.id, {}, at(20));
        expect(done?.status).to.equal(RUN_STATUS.Completed);
        expect(done?.counts).to.deep.include({ posted: 3, processed: 3 });
        const items = await runs().listItems(A, run.id, { paging: PAGE });
        expect(items.items.map((i) => [i.seq, i.key])).to.deep.equal([
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
        ]);
        expect(await runs().addItems(A, 'unknown', ['x'], at(21))).to.equal(undefined);
      });

      it('refuses a whole add with a key already in the run in the middle: none of it is stored, and the run completes right', async () => {
        const run = await runs().create(A, newRun({ open: true }), ['a', 'b'], at(0));
        await conflict(runs().addItems(A, run.id, ['c', 'a', 'd'], at(1)));
        const after = await runs().get(A, run.id);
        expect(after?.counts.posted).to.equal(2);
        expect((await runs().listItems(A, run.id, { paging: PAGE })).items.map((i) => i.key)).to.deep.equal(['a', 'b']);
        // The refused add reserved nothing: the next one numbers on from the run's items.
        await runs().addItems(A, run.id, ['c', 'd'], at(2));
        await runs().close(A, run.id, at(3));
        await processAll(run);
        const done = await runs().finish(A, run.id, {}, at(20));
        expect(done?.status).to.equal(RUN_STATUS.Completed);
        expect(done?.counts).to.deep.include({ posted: 4, processed: 4, failed: 0 });
        const items = await runs().listItems(A, run.id, { paging: PAGE });
        expect(items.items.map((i) => [i.seq, i.key])).to.deep.equal([
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
          [3, 'd'],
        ]);
      });

      it('lets one of two adds racing on a key win whole; the other stores nothing and the counts stay true', async () => {
        const run = await runs().create(A, newRun({ open: true }), [], at(0));
        const first = keys(300, 'p');
        const second = [...keys(300, 'q'), 'p299'];
        const outcomes = await Promise.allSettled([runs().addItems(A, run.id, first, at(1)), runs().addItems(A, run.id, second, at(1))]);
        const won = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [[first, second][index] as string[]] : []));
        expect(won).to.have.length(1);
        const lost = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
        expect(lost.reason).to.have.property('code', 'CONFLICT');
        const stored = (await runs().listItems(A, run.id, { paging: { pageNum: 0, pageSize: 1000 } })).items.map((i) => i.key);
        expect(stored).to.have.members(won[0] as string[]);
        expect((await runs().get(A, run.id))?.counts.posted).to.equal(stored.length);
        await runs().close(A, run.id, at(2));
        await processAll(run);
        expect((await runs().finish(A, run.id, {}, at(20)))?.counts).to.deep.include({ posted: stored.length, processed: stored.length });
      });

      it('never completes a run while items a racing add counted are still New', async () => {
        const run = await runs().create(A, newRun({ open: true }), ['a'], at(0));
        await processAll(run);
        const closeAndFinish = async () => {
          await runs().close(A, run.id, at(1));
          return runs().finish(A, run.id, {}, at(2));
        };
        const [added, finished] = await Promise.all([runs().addItems(A, run.id, keys(200), at(1)).catch(() => undefined), closeAndFinish()]);
        const waiting = (await runs().listItems(A, run.id, { status: 'New', paging: PAGE })).totalItems;
        if (added !== undefined) expect(waiting).to.equal(200);
        if (waiting > 0) expect(finished?.status).to.equal(RUN_STATUS.Queued);
        await processAll(run);
        expect((await runs().finish(A, run.id, {}, at(20)))?.counts).to.deep.include({ posted: 1 + waiting, processed: 1 + waiting });
      });
    });

    describe(`a run of ${BIG_RUN_DEFAULT.toLocaleString('en')} listed items`, () => {
      it(`starts, completes every item (${(options.bigRunItems ?? BIG_RUN_DEFAULT).toLocaleString('en')} here), and is purged whole; its document stays small`, async function () {
        this.timeout(180_000);
        const listed = keys(options.bigRunItems ?? BIG_RUN_DEFAULT, 'csid-');
        const run = await runs().create(A, newRun({ invocation: { mode: 'list', docType: 'CollectionObject', listCSIDs: [], params: [] } }), listed, at(0));
        expect(run.counts.posted).to.equal(listed.length);
        await runs().start(A, run.id, at(1));
        for (;;) {
          const claimed = await runs().claim(A, run.id, { owner: 'w', limit: 10_000, leaseMs: LEASE, now: at(2) });
          if (claimed.length === 0) break;
          await runs().complete(A, run.id, 'w', claimed.map((item) => ({ seq: item.seq, status: 'Completed' as const })), at(3));
        }
        const done = await runs().finish(A, run.id, {}, at(4));
        expect(done?.status).to.equal(RUN_STATUS.Completed);
        expect(done?.counts).to.deep.include({ posted: listed.length, processed: listed.length, failed: 0 });
        // What every heartbeat, progress publish and finish reads: the same size for 400,000 items as for one.
        expect(JSON.stringify(done).length).to.be.below(2_000);
        const last = await runs().listItems(A, run.id, { paging: { pageNum: listed.length / 10 - 1, pageSize: 10 } });
        expect(last.items.map((item) => [item.seq, item.key])).to.deep.equal(listed.slice(-10).map((key, i) => [listed.length - 10 + i, key]));
        expect(await runs().purge(at(5))).to.equal(1);
        expect(await runs().get(A, run.id)).to.equal(undefined);
        expect(await runs().listActive()).to.deep.equal([]);
      });
    });

    describe('filling runs', () => {
      const filling = () => runs().create(A, newRun({ filling: true, expectedItems: 5 }), keys(2), at(0));
      const keysOf = async (run: Run) => (await runs().listItems(A, run.id, { paging: PAGE })).items.map((item) => `${item.seq}:${item.key}`);

      it('shows the expected count as posted, and cannot finish until filling ends', async () => {
        const run = await filling();
        expect(run).to.deep.include({ filling: true, counts: { posted: 5, processed: 0, failed: 0, affected: 0, cancelled: 0 } });
        await processAll(run);
        const unfinished = await runs().finish(A, run.id, {}, at(20));
        expect(unfinished).to.deep.include({ status: RUN_STATUS.Queued, filling: true });
        expect(unfinished?.counts.processed).to.equal(2);
      });

      it('appends keys after the run\'s items, in order, while the filler holds the lease; endFill sets posted to the items', async () => {
        const run = await filling();
        expect(await runs().fill(A, run.id, 'f', ['r2'], at(LEASE), at(1))).to.equal(undefined, 'no lease taken yet');
        expect(await runs().claimFill(A, run.id, 'f', at(LEASE), at(1))).to.equal(true);
        expect(await runs().fill(A, run.id, 'f', ['r2'], at(LEASE), at(2))).to.equal(1);
        expect(await runs().fill(A, run.id, 'f', ['r3'], at(LEASE), at(3))).to.equal(1);
        expect(await keysOf(run)).to.deep.equal(['0:r0', '1:r1', '2:r2', '3:r3']);
        expect((await runs().get(A, run.id))?.counts.posted).to.equal(5);

        const ended = await runs().endFill(A, run.id, 'f');
        expect(ended).to.deep.include({ filling: false });
        expect(ended?.counts.posted).to.equal(4);
        await processAll(run);
        expect((await runs().finish(A, run.id, {}, at(20)))?.status).to.equal(RUN_STATUS.Completed);
      });

      it('gives the fill lease to one owner at a time, and to another once it expired', async () => {
        const run = await filling();
        expect(await runs().claimFill(A, run.id, 'f1', at(LEASE), at(0))).to.equal(true);
        expect(await runs().claimFill(A, run.id, 'f2', at(LEASE + 100), at(10))).to.equal(false);
        expect(await runs().claimFill(A, run.id, 'f1', at(2 * LEASE), at(20)), 'the holder renews').to.equal(true);
        expect(await runs().claimFill(A, run.id, 'f2', at(3 * LEASE), at(2 * LEASE))).to.equal(true);
        expect(await runs().fill(A, run.id, 'f1', ['r9'], at(3 * LEASE), at(2 * LEASE)), 'the old holder is out').to.equal(undefined);
        expect(await runs().endFill(A, run.id, 'f1')).to.deep.include({ filling: true });
        expect(await runs().claimFill(B, run.id, 'f3', at(4 * LEASE), at(4 * LEASE)), "another tenant's run").to.equal(false);
      });

      it('stops filling a cancelled run, and a rerun of it fills again', async () => {
        const run = await filling();
        expect(await runs().claimFill(A, run.id, 'f', at(LEASE), at(0))).to.equal(true);
        await runs().cancel(A, run.id, at(1));
        expect(await runs().fill(A, run.id, 'f', ['r2'], at(LEASE), at(2))).to.equal(undefined);
        expect(await runs().claimFill(A, run.id, 'f', at(LEASE), at(2))).to.equal(false);
        const rerun = await runs().rerun(A, run.id, { onlyFailed: false }, at(3));
        expect(rerun).to.deep.include({ status: RUN_STATUS.Queued, filling: true });
        expect(await runs().claimFill(A, run.id, 'g', at(LEASE), at(4)), 'the cancelled filler left no lease behind').to.equal(true);
        expect(await runs().fill(A, run.id, 'g', ['r2'], at(LEASE), at(5))).to.equal(1);
      });

      it('is not filling unless created so', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        expect(run.filling).to.equal(false);
        expect(await runs().claimFill(A, run.id, 'f', at(LEASE), at(0))).to.equal(false);
      });
    });

    describe('runs.cancel', () => {
      it('cancels an active run once; a finished run cannot be cancelled', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        const cancelled = await runs().cancel(A, run.id, at(5));
        expect(cancelled).to.deep.include({ status: RUN_STATUS.Cancelled, completedAt: at(5) });
        await conflict(runs().cancel(A, run.id, at(6)));
        expect(await runs().cancel(A, 'unknown', at(6))).to.equal(undefined);
      });

      /** A run of 6 items: r0 Completed, r1 Failed, r2 and r3 Processing under two workers, r4 and r5 New. */
      async function cancelledMidway(): Promise<Run> {
        const run = await runs().create(A, newRun(), keys(6), at(0));
        await runs().start(A, run.id, at(1));
        const [r0, r1] = await runs().claim(A, run.id, { owner: 'w1', limit: 2, leaseMs: LEASE, now: at(2) });
        await runs().complete(A, run.id, 'w1', [{ seq: r0!.seq, status: 'Completed' }, { seq: r1!.seq, status: 'Failed', error: 'no' }], at(3));
        await runs().claim(A, run.id, { owner: 'w1', limit: 1, leaseMs: LEASE, now: at(4) });
        await runs().claim(A, run.id, { owner: 'w2', limit: 1, leaseMs: LEASE, now: at(4) });
        return (await runs().cancel(A, run.id, at(5)))!;
      }

      const statuses = async (run: Run) => (await runs().listItems(A, run.id, { paging: PAGE })).items.map((i) => `${i.key}:${i.status}`);

      it('ends every item not finished Cancelled, whoever holds it, and counts them apart from the processed', async () => {
        const run = await cancelledMidway();
        expect(run.status).to.equal(RUN_STATUS.Cancelled);
        expect(await runs().status(A, run.id)).to.equal(RUN_STATUS.Cancelled);
        expect(run.counts).to.deep.equal({ posted: 6, processed: 2, failed: 1, affected: 1, cancelled: 4 });
        expect(run.statusText).to.equal('Cancelled: 2 of 6 item(s) processed, 1 failed, 4 cancelled');
        expect(await statuses(run)).to.deep.equal(['r0:Completed', 'r1:Failed', 'r2:Cancelled', 'r3:Cancelled', 'r4:Cancelled', 'r5:Cancelled']);
        const cancelled = await runs().listItems(A, run.id, { status: 'Cancelled', paging: PAGE });
        expect(cancelled.totalItems).to.equal(4);
        expect(await runs().get(A, run.id)).to.deep.equal(run);
        expect(await runs().nextLeaseExpiry(A, run.id), 'no lease left to wait for').to.equal(undefined);
      });

      it('claims nothing once cancelled, not even items whose lease expired', async () => {
        const run = await cancelledMidway();
        expect(await runs().claim(A, run.id, { owner: 'w3', limit: 10, leaseMs: LEASE, now: at(6) })).to.deep.equal([]);
        expect(await runs().claim(A, run.id, { owner: 'w3', limit: 10, leaseMs: LEASE, now: at(10 * LEASE) })).to.deep.equal([]);
        expect(await runs().renewLeases(A, run.id, 'w1', at(2 * LEASE)), 'the holders hold nothing').to.deep.equal([]);
        expect(await runs().release(A, run.id, 'w2')).to.equal(0);
        expect(await statuses(run)).to.deep.equal(['r0:Completed', 'r1:Failed', 'r2:Cancelled', 'r3:Cancelled', 'r4:Cancelled', 'r5:Cancelled']);
      });

      it('drops an outcome written after the cancel for an item that was running, and its results', async () => {
        const run = await cancelledMidway();
        const none = { written: 0, requeued: 0 };
        expect(await runs().complete(A, run.id, 'w1', [{ seq: 2, status: 'Completed', note: 'late' }], at(6))).to.deep.equal(none);
        expect(await runs().complete(A, run.id, 'w2', [{ seq: 3, status: 'Failed', error: 'late' }], at(6))).to.deep.equal(none);
        const after = await runs().get(A, run.id);
        expect(after?.counts).to.deep.equal(run.counts);
        const [r2] = (await runs().listItems(A, run.id, { status: 'Cancelled', paging: PAGE })).items;
        expect(r2).to.deep.include({ key: 'r2', status: 'Cancelled' });
        expect(r2?.note).to.equal(undefined);

        const whole = await runs().create(A, newRun(), ['*'], at(0));
        const [item] = await runs().claim(A, whole.id, { owner: 'w1', limit: 1, leaseMs: LEASE, now: at(1) });
        await runs().cancel(A, whole.id, at(2));
        expect(await runs().complete(A, whole.id, 'w1', [{ seq: item!.seq, status: 'Completed', results: { userNote: 'late' } }], at(3))).to.deep.equal(none);
        expect(await runs().results(A, whole.id)).to.equal(undefined);
        expect((await runs().get(A, whole.id))?.counts).to.deep.include({ processed: 0, cancelled: 1 });
      });

      it('queues the cancelled items again on a failed-only rerun (they never finished), every item on a whole one', async () => {
        const run = await cancelledMidway();
        const failedOnly = await runs().rerun(A, run.id, { onlyFailed: true }, at(10));
        expect(failedOnly).to.deep.include({ status: RUN_STATUS.Queued, reruns: 1 });
        expect(failedOnly?.counts).to.deep.equal({ posted: 6, processed: 1, failed: 0, affected: 1, cancelled: 0 });
        const claimed = await runs().claim(A, run.id, { owner: 'w3', limit: 10, leaseMs: LEASE, now: at(11) });
        expect(claimed.map((i) => [i.key, i.attempts])).to.deep.equal([
          ['r1', 1],
          ['r2', 1],
          ['r3', 1],
          ['r4', 1],
          ['r5', 1],
        ]);
        await runs().cancel(A, run.id, at(12));
        const whole = await runs().rerun(A, run.id, { onlyFailed: false }, at(13));
        expect(whole?.counts).to.deep.equal({ posted: 6, processed: 0, failed: 0, affected: 0, cancelled: 0 });
        expect((await runs().listItems(A, run.id, { status: 'New', paging: PAGE })).totalItems).to.equal(6);
      });
    });

    describe('run log', () => {
      const line = (itemKey: string, level: RunLogEntry['level'], message: string, fields?: Record<string, unknown>): RunLogEntry => ({
        itemKey,
        attempt: 1,
        level,
        message,
        ...(fields !== undefined && { fields }),
        at: at(5),
      });
      const messages = async (run: Run, query: Parameters<RunStore['log']>[2] = {}, paging = PAGE) =>
        (await runs().log(A, run.id, query, paging))?.items.map((l) => [l.line, l.itemKey, l.level, l.message]);

      it("keeps the lines of the outcomes it writes, numbered in order, and filters them by level, item and line", async () => {
        const run = await runs().create(A, newRun(), ['x', 'y'], at(0));
        const [x, y] = await runs().claim(A, run.id, { owner: 'w', limit: 2, leaseMs: LEASE, now: at(1) });
        await runs().complete(A, run.id, 'w', [{ seq: x!.seq, status: 'Completed', log: [line('x', 'info', 'read x', { n: 1, 'a.b': '$c' }), line('x', 'debug', 'detail')] }], at(2));
        await runs().complete(A, run.id, 'w', [{ seq: y!.seq, status: 'Failed', error: 'no', log: [line('y', 'error', 'y broke')] }], at(3));
        const page = await runs().log(A, run.id, {}, PAGE);
        expect(page).to.deep.include({ totalItems: 3, kept: 3, dropped: 0 });
        expect(page!.items[0]).to.deep.equal({ line: 1, itemKey: 'x', attempt: 1, level: 'info', message: 'read x', fields: { n: 1, 'a.b': '$c' }, at: at(5) });
        expect(await messages(run)).to.deep.equal([
          [1, 'x', 'info', 'read x'],
          [2, 'x', 'debug', 'detail'],
          [3, 'y', 'error', 'y broke'],
        ]);
        expect(await messages(run, { level: 'info' }), 'a level and those above it').to.deep.equal([
          [1, 'x', 'info', 'read x'],
          [3, 'y', 'error', 'y broke'],
        ]);
        expect(await messages(run, { itemKey: 'x', level: 'debug' })).to.deep.equal([
          [1, 'x', 'info', 'read x'],
          [2, 'x', 'debug', 'detail'],
        ]);
        expect(await messages(run, { afterLine: 2 })).to.deep.equal([[3, 'y', 'error', 'y broke']]);
        expect(await messages(run, {}, { pageNum: 1, pageSize: 2 })).to.deep.equal([[3, 'y', 'error', 'y broke']]);
        expect(await runs().log(B, run.id, {}, PAGE), "another tenant's run").to.equal(undefined);
      });

      it('keeps no line of an outcome the lease guard refuses, nor of an item the cancel ended', async () => {
        const run = await runs().create(A, newRun(), ['x', 'y'], at(0));
        const [x] = await runs().claim(A, run.id, { owner: 'w', limit: 1, leaseMs: LEASE, now: at(1) });
        await runs().complete(A, run.id, 'other', [{ seq: x!.seq, status: 'Completed', log: [line('x', 'info', 'not mine')], logDropped: 4 }], at(2));
        await runs().cancel(A, run.id, at(3));
        await runs().complete(A, run.id, 'w', [{ seq: x!.seq, status: 'Completed', log: [line('x', 'info', 'too late')] }], at(4));
        expect(await runs().log(A, run.id, {}, PAGE)).to.deep.include({ totalItems: 0, kept: 0, dropped: 0 });
      });

      it("clears the log on a rerun, and reports an unknown run's log as undefined", async () => {
        const run = await runs().create(A, newRun(), ['x'], at(0));
        const [x] = await runs().claim(A, run.id, { owner: 'w', limit: 1, leaseMs: LEASE, now: at(1) });
        await runs().complete(A, run.id, 'w', [{ seq: x!.seq, status: 'Failed', error: 'no', log: [line('x', 'warn', 'first pass')] }], at(2));
        await runs().finish(A, run.id, {}, at(3));
        await runs().rerun(A, run.id, { onlyFailed: true }, at(4));
        expect(await runs().log(A, run.id, {}, PAGE)).to.deep.include({ totalItems: 0, kept: 0, dropped: 0 });
        const [again] = await runs().claim(A, run.id, { owner: 'w', limit: 1, leaseMs: LEASE, now: at(5) });
        await runs().complete(A, run.id, 'w', [{ seq: again!.seq, status: 'Completed', log: [line('x', 'info', 'second pass')] }], at(6));
        expect(await messages(run)).to.deep.equal([[1, 'x', 'info', 'second pass']]);
        expect(await runs().log(A, 'no-such-run', {}, PAGE)).to.equal(undefined);
      });

      it('keeps at most the configured lines per run and counts the rest, with those items dropped, as dropped', async () => {
        const small = await options.create(`${testName} small`, { now: () => at(0), runs: { logLines: 3 } });
        try {
          const run = await small.runs.create(A, newRun(), ['x', 'y'], at(0));
          const [x, y] = await small.runs.claim(A, run.id, { owner: 'w', limit: 2, leaseMs: LEASE, now: at(1) });
          const lines = (key: string, n: number) => Array.from({ length: n }, (_, i) => line(key, 'info', `${key}${i}`));
          await small.runs.complete(A, run.id, 'w', [{ seq: x!.seq, status: 'Completed', log: lines('x', 2) }], at(2));
          await small.runs.complete(A, run.id, 'w', [{ seq: y!.seq, status: 'Completed', log: lines('y', 3), logDropped: 5 }], at(3));
          const page = await small.runs.log(A, run.id, {}, PAGE);
          expect(page).to.deep.include({ totalItems: 3, kept: 3, dropped: 7 });
          expect(page!.items.map((l) => l.message)).to.deep.equal(['x0', 'x1', 'y0']);
        } finally {
          await options.dispose(small, { testName: `${testName} small`, failed: false });
        }
      });
    });

    describe('runs.rerun', () => {
      it('reruns only the failed items, keeping the completed ones and their counts', async () => {
        const run = await runs().create(A, newRun(), keys(4), at(0));
        await runs().start(A, run.id, at(1));
        await processAll(run, (key) => key === 'r1' || key === 'r2');
        await runs().finish(A, run.id, {}, at(20));
        const again = await runs().rerun(A, run.id, { onlyFailed: true }, at(30));
        expect(again).to.deep.include({ status: RUN_STATUS.Queued, reruns: 1 });
        expect(again?.counts).to.deep.equal({ posted: 4, processed: 2, failed: 0, affected: 2, cancelled: 0 });
        const claimed = await runs().claim(A, run.id, { owner: 'w', limit: 10, leaseMs: LEASE, now: at(31) });
        expect(claimed.map((i) => [i.key, i.attempts])).to.deep.equal([
          ['r1', 1],
          ['r2', 1],
        ]);
      });

      it('reruns every item of a whole rerun, and refuses an active or non-rerunnable run', async () => {
        const run = await runs().create(A, newRun(), keys(2), at(0));
        await conflict(runs().rerun(A, run.id, { onlyFailed: false }, at(1)));
        await runs().start(A, run.id, at(1));
        await processAll(run);
        await runs().finish(A, run.id, {}, at(20));
        const again = await runs().rerun(A, run.id, { onlyFailed: false }, at(30));
        expect(again?.counts).to.deep.equal({ posted: 2, processed: 0, failed: 0, affected: 0, cancelled: 0 });
        expect(again?.completedAt).to.equal(undefined);
        expect((await runs().listItems(A, run.id, { status: 'New', paging: PAGE })).totalItems).to.equal(2);

        const fixed = await runs().create(A, newRun({ rerunnable: false }), ['x'], at(0));
        await runs().cancel(A, fixed.id, at(1));
        const error = await conflict(runs().rerun(A, fixed.id, { onlyFailed: false }, at(2)));
        expect(error.message).to.match(/does not allow reruns/);
      });

      it('is never finished again by a session ending while the rerun is under way', async () => {
        const run = await runs().create(A, newRun(), keys(300), at(0));
        await runs().start(A, run.id, at(1));
        await processAll(run);
        await runs().finish(A, run.id, {}, at(20));
        // A session ending now calls finish, as often as it can while the rerun goes on. (The window this guards, a
        // Queued run whose items were not reset yet, is a few round trips wide: the race is not hit on every run.)
        let rerunning = true;
        const rerun = runs()
          .rerun(A, run.id, { onlyFailed: false }, at(30))
          .finally(() => (rerunning = false));
        while (rerunning) await runs().finish(A, run.id, {}, at(31));
        await rerun;
        const after = await runs().finish(A, run.id, {}, at(32));
        expect(after).to.deep.include({ status: RUN_STATUS.Queued, reruns: 1 });
        expect(after?.counts).to.deep.include({ posted: 300, processed: 0 });
        expect((await runs().listItems(A, run.id, { status: 'New', paging: PAGE })).totalItems).to.equal(300);
      });
    });

    describe('leases: renew and release', () => {
      it('renews the leases an owner holds and releases them back to New, to be claimed again', async () => {
        const run = await runs().create(A, newRun(), keys(3), at(0));
        await runs().claim(A, run.id, { owner: 'w', limit: 2, leaseMs: LEASE, now: at(0) });
        expect(await runs().renewLeases(A, run.id, 'w', at(5000))).to.have.members([0, 1]);
        expect(await runs().claim(A, run.id, { owner: 'x', limit: 5, leaseMs: LEASE, now: at(4000) })).to.have.length(1);
        expect(await runs().release(A, run.id, 'w')).to.equal(2);
        const news = await runs().listItems(A, run.id, { status: 'New', paging: PAGE });
        expect(news.items.map((i) => [i.key, i.attempts])).to.deep.equal([
          ['r0', 0],
          ['r1', 0],
        ]);
        const again = await runs().claim(A, run.id, { owner: 'y', limit: 5, leaseMs: LEASE, now: at(4001) });
        expect(again.map((i) => i.key), 'the released items are claimed again, though a later one was claimed after them').to.deep.equal(['r0', 'r1']);
      });
    });

    describe('ordered runs: after, afterDocTypes, resolveWait, waitingFor, followers', () => {
      const typed = (docType: string, overrides: Partial<NewRun> = {}) => newRun({ invocation: { ...newRun().invocation, docType }, ...overrides });
      /** A run taken to Completed (or CompletedWithErrors when an item fails). */
      async function complete(run: Run, fail = false): Promise<void> {
        await runs().start(A, run.id, at(1));
        await processAll(run, () => fail);
        await runs().finish(A, run.id, {}, at(20));
      }
      async function rejection(promise: Promise<unknown>): Promise<DomainError> {
        try {
          await promise;
        } catch (error) {
          expect(error).to.be.instanceOf(DomainError);
          return error as DomainError;
        }
        throw new Error('expected the promise to reject');
      }

      it('stores a run Waiting while a run it names is active, claims none of its items, and starts it once that one ended', async () => {
        const block = await runs().create(A, typed('Block'), ['b1'], at(0));
        const customer = await runs().create(A, typed('Customer', { after: [block.id] }), ['c1'], at(1));
        expect(customer).to.deep.include({ status: RUN_STATUS.Waiting, after: [block.id], afterFailure: 'fail' });
        expect(customer.statusText).to.equal('Waiting for the runs it follows to end (1 item(s))');
        expect(await runs().get(A, customer.id)).to.deep.equal(customer);
        expect(await runs().waitingFor(A, customer.id)).to.deep.equal([block.id]);
        expect(await runs().followers(A, block.id)).to.deep.equal([customer.id]);
        expect(await runs().claim(A, customer.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(2) }), 'no claim while waiting').to.deep.equal([]);
        expect((await runs().start(A, customer.id, at(2)))?.status, 'no start while waiting').to.equal(RUN_STATUS.Waiting);
        expect((await runs().resolveWait(A, customer.id, at(3)))?.status, 'still waiting').to.equal(RUN_STATUS.Waiting);
        const empty = await runs().create(A, typed('Customer', { after: [block.id] }), [], at(1));
        expect((await runs().finish(A, empty.id, {}, at(3)))?.status, 'no work left, but not started: not finished').to.equal(RUN_STATUS.Waiting);
        await runs().cancel(A, empty.id, at(3));
        expect((await runs().list(A, { status: RUN_STATUS.Waiting, paging: PAGE })).items.map((r) => r.id)).to.deep.equal([customer.id]);
        expect((await runs().list(A, { activeOnly: true, paging: PAGE })).totalItems, 'a waiting run is active').to.equal(2);
        expect((await runs().listActive()).map((r) => r.id).sort()).to.deep.equal([block.id, customer.id].sort());

        await complete(block, true);
        expect(await runs().waitingFor(A, customer.id)).to.deep.equal([]);
        const started = await runs().resolveWait(A, customer.id, at(30));
        expect(started, 'CompletedWithErrors counts as ended well').to.deep.include({ status: RUN_STATUS.Queued, statusText: 'Queued (1 item(s))' });
        expect(await runs().followers(A, block.id), 'only waiting runs follow').to.deep.equal([]);
        expect(await runs().claim(A, customer.id, { owner: 'w', limit: 5, leaseMs: LEASE, now: at(31) })).to.have.length(1);
      });

      it("fails a run whose followed run failed or was cancelled, naming it, under 'fail'; starts it under 'start'", async () => {
        const block = await runs().create(A, typed('Block'), ['b1'], at(0));
        const strict = await runs().create(A, typed('Customer', { after: [block.id] }), ['c1'], at(1));
        const lenient = await runs().create(A, typed('Customer', { after: [block.id], afterFailure: 'start' }), ['c1'], at(2));
        expect((await runs().followers(A, block.id)).sort()).to.deep.equal([strict.id, lenient.id].sort());
        await runs().cancel(A, block.id, at(10));
        const failed = await runs().resolveWait(A, strict.id, at(11));
        expect(failed).to.deep.include({
          status: RUN_STATUS.Failed,
          completedAt: at(11),
          statusText: `Failed: run '${block.id}', which this run follows, ended Cancelled; its items were not run`,
        });
        expect((await runs().listItems(A, strict.id, { paging: PAGE })).items.map((i) => i.status)).to.deep.equal(['New']);
        expect((await runs().resolveWait(A, lenient.id, at(12)))?.status).to.equal(RUN_STATUS.Queued);
        expect((await runs().resolveWait(A, strict.id, at(13)))?.statusText, 'decided once').to.include('ended Cancelled');

        const afterFailed = await runs().create(A, typed('Customer', { after: [block.id] }), ['c2'], at(14));
        expect(afterFailed, 'following a run already failed: decided at once').to.deep.include({ status: RUN_STATUS.Failed, completedAt: at(14) });
      });

      it('follows the active runs of earlier doc types in the tenant (any case), oldest first, after the runs named', async () => {
        const chain = await runs().create(A, typed('chain'), ['x'], at(0));
        const block = await runs().create(A, typed('BLOCK'), ['x'], at(1));
        const done = await runs().create(A, typed('Block'), ['x'], at(2));
        await complete(done);
        await runs().create(B, typed('Block'), ['x'], at(3));
        await runs().create(A, typed('Customer'), ['x'], at(4));
        const named = await runs().create(A, typed('Other'), ['x'], at(5));
        const customer = await runs().create(A, typed('Customer', { after: [named.id, block.id], afterDocTypes: ['Block', 'Chain'] }), ['x'], at(6));
        expect(customer.after, 'named first, then the order adds those not named').to.deep.equal([named.id, block.id, chain.id]);
        expect(customer.status).to.equal(RUN_STATUS.Waiting);
        const unordered = await runs().create(A, typed('Customer', { afterDocTypes: ['Wholesaler'] }), ['x'], at(7));
        expect(unordered).to.deep.include({ status: RUN_STATUS.Queued, after: [] });
      });

      it("refuses a run naming a run not stored in its tenant, and more than MAX_FOLLOWED_RUNS runs, storing nothing", async () => {
        const other = await runs().create(B, typed('Block'), ['x'], at(0));
        const own = await runs().create(A, typed('Block'), ['x'], at(0));
        const error = await rejection(runs().create(A, typed('Customer', { after: [own.id, other.id, 'nope'] }), ['x'], at(1)));
        expect(error.code).to.equal('NOT_FOUND');
        expect(error.message).to.equal(`A run to follow was not found in this tenant: '${other.id}', 'nope'`);
        const many = [];
        for (let i = 0; i < MAX_FOLLOWED_RUNS; i += 1) many.push((await runs().create(A, typed('Block'), ['x'], at(2))).id);
        await conflict(runs().create(A, typed('Customer', { after: [own.id], afterDocTypes: ['Block'] }), ['x'], at(3)));
        expect((await runs().list(A, { paging: PAGE })).totalItems, 'nothing stored').to.equal(MAX_FOLLOWED_RUNS + 1);
        expect((await runs().create(A, typed('Customer', { after: many }), ['x'], at(3))).after).to.deep.equal(many);
      });

      it('cancels a waiting run; a rerun waits again while a run it follows is active, and a run gone counts as ended', async () => {
        const block = await runs().create(A, typed('Block'), ['b1'], at(0));
        const customer = await runs().create(A, typed('Customer', { after: [block.id] }), ['c1'], at(1));
        expect((await runs().cancel(A, customer.id, at(2)))?.status).to.equal(RUN_STATUS.Cancelled);
        expect(await runs().followers(A, block.id)).to.deep.equal([]);
        const rerun = await runs().rerun(A, customer.id, { onlyFailed: false }, at(3));
        expect(rerun).to.deep.include({ status: RUN_STATUS.Waiting, after: [block.id] });
        expect(rerun?.completedAt).to.equal(undefined);
        expect(await runs().followers(A, block.id)).to.deep.equal([customer.id]);
        await complete(block);
        expect((await runs().resolveWait(A, customer.id, at(30)))?.status).to.equal(RUN_STATUS.Queued);

        await runs().cancel(A, customer.id, at(31));
        expect(await runs().purge(at(100))).to.equal(2);
        const gone = await runs().create(A, typed('Block'), ['x'], at(101));
        const follower = await runs().create(A, typed('Customer', { after: [gone.id] }), ['x'], at(102));
        await runs().cancel(A, gone.id, at(103));
        expect(await runs().purge(at(200))).to.equal(1);
        expect(await runs().waitingFor(B, follower.id), 'another tenant').to.deep.equal([]);
        expect((await runs().resolveWait(A, follower.id, at(201)))?.status, 'a purged run ended long ago').to.equal(RUN_STATUS.Queued);
      });

      it("answers who created the runs named, of the tenant only, a purged or unknown one left out", async () => {
        const alice = await runs().create(A, newRun({ createdBy: 'alice' }), ['x'], at(0));
        const bob = await runs().create(A, newRun({ createdBy: 'bob' }), ['x'], at(0));
        const elsewhere = await runs().create(B, newRun({ createdBy: 'carol' }), ['x'], at(0));
        const creators = await runs().creators(A, [bob.id, alice.id, elsewhere.id, 'nope']);
        expect([...creators.entries()].sort()).to.deep.equal([[alice.id, 'alice'], [bob.id, 'bob']].sort());
        expect(await runs().creators(A, [])).to.deep.equal(new Map());
        await runs().cancel(A, bob.id, at(1));
        expect(await runs().purge(at(100))).to.equal(1);
        expect([...(await runs().creators(A, [alice.id, bob.id])).keys()], 'purged').to.deep.equal([alice.id]);
      });
    });

    describe('runs.listActive and purge', () => {
      it('lists active runs of every tenant, and purges finished runs completed before a date', async () => {
        const active = await runs().create(A, newRun(), ['x'], at(0));
        const other = await runs().create(B, newRun(), ['x'], at(0));
        const old = await runs().create(A, newRun(), ['x'], at(0));
        const recent = await runs().create(A, newRun(), ['x'], at(0));
        await runs().cancel(A, old.id, at(100));
        await runs().cancel(A, recent.id, at(300));
        const listed = (await runs().listActive()).map((r) => `${r.tenant}/${r.id}`).sort();
        expect(listed).to.deep.equal([`${A}/${active.id}`, `${B}/${other.id}`].sort());
        expect(await runs().purge(at(200))).to.equal(1);
        expect(await runs().get(A, old.id)).to.equal(undefined);
        expect((await runs().listItems(A, old.id, { paging: PAGE })).totalItems).to.equal(0);
        expect(await runs().get(A, recent.id)).to.not.equal(undefined);
        expect(await runs().get(A, active.id)).to.not.equal(undefined);
      });
    });
  });
}
