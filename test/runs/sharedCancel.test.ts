/**
 * Cancel means stop, across processes: the real service as three child processes on one temp DATA_DIR (one serving
 * the API only, two working on runs), a 3,000-item run whose plugin takes a few milliseconds per item, cancelled
 * through the API while both workers work on it. The cancel is made in the API process, so each worker can only
 * learn of it from the store.
 *
 * The fixture plugin logs each item's start (time, pid, csid) to a file, so the test sees what started after the
 * cancel answered, and notes the pid on each item it completes. Its items wait until both workers have started one,
 * so that a worker slow to join (a loaded machine, a slow store) finds the run still going rather than finished.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { childSandbox, type ChildSandbox, type ChildService } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 3_000;
const ITEM_MS = 40;
const HEARTBEAT_MS = 2_000;
/**
 * How late an item may still start in a worker after that worker learned of the cancel (it logs so): an item it
 * handed to the plugin just before. A worker learns at its next look at the run's status between items (every
 * 100 ms; a heartbeat is 2 s here, a claimed batch 256 items: about 1.3 s of work per worker), a store read whose
 * time is the store's speed, so the grace counts from when the worker learned, not from when the cancel answered.
 */
const START_GRACE_MS = 500;
const LEARNED_CANCEL = '"msg":"run cancelled elsewhere: its items stop here"';

interface Start {
  at: number;
  pid: string;
  csid: string;
}

describe('a run cancelled while two worker processes work on it', function () {
  this.timeout(120_000);
  let sandbox: ChildSandbox;
  let startLog: string;

  before(async () => {
    sandbox = await childSandbox('invocables-cancel-', ['pid-note-items.js']);
    startLog = path.join(sandbox.dir, 'starts.log');
  });

  after(async function () {
    await sandbox.cleanup(this.currentTest?.state === 'failed');
  });

  async function starts(): Promise<Start[]> {
    const text = await readFile(startLog, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [at, pid, csid] = line.split(' ');
        return { at: Number(at), pid: pid!, csid: csid! };
      });
  }

  const runOf = async (api: ChildService, location: string) => ((await (await sandbox.request(api, location)).json()) as any)['ns2:run'];
  const counts = (run: any) => ({
    posted: Number(run.noOfItemsPosted),
    processed: Number(run.noOfItemsProcessed),
    failed: Number(run.noOfItemsFailed),
    cancelled: Number(run.noOfItemsCancelled),
  });

  it('stops everywhere once the cancel answered: no item starts or completes after, every item ends, the counts add up; a failed-only rerun finishes it', async () => {
    await sandbox.seedRecords(ITEMS);
    const env = sandbox.env({
      MAX_RUN_ITEMS: String(ITEMS),
      // Every item is stored with the run: the counts are checked against items that all exist from the start.
      RUN_FIRST_ITEMS: String(ITEMS),
      RUN_POLL_MS: '100',
      RUN_HEARTBEAT_MS: String(HEARTBEAT_MS),
      PID_NOTE_ITEM_MS: String(ITEM_MS),
      PID_NOTE_START_LOG: startLog,
      // Items wait until both workers have started one: the run cannot end before the second worker joins it.
      PID_NOTE_HOLD_FOR_PIDS: '2',
    });
    const api = await sandbox.start({ ...env, RUN_ROLE: 'api' });
    const workers = await Promise.all([sandbox.start({ ...env, RUN_ROLE: 'worker' }), sandbox.start({ ...env, RUN_ROLE: 'worker' })]);
    const workerPids = workers.map((worker) => String(worker.child.pid)).sort();
    const location = await sandbox.startRunOverAll(api, 'test.PidNoteItems');

    // Both workers have items recorded as completed (starting items is not enough: a worker's outcomes are written
    // in batches), and some items are: a cancel mid-run.
    const completedBy = async () => new Set((await sandbox.items(api, location, 'Completed')).map((item) => item.note as string));
    await waitFor('both workers to complete items', async () => ((await completedBy()).size === 2 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    await waitFor('some items to be recorded', async () => (counts(await runOf(api, location)).processed >= 300 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    const answer = await sandbox.request(api, `${location}/cancel`, { method: 'POST' });
    const answeredAt = Date.now();
    expect(answer.status).to.equal(200);
    const cancelled = ((await answer.json()) as any)['ns2:run'];
    const atCancel = counts(cancelled);
    expect(cancelled.status).to.equal('Cancelled');
    expect(atCancel.processed, 'the cancel came mid-run').to.be.below(ITEMS);
    expect(atCancel, 'every item is processed or cancelled, at once').to.deep.equal({
      posted: ITEMS,
      processed: ITEMS - atCancel.cancelled,
      failed: 0,
      cancelled: ITEMS - atCancel.processed,
    });

    // A couple of heartbeats: the workers' items in flight end, and nothing they report is recorded.
    const until = Date.now() + 2 * HEARTBEAT_MS + 500;
    while (Date.now() < until) {
      expect(counts(await runOf(api, location)), 'counts after the cancel answered').to.deep.equal(atCancel);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const learnedAt = new Map(
      workers.map((worker) => {
        const line = worker.output().split('\n').find((entry) => entry.includes(LEARNED_CANCEL));
        const learned = line === undefined ? answeredAt : Date.parse((JSON.parse(line) as { time: string }).time);
        return [String(worker.child.pid), Math.max(answeredAt, learned)];
      }),
    );
    const late = (await starts()).filter((start) => start.at > (learnedAt.get(start.pid) ?? answeredAt) + START_GRACE_MS);
    expect(late, `items started more than ${START_GRACE_MS} ms after their worker learned of the cancel`).to.deep.equal([]);

    const items = await sandbox.items(api, location);
    expect(items).to.have.length(ITEMS);
    const byStatus = new Map<string, number>();
    for (const item of items) byStatus.set(item.status, (byStatus.get(item.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus), 'items by status').to.deep.equal({ Completed: atCancel.processed, Cancelled: atCancel.cancelled });
    const completedBefore = new Set(items.filter((item) => item.status === 'Completed').map((item) => item.csid as string));
    const notes = new Set(items.filter((item) => item.status === 'Completed').map((item) => item.note as string));
    expect([...notes].sort(), 'processes that completed items').to.deep.equal(workerPids);

    // The cancelled items never finished: a failed-only rerun queues them (and only them) again.
    const rerun = await sandbox.request(api, `${location}/rerun?only=failed`, { method: 'POST' });
    expect(rerun.status).to.equal(202);
    expect(counts(((await rerun.json()) as any)['ns2:run'])).to.deep.equal({ ...atCancel, cancelled: 0 });
    const done = await sandbox.finishedRun(api, location, 60_000);
    expect(done.status).to.equal('Completed');
    expect(counts(done)).to.deep.equal({ posted: ITEMS, processed: ITEMS, failed: 0, cancelled: 0 });
    expect((await sandbox.items(api, location, 'Completed')).length).to.equal(ITEMS);
    const startsOf = new Map<string, number>();
    for (const start of await starts()) startsOf.set(start.csid, (startsOf.get(start.csid) ?? 0) + 1);
    const again = [...completedBefore].filter((csid) => startsOf.get(csid) !== 1);
    expect(again, 'items completed before the cancel that ran again').to.deep.equal([]);

    for (const service of [api, ...workers]) service.child.kill('SIGTERM');
    const codes = await Promise.all([api, ...workers].map(async (service) => ((await service.exited) as [number | null])[0]));
    expect(codes).to.deep.equal([0, 0, 0]);
  });
});
