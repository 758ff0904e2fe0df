/**
 * Exactly-once store effects end to end: the real service as a child process on a temp DATA_DIR, a 3,000-item run
 * of a plugin that creates one marker record per item, ten SIGKILLs at random moments of it (each followed by a
 * restart on the same data), and at the end every item Completed once and exactly one marker per item. Items do run
 * again after a kill (the plugin logs each run of an item): their first run's writes died with it.
 */
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { useChildSandbox, type ChildService } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const TENANT = 'default' as TenantId;
const ITEMS = 3_000;
const KILLS = 10;

describe('exactly-once store effects (10 SIGKILLs during a run, restarts)', function () {
  this.timeout(180_000);
  const sandbox = useChildSandbox('invocables-effects-', ['marker-items.js']);

  it('completes every item once, with exactly one marker record per item', async () => {
    const log = path.join(sandbox().dir, 'items.log');
    await writeFile(log, '');
    await sandbox().seedRecords(ITEMS);
    const env = sandbox().env({
      MARKER_LOG: log,
      // About 800 items a second: the kills land well before the end.
      MARKER_DELAY_MS: '10',
      MAX_RUN_ITEMS: String(ITEMS),
      RUN_LEASE_MS: '1000',
      RUN_LOCK_LIFETIME_MS: '1000',
      RUN_HEARTBEAT_MS: '200',
      RUN_POLL_MS: '200',
      // Ten kills, some right after a restart, can land three times on the one crash suspect being tried alone: that
      // is the poison rule working as documented (test/runs/poisonItem.test.ts), not what this test is about.
      ITEM_MAX_CRASHES: '100',
    });
    let service = await sandbox().start(env);
    const location = await sandbox().startRunOverAll(service, 'test.MarkerItems');
    const processed = async (on: ChildService) => Number((((await (await sandbox().request(on, location)).json()) as any)['ns2:run']).noOfItemsProcessed);

    // Kill points at random between 3 % and 70 % of the items committed, each a random moment after it is passed:
    // between two outcome flushes or during one, and always well before the run ends, however fast it goes.
    const killPoints = Array.from({ length: KILLS }, () => Math.floor(ITEMS * (0.03 + Math.random() * 0.67))).sort((a, b) => a - b);
    for (const point of killPoints) {
      await waitFor('items to be committed', async () => ((await processed(service)) >= point ? true : undefined), { timeoutMs: 60_000, intervalMs: 20 });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
      service.child.kill('SIGKILL');
      await service.exited;
      service = await sandbox().start(env);
      expect(await processed(service), 'the run was still going when killed').to.be.lessThan(ITEMS);
    }

    const run = await sandbox().finishedRun(service, location, 120_000);
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: String(ITEMS), noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });

    const items = await sandbox().storedItems(location);
    const byStatus = [...new Set(items.map((item) => item.status))].map((status) => ({ status, n: items.filter((item) => item.status === status).length }));
    // Read through the sandbox's store, as its children wrote them (SQLite, or MongoDB with MONGODB_URI).
    const { objects, markers } = await sandbox().withStore(async (store) => {
      const all = async (docType: string) => {
        const found = [];
        for (let pageNum = 0; ; pageNum += 1) {
          const page = await store.records.list(TENANT, { docTypes: [docType], paging: { pageNum, pageSize: 1000 } });
          found.push(...page.items);
          if ((pageNum + 1) * 1000 >= page.totalItems) return found;
        }
      };
      const perItem = new Map<string, number>();
      for (const marker of await all('Marker')) perItem.set(String(marker.fields.item), (perItem.get(String(marker.fields.item)) ?? 0) + 1);
      return { objects: (await all('CollectionObject')).map((record) => record.csid as string), markers: [...perItem].map(([item, n]) => ({ item, n })) };
    });
    expect(byStatus).to.deep.equal([{ status: 'Completed', n: ITEMS }]);
    expect(markers.filter((marker) => marker.n !== 1), 'items with more than one marker').to.deep.equal([]);
    expect(markers.map((marker) => marker.item).sort()).to.deep.equal(objects.sort());

    const runs = (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
    expect(new Set(runs).size, 'distinct items that ran').to.equal(ITEMS);
    expect(runs.length, 'item runs: some items ran again after a kill').to.be.greaterThan(ITEMS);

    service.child.kill('SIGTERM');
    const [code] = (await service.exited) as [number | null];
    expect(code).to.equal(0);
  });
});
