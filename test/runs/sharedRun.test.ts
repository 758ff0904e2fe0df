/**
 * Two worker processes share one run, end to end: the real service as three child processes on one temp
 * DATA_DIR, one serving the API only and two working on runs, an async run of 2,000 items, and the items show that
 * both workers took a real share and that no item ran twice.
 *
 * The fixture plugin notes the pid of the process that ran each item.
 */
import { expect } from 'chai';
import { useChildSandbox } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 2_000;

describe('one run shared by two worker processes', function () {
  this.timeout(60_000);
  const sandbox = useChildSandbox('invocables-shared-', ['pid-note-items.js']);

  it('splits the items between the workers, runs each exactly once, and leaves no run job behind', async () => {
    await sandbox().seedRecords(ITEMS);
    // RUN_SLOTS_PER_RUN stays at its default (2): one slot for each worker.
    const env = sandbox().env({
      MAX_RUN_ITEMS: String(ITEMS),
      RUN_POLL_MS: '100',
      RUN_HEARTBEAT_MS: '200',
      // A session out of items waits for the other's leases to expire before it looks again: short leases keep the
      // test quick, but not so short that a stalled store (the MongoDB emulator under load) lets them lapse.
      RUN_LEASE_MS: '3000',
      PID_NOTE_ITEM_MS: '10',
    });
    // The API process starts first: it creates the administrator and the fixture's definition once.
    const api = await sandbox().start({ ...env, RUN_ROLE: 'api' });
    const workers = await Promise.all([sandbox().start({ ...env, RUN_ROLE: 'worker' }), sandbox().start({ ...env, RUN_ROLE: 'worker' })]);
    const location = await sandbox().startRunOverAll(api, 'test.PidNoteItems');
    const run = await sandbox().finishedRun(api, location, 30_000);
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: String(ITEMS), noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });

    const items = await sandbox().items(api, location);
    expect(new Set(items.map((item) => item.csid)).size, 'distinct items').to.equal(ITEMS);
    expect(items.filter((item) => item.status !== 'Completed'), 'items not Completed').to.deep.equal([]);
    expect(items.filter((item) => item.attempts !== '1'), 'items claimed more than once').to.deep.equal([]);

    const byPid = new Map<string, number>();
    for (const item of items) byPid.set(item.note, (byPid.get(item.note) ?? 0) + 1);
    const workerPids = workers.map((worker) => String(worker.child.pid));
    expect([...byPid.keys()].sort(), 'processes that ran items').to.deep.equal([...workerPids].sort());
    for (const pid of workerPids) expect(byPid.get(pid), `items run by worker ${pid}`).to.be.at.least(ITEMS / 5);

    // The slot jobs end with the run: none is left polling for it.
    const gone = async () => ((await sandbox().runJobsLeft()) === 0 ? true : undefined);
    await waitFor('the run jobs to be removed', gone, { timeoutMs: 5_000, intervalMs: 50 });

    for (const service of [api, ...workers]) service.child.kill('SIGTERM');
    const codes = await Promise.all([api, ...workers].map(async (service) => ((await service.exited) as [number | null])[0]));
    expect(codes).to.deep.equal([0, 0, 0]);
  });
});
