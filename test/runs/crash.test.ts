/**
 * Crash safety end to end: the real service as a child process on a temp DATA_DIR, an async run of 10,000 items,
 * SIGKILL mid-run, a restart on the same data, and the run finishes: every item Completed, none lost, and no item
 * recorded Completed before the kill ran again afterwards.
 *
 * The fixture plugin appends "<csid> <pid>" to a log before it returns, so each execution is visible.
 */
import path from 'node:path';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { useChildSandbox } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 10_000;

describe('crash safety (SIGKILL mid-run, restart)', function () {
  this.timeout(180_000);
  const sandbox = useChildSandbox('invocables-crash-', ['record-items.js']);

  it('finishes every item after a restart, and never runs an item recorded Completed again', async () => {
    const log = path.join(sandbox().dir, 'items.log');
    await writeFile(log, '');
    // The records exist before the service starts: written straight into its store.
    await sandbox().seedRecords(ITEMS);
    const env = sandbox().env({
      RUN_ITEMS_LOG: log,
      MAX_RUN_ITEMS: String(ITEMS),
      RUN_LEASE_MS: '1500',
      RUN_LOCK_LIFETIME_MS: '1500',
      RUN_HEARTBEAT_MS: '200',
      RUN_POLL_MS: '200',
    });
    const first = await sandbox().start(env);
    const location = await sandbox().startRunOverAll(first, 'test.RecordItems');

    // Kill once a good share of the items ran, but well before the end.
    await waitFor('items to run', async () => ((await stat(log)).size > 2_500 * 45 ? true : undefined), { timeoutMs: 60_000 });
    first.child.kill('SIGKILL');
    await first.exited;

    const completedAtKill = new Set((await sandbox().storedItems(location, 'Completed')).map((item) => item.key));
    expect(completedAtKill.size).to.be.greaterThan(0).and.lessThan(ITEMS);

    const second = await sandbox().start(env);
    const run = await sandbox().finishedRun(second, location, 120_000);
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: String(ITEMS), noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });

    const stored = await sandbox().storedItems(location);
    expect(stored.length).to.equal(ITEMS);
    expect(stored.filter((item) => item.status !== 'Completed'), 'items not Completed').to.deep.equal([]);

    const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
    const secondPid = String(second.child.pid);
    const ranAfterRestart = lines.filter((line) => line.endsWith(` ${secondPid}`)).map((line) => line.split(' ')[0]!);
    const ranAgain = ranAfterRestart.filter((csid) => completedAtKill.has(csid));
    expect(ranAgain, 'items recorded Completed before the kill that ran again').to.deep.equal([]);
    const seen = new Set(lines.map((line) => line.split(' ')[0]));
    expect(seen.size, 'distinct items that ran').to.equal(ITEMS);
    const afterRestartCounts = new Map<string, number>();
    for (const csid of ranAfterRestart) afterRestartCounts.set(csid, (afterRestartCounts.get(csid) ?? 0) + 1);
    expect([...afterRestartCounts.values()].filter((n) => n > 1), 'items run twice after the restart').to.deep.equal([]);

    second.child.kill('SIGTERM');
    const [code] = (await second.exited) as [number | null];
    expect(code).to.equal(0);
  });
});

/**
 * A run started by a direct session (in the process that stored it, with no Agenda job until its first heartbeat)
 * whose process is killed before that heartbeat: another process sharing the store takes it up, with no restart
 * and no sweep (RUN_SWEEP_MS is an hour here), as it takes up a run whose job's lock expired.
 */
describe('crash safety (SIGKILL in a direct session, before its first heartbeat)', function () {
  this.timeout(120_000);
  const sandbox = useChildSandbox('invocables-direct-crash-', ['pid-note-items.js']);

  it('is finished by another running process, without a restart or the sweep', async () => {
    const startLog = path.join(sandbox().dir, 'starts.log');
    await writeFile(startLog, '');
    await sandbox().seedRecords(4);
    const csids = await sandbox().withStore(async (store) => {
      const page = await store.records.list('default' as TenantId, { docTypes: ['CollectionObject'], paging: { pageNum: 0, pageSize: 10 } });
      return page.items.map((record) => record.csid);
    });
    const env = sandbox().env({
      // No heartbeat within the test: the direct session never saves a job.
      RUN_HEARTBEAT_MS: '600000',
      RUN_LOCK_LIFETIME_MS: '1500',
      RUN_LEASE_MS: '3000',
      RUN_POLL_MS: '200',
      RUN_SWEEP_MS: '3600000',
      ITEM_CONCURRENCY: '1',
      PID_NOTE_ITEM_MS: '300',
      PID_NOTE_START_LOG: startLog,
    });
    const first = await sandbox().start(env);
    const second = await sandbox().start(env);
    // A run of a claim's items at most, stored by the first process: a direct session there, with no open slot.
    const location = await sandbox().startRun(first, 'test.PidNoteItems', { mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids } });
    const firstPid = String(first.child.pid);
    await waitFor('an item started by the first process', async () => ((await readFile(startLog, 'utf8')).includes(` ${firstPid} `) ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await sandbox().runJobsLeft(), 'the direct session had saved no job').to.equal(0);

    const run = await sandbox().finishedRun(second, location, 60_000);
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: '4', noOfItemsProcessed: '4', noOfItemsFailed: '0' });
    const items = await sandbox().items(second, location);
    expect(items.filter((item) => item.note === String(second.child.pid)), 'items the second process ran').to.not.have.length(0);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
