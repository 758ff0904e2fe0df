/**
 * Poison items: a record whose processing takes the whole process down (SIGKILL from inside the plugin, as a native
 * crash or the OOM killer would) must not crash-loop the service. The test restarts the real service each time it
 * dies, as a process manager would, and expects the run to end with only that record Failed (WORKER_STOPPED) after
 * at most ITEM_MAX_CRASHES deaths, every other record Completed once its outcome was committed.
 */
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { WORKER_STOPPED } from '../../src/domain/runs.js';
import type { TenantId } from '../../src/domain/types.js';
import { useChildSandbox, type ChildService } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const TENANT = 'default' as TenantId;
const ITEMS = 60;
const MAX_CRASHES = 3;
const POISON = 'o30';

describe('poison items (a record that kills its process)', function () {
  this.timeout(120_000);
  const sandbox = useChildSandbox('invocables-poison-', ['poison-items.js']);

  /** The run once final, or `'died'` when the service exited first. */
  function outcome(service: ChildService, location: string): Promise<'died' | any> {
    let died = false;
    void service.exited.then(() => (died = true));
    return waitFor(
      'the run to finish or the service to die',
      async () => {
        if (died) return 'died';
        const res = await sandbox().request(service, location).catch(() => undefined);
        if (res === undefined) return died ? 'died' : undefined;
        const run = ((await res.json()) as any)['ns2:run'];
        return run.status === 'InProgress' || run.status === 'Queued' ? undefined : run;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
  }

  it('fails the poison record after ITEM_MAX_CRASHES deaths and completes every other record', async () => {
    const log = path.join(sandbox().dir, 'items.log');
    await writeFile(log, '');
    await sandbox().seedRecords(ITEMS);
    const env = sandbox().env({
      RUN_ITEMS_LOG: log,
      POISON_OBJECT: POISON,
      ITEM_MAX_CRASHES: String(MAX_CRASHES),
      RUN_LEASE_MS: '500',
      RUN_LOCK_LIFETIME_MS: '500',
      RUN_HEARTBEAT_MS: '100',
      RUN_POLL_MS: '100',
    });
    let service = await sandbox().start(env);
    const location = await sandbox().startRunOverAll(service, 'test.PoisonItems');
    let deaths = 0;
    let run: any;
    for (;;) {
      run = await outcome(service, location);
      if (run !== 'died') break;
      // Restarted as a process manager would; a restart may die again before it even listens.
      for (;;) {
        deaths += 1;
        expect(deaths, 'deaths before the run ended').to.be.at.most(MAX_CRASHES);
        const restarted = await sandbox().start(env).catch(() => undefined);
        if (restarted === undefined) continue;
        service = restarted;
        break;
      }
    }
    expect(deaths).to.equal(MAX_CRASHES);
    expect(run).to.include({ status: 'CompletedWithErrors', noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '1' });

    const stored = await sandbox().storedItems(location);
    const failed = await sandbox().withStore(async (store) =>
      Promise.all(
        stored
          .filter((item) => item.status === 'Failed')
          .map(async (item) => ({ objectNumber: (await store.records.get(TENANT, item.key))?.fields.objectNumber, code: item.errorCode })),
      ),
    );
    const byStatus = ['Completed', 'Failed'].map((status) => ({ status, n: stored.filter((item) => item.status === status).length }));
    expect(failed).to.deep.equal([{ objectNumber: POISON, code: WORKER_STOPPED }]);
    expect(byStatus).to.deep.equal([
      { status: 'Completed', n: ITEMS - 1 },
      { status: 'Failed', n: 1 },
    ]);
    expect(stored.length).to.equal(ITEMS);

    // Each death is charged to the poison record alone: after the first, it ran by itself each time.
    const lines = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
    const pids = [...new Set(lines.map((line) => line.split(' ')[1]))];
    expect(pids.length, 'processes that ran items').to.be.at.least(MAX_CRASHES);

    service.child.kill('SIGTERM');
    await service.exited;
  });
});
