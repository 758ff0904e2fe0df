/**
 * A purged run takes its plugin log lines with it, on either engine: `storedLines` counts the lines the engine keeps
 * (its own table or collection, which the store's interface does not show once the run is gone).
 */
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import type { Store } from '../../src/store/types.js';

export async function expectPurgeDeletesLogLines(store: Store, storedLines: () => number | Promise<number>): Promise<void> {
  const tenant = 'tenant-a' as TenantId;
  const run = await store.runs.create(tenant, { definitionCsid: 'd', definitionName: 'D', invocation: { listCSIDs: [], params: [] }, createdBy: 'alice' }, ['x'], new Date(0));
  const [item] = await store.runs.claim(tenant, run.id, { owner: 'w', limit: 1, leaseMs: 1000, now: new Date(1) });
  const log = [{ itemKey: 'x', attempt: 1, level: 'info' as const, message: 'hello', at: new Date(2) }];
  await store.runs.complete(tenant, run.id, 'w', [{ seq: item!.seq, status: 'Completed', log }], new Date(2));
  await store.runs.finish(tenant, run.id, {}, new Date(3));
  expect(await storedLines()).to.equal(1);
  expect(await store.runs.purge(new Date(10))).to.equal(1);
  expect(await storedLines()).to.equal(0);
}
