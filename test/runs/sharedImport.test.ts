/**
 * Definition imports across processes: the real service as two child processes on one sandbox (SQLite file, or
 * MongoDB when `MONGODB_URI` is set), each sent the same import document at the same moment under `dupe=skip` and
 * then `dupe=update`. Each name ends up on one definition, which one report shows created and the other skipped or
 * updated, as if it had come second.
 */
import { expect } from 'chai';
import { allPages } from '../../src/domain/paging.js';
import type { TenantId } from '../../src/domain/types.js';
import { useChildSandbox } from '../support/childService.js';

const BATCH_NS = 'http://collectionspace.org/services/batch';
/** Enough entries that the two imports overlap, however the processes are scheduled. */
const NAMES = 150;

describe('definition imports over two processes sharing the store', function () {
  this.timeout(180_000);
  const sandbox = useChildSandbox('invocables-import-', ['record-items.js']);

  it('stores one definition per name when both import one document at once; the other reports it skipped, then updated', async () => {
    const env = sandbox().env({ RUN_ROLE: 'api' });
    const services = [await sandbox().start(env), await sandbox().start(env)];
    for (const dupe of ['skip', 'update']) {
      const names = Array.from({ length: NAMES }, (_, i) => `Shared ${dupe} ${i}`);
      const document = names.map((name) => ({
        '@name': 'batch',
        'ns2:batch_common': { '@xmlns:ns2': BATCH_NS, name, supportsDocList: true, className: 'test.RecordItems' },
      }));
      const body = JSON.stringify({ 'batch-definitions': { document } });
      const reports = await Promise.all(
        services.map(async (service) => {
          const res = await sandbox().request(service, `/cspace-services/batch/import?dupe=${dupe}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body,
          });
          expect(res.status, await res.clone().text()).to.equal(200);
          return [((await res.json()) as any)['batch-import-report'].entry].flat() as Array<Record<string, string>>;
        }),
      );
      const stored = await sandbox().withStore(async (store) => {
        const byName = new Map<string, string[]>();
        for await (const { csid, definition } of allPages((paging) => store.definitions.list('default' as TenantId, { paging }))) {
          byName.set(definition.name, [...(byName.get(definition.name) ?? []), csid]);
        }
        return byName;
      });
      const [first, second] = reports as [Array<Record<string, string>>, Array<Record<string, string>>];
      for (const [i, name] of names.entries()) {
        const entries = [first[i], second[i]] as Array<Record<string, string>>;
        expect(entries.map((entry) => entry.status).sort(), name).to.deep.equal(['created', dupe === 'skip' ? 'skipped' : 'updated']);
        expect(stored.get(name), name).to.deep.equal([entries[0]?.csid]);
        expect(entries[1]?.csid, name).to.equal(entries[0]?.csid);
      }
    }
  });
});
