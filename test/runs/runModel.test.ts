import { expect } from 'chai';
import {
  canTransition,
  finalStatusFor,
  FINAL_RUN_STATUSES,
  isFinalItemStatus,
  isFinalRunStatus,
  isItemStatus,
  isRunStatus,
  itemErrorMap,
  leaseHeld,
  percentCompleted,
  purgeAtFor,
  retryDelayMs,
  RUN_STATUS,
  RUN_STATUSES,
  statusTextFor,
  waitDecision,
  type RunCounts,
  type RunId,
  type RunItem,
} from '../../src/domain/runs.js';

const counts = (posted: number, processed: number, failed = 0, cancelled = 0): RunCounts => ({
  posted,
  processed,
  failed,
  affected: processed - failed,
  cancelled,
});

describe('run model', () => {
  describe('status machine', () => {
    it('moves Queued → InProgress → a final status, and only rerun leaves a final status (to Queued, or what its followed runs make it)', () => {
      expect(canTransition('Queued', 'InProgress')).to.equal(true);
      expect(canTransition('InProgress', 'Completed')).to.equal(true);
      expect(canTransition('InProgress', 'CompletedWithErrors')).to.equal(true);
      expect(canTransition('Queued', 'Cancelled')).to.equal(true);
      expect(canTransition('InProgress', 'Queued')).to.equal(false);
      expect(canTransition('Queued', 'Completed')).to.equal(false);
      for (const final of FINAL_RUN_STATUSES) {
        expect(isFinalRunStatus(final)).to.equal(true);
        expect(RUN_STATUSES.filter((to) => canTransition(final, to))).to.deep.equal(['Waiting', 'Queued', 'Failed']);
      }
      expect(isFinalRunStatus('InProgress')).to.equal(false);
    });

    it('leaves Waiting only to start (Queued), to fail by its rule, or when cancelled; no worker starts it', () => {
      expect(RUN_STATUSES.filter((to) => canTransition('Waiting', to))).to.deep.equal(['Queued', 'Failed', 'Cancelled']);
      expect(isFinalRunStatus('Waiting')).to.equal(false);
      expect(canTransition('Queued', 'Waiting')).to.equal(false);
      expect(canTransition('InProgress', 'Waiting')).to.equal(false);
    });
  });

  describe('waitDecision', () => {
    const a = 'run-a' as RunId;
    const b = 'run-b' as RunId;

    it('waits while a followed run is active, naming the active ones in order', () => {
      for (const active of ['Waiting', 'Queued', 'InProgress'] as const) {
        expect(waitDecision([{ id: a, status: 'Failed' }, { id: b, status: active }], 'fail')).to.deep.equal({ status: 'Waiting', waitingFor: [b] });
      }
    });

    it('starts once every followed run ended well (CompletedWithErrors too: its items were processed) or is gone', () => {
      const ended = [
        { id: a, status: 'Completed' as const },
        { id: b, status: 'CompletedWithErrors' as const },
        { id: 'purged' as RunId, status: undefined },
      ];
      expect(waitDecision(ended, 'fail')).to.deep.equal({ status: 'Queued' });
      expect(waitDecision([], 'fail')).to.deep.equal({ status: 'Queued' });
    });

    it("fails naming the first followed run that failed or was cancelled under 'fail', and starts anyway under 'start'", () => {
      const followed = [
        { id: a, status: 'Completed' as const },
        { id: b, status: 'Cancelled' as const },
      ];
      const decision = waitDecision(followed, 'fail');
      expect(decision.status).to.equal('Failed');
      expect(decision.status === 'Failed' && decision.statusText).to.equal(
        "Failed: run 'run-b', which this run follows, ended Cancelled; its items were not run",
      );
      expect(waitDecision([{ id: a, status: 'Failed' }], 'start')).to.deep.equal({ status: 'Queued' });
    });

    it('recognises statuses and final item statuses', () => {
      expect(isRunStatus('CompletedWithErrors')).to.equal(true);
      expect(isRunStatus('Done')).to.equal(false);
      expect(isItemStatus('Processing')).to.equal(true);
      expect(isItemStatus('Queued')).to.equal(false);
      expect(isFinalItemStatus('Completed')).to.equal(true);
      expect(isFinalItemStatus('Failed')).to.equal(true);
      expect(isFinalItemStatus('Cancelled')).to.equal(true);
      expect(isFinalItemStatus('Processing')).to.equal(false);
      expect(isItemStatus('Cancelled')).to.equal(true);
    });
  });

  describe('derived state', () => {
    it('computes percentCompleted rounded down, 100 only when all are processed', () => {
      expect(percentCompleted(counts(200, 0))).to.equal(0);
      expect(percentCompleted(counts(200, 1))).to.equal(0);
      expect(percentCompleted(counts(3, 2))).to.equal(66);
      expect(percentCompleted(counts(1000, 999))).to.equal(99);
      expect(percentCompleted(counts(200, 200))).to.equal(100);
      expect(percentCompleted(counts(0, 0))).to.equal(0);
      expect(percentCompleted(counts(0, 0), RUN_STATUS.Completed)).to.equal(100);
    });

    it('reaches Completed when every item succeeded, CompletedWithErrors when one failed, nothing while work is left', () => {
      expect(finalStatusFor(counts(200, 200), false)).to.equal('Completed');
      expect(finalStatusFor(counts(200, 200, 1), false)).to.equal('CompletedWithErrors');
      expect(finalStatusFor(counts(200, 199), false)).to.equal(undefined);
      expect(finalStatusFor(counts(2, 2), true)).to.equal(undefined);
      expect(finalStatusFor(counts(0, 0), false)).to.equal('Completed');
    });

    it('words the status with the counts', () => {
      expect(statusTextFor('InProgress', counts(10, 4, 1))).to.equal('In progress: 4 of 10 item(s) processed, 1 failed');
      expect(statusTextFor('Queued', counts(3, 0), true)).to.equal('Queued; accepting items (3 posted)');
      expect(statusTextFor('CompletedWithErrors', counts(2, 2, 1))).to.equal('Completed with errors: 2 of 2 item(s) processed, 1 failed');
      expect(statusTextFor('Cancelled', counts(10, 3, 1, 7))).to.equal('Cancelled: 3 of 10 item(s) processed, 1 failed, 7 cancelled');
    });

    it('takes the clock as a parameter for leases and purge times', () => {
      const now = new Date('2024-01-01T00:00:00Z');
      expect(leaseHeld(new Date('2024-01-01T00:00:01Z'), now)).to.equal(true);
      expect(leaseHeld(now, now)).to.equal(false);
      expect(leaseHeld(undefined, now)).to.equal(false);
      expect(purgeAtFor(now, 86_400_000)?.toISOString()).to.equal('2024-01-02T00:00:00.000Z');
      expect(purgeAtFor(now, 0)).to.equal(undefined);
      expect(purgeAtFor(undefined, 1000)).to.equal(undefined);
    });

    it('doubles the retry delay per attempt, capped', () => {
      expect([1, 2, 3, 4].map((attempt) => retryDelayMs(attempt, 100))).to.deep.equal([100, 200, 400, 800]);
      expect(retryDelayMs(30, 100, 5000)).to.equal(5000);
      expect(retryDelayMs(3, 0)).to.equal(0);
    });

    it('maps failed items to their errors, at most a limit of them', () => {
      const item = (seq: number, status: RunItem['status'], error?: string): RunItem => ({
        runId: 'r' as RunId,
        seq,
        key: `k${seq}`,
        status,
        attempts: 1,
        updatedAt: new Date(0),
        ...(error !== undefined && { error }),
      });
      const items = [item(0, 'Completed'), item(1, 'Failed', 'bad'), item(2, 'Failed'), item(3, 'Failed', 'worse')];
      expect(itemErrorMap(items)).to.deep.equal({ k1: 'bad', k2: 'failed', k3: 'worse' });
      expect(itemErrorMap(items, 1)).to.deep.equal({ k1: 'bad' });
    });
  });
});
