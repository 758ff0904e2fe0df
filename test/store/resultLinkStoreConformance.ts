/**
 * The behaviour every result-link store engine must share (store.resultLinks), as one mocha suite per engine: a
 * link comes back as stored under an unguessable id, everything is scoped by tenant and run, deleting revokes it,
 * and purging its run deletes it.
 */
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import type { NewResultLink } from '../../src/store/resultLinkTypes.js';
import type { Store } from '../../src/store/types.js';
import type { StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

export function describeResultLinkStoreConformance(options: StoreConformanceOptions): void {
  describe(`${options.name} result link store conformance`, () => {
    let store: Store;
    let testName = '';

    beforeEach(async function () {
      testName = `result links ${this.currentTest?.fullTitle() ?? ''}`;
      store = await options.create(testName, { now: () => at(0) });
    });

    afterEach(async function () {
      await options.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    async function newRunIn(tenant: TenantId): Promise<string> {
      const invocation = { mode: 'list' as const, docType: 'CollectionObject', listCSIDs: [], params: [] };
      const run = await store.runs.create(tenant, { definitionCsid: 'def-1', definitionName: 'Report', invocation, createdBy: 'alice' }, ['x'], at(0));
      return run.id;
    }

    const link = (runId: string, overrides: Partial<NewResultLink> = {}): NewResultLink => ({
      runId,
      scope: 'public',
      createdBy: 'alice',
      expiresAt: at(3_600_000),
      ...overrides,
    });

    it('stores a link under a fresh 128-bit id with its facts, and lists a run’s links newest first', async () => {
      const runId = await newRunIn(A);
      const first = await store.resultLinks.create(A, link(runId), at(10));
      const second = await store.resultLinks.create(A, link(runId, { scope: 'tenant', createdBy: 'bob' }), at(20));
      expect(first.id).to.match(/^[A-Za-z0-9_-]{22}$/);
      expect(first.id).to.not.equal(second.id);
      expect(first).to.deep.equal({ id: first.id, tenant: A, ...link(runId), createdAt: at(10) });
      expect(await store.resultLinks.get(A, first.id)).to.deep.equal(first);
      expect(await store.resultLinks.list(A, runId)).to.deep.equal([second, first]);
      expect(await store.resultLinks.list(A, await newRunIn(A))).to.deep.equal([]);
    });

    it("answers another tenant's link as missing, and deletes only through its own run", async () => {
      const runId = await newRunIn(A);
      const { id } = await store.resultLinks.create(A, link(runId), at(0));
      expect(await store.resultLinks.get(B, id)).to.equal(undefined);
      expect(await store.resultLinks.list(B, runId)).to.deep.equal([]);
      expect(await store.resultLinks.delete(B, runId, id)).to.equal(false);
      expect(await store.resultLinks.delete(A, await newRunIn(A), id)).to.equal(false);
      expect(await store.resultLinks.get(A, id)).to.not.equal(undefined);

      expect(await store.resultLinks.delete(A, runId, id)).to.equal(true);
      expect(await store.resultLinks.get(A, id)).to.equal(undefined);
      expect(await store.resultLinks.delete(A, runId, id)).to.equal(false);
    });

    it('deletes a run’s links when the run is purged, and keeps those of runs kept', async () => {
      const purged = await newRunIn(A);
      const kept = await newRunIn(A);
      const doomed = await store.resultLinks.create(A, link(purged), at(0));
      const staying = await store.resultLinks.create(A, link(kept), at(0));
      await store.runs.cancel(A, purged, at(100));
      expect(await store.runs.purge(at(200))).to.equal(1);
      expect(await store.resultLinks.get(A, doomed.id)).to.equal(undefined);
      expect(await store.resultLinks.list(A, purged)).to.deep.equal([]);
      expect(await store.resultLinks.get(A, staying.id)).to.deep.equal(staying);
    });
  });
}
