/**
 * Big runs start at once: a `nocontext` run is stored with its first `RUN_FIRST_ITEMS` items and a worker queues the rest
 * while those run (`Run.filling`). Every item of the context ends up in the run exactly once, in context order,
 * and a filler that died is taken over when its lease ends. Tests wait on state, never on the clock.
 */
import path from 'node:path';
import { expect } from 'chai';
import type { TenantId } from '../../src/domain/types.js';
import { SQLITE_DEFAULTS } from '../../src/store/sqlite/defaults.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { createDefinition, createObjects, getJson, JSON_TYPE, runReaching } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, tempDir, type TestService } from '../support/testService.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
const TENANT = 'default' as TenantId;
const RECORDS = 25;
const FIRST_ITEMS = 4;
const MODES = { supportsDocList: true, supportsNoContext: true };

describe('HTTP runs filled while they run', () => {
  let service: TestService;
  let plugins: { dir: string; cleanup: () => Promise<void> };
  let data: { dir: string; cleanup: () => Promise<void> };
  let definition: string;
  let csids: string[];

  const start = (overrides: { runLeaseMs?: number } = {}) =>
    startTestService({ pluginsDir: plugins.dir, dataDir: data.dir, runFirstItems: FIRST_ITEMS, ...overrides });

  beforeEach(async () => {
    plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    data = await tempDir();
    service = await start();
    definition = await createDefinition(service, { name: 'Record items', forDocTypes: { forDocType: ['CollectionObject'] }, ...MODES, className: 'test.RecordItems' });
    csids = await createObjects(service, RECORDS);
  });
  afterEach(async () => {
    await service.stop();
    await plugins.cleanup();
    await data.cleanup();
  });

  const json = (pathname: string) => getJson(service, pathname);
  const invoke = (context: Record<string, unknown>, headers: Record<string, string> = {}) =>
    service.request(`/cspace-services/batch/${definition}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...headers },
      body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', ...context } }),
    });
  const completed = (location: string) => runReaching(service, location, ['Completed'], 'the run to complete');
  /** Every item of the run, in seq order. */
  const items = async (runId: string): Promise<any[]> =>
    [(await json(`/cspace-services/runs/${runId}/items?pgSz=100`))['ns2:abstract-common-list']['list-item']].flat();

  it('stores a big list whole with its run, in order, and keeps the list nowhere else (the items are the list)', async () => {
    const res = await invoke({ mode: 'list', docType: 'CollectionObject', listCSIDs: { csid: csids } }, { Prefer: 'respond-async' });
    expect(res.status, await res.clone().text()).to.equal(202);
    const answered = ((await res.json()) as any)['ns2:run'];
    expect(answered.noOfItemsPosted).to.equal(String(RECORDS));
    expect(answered.statusText).to.not.include('queuing');
    expect(answered.invocationContext.listCSIDs).to.equal(undefined);

    const run = await completed(res.headers.get('location') ?? '');
    expect(run).to.include({ noOfItemsPosted: String(RECORDS), noOfItemsProcessed: String(RECORDS), percentCompleted: '100' });
    const all = await items(run.id);
    expect(all.map((item) => item.csid)).to.deep.equal(csids);
    expect(all.map((item) => item.seq)).to.deep.equal(csids.map((_, i) => String(i)));
    expect(all.every((item) => item.status === 'Completed' && item.attempts === '1')).to.equal(true);
    expect((await service.store.runs.get(TENANT, run.id))?.invocation.listCSIDs).to.deep.equal([]);
  });

  it('queues every record of a nocontext run exactly once', async () => {
    const res = await invoke({ mode: 'nocontext' }, { Prefer: 'respond-async' });
    expect(res.status).to.equal(202);
    const run = await completed(res.headers.get('location') ?? '');
    const all = await items(run.id);
    expect(all.map((item) => item.csid).sort()).to.deep.equal([...csids].sort());
    expect(all.every((item) => item.attempts === '1')).to.equal(true);
  });

  it('answers a synchronous invoke of a big context with every record processed', async () => {
    const res = await invoke({ mode: 'nocontext' });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(((await res.json()) as any)['ns2:invocationResults'].userNote).to.equal(`${RECORDS} record(s) processed, ${RECORDS} affected, 0 failed`);
  });

  it('takes over filling from a worker that died, once its lease ends', async () => {
    await service.stop();
    // What a crash mid-fill leaves: a filling run with its first items and the dead worker's unexpired fill lease.
    const now = new Date();
    const leaseMs = 300;
    const store = SqliteStore.open({ filename: path.join(data.dir, SQLITE_DEFAULTS.filename) });
    const stuck = await store.runs.create(
      TENANT,
      {
        definitionCsid: definition,
        definitionName: 'Record items',
        invocation: { mode: 'nocontext', listCSIDs: [], params: [] },
        createdBy: 'admin',
        filling: true,
        expectedItems: RECORDS,
      },
      csids.slice(0, FIRST_ITEMS),
      now,
    );
    expect(await store.runs.claimFill(TENANT, stuck.id, 'dead-worker', new Date(now.getTime() + leaseMs), now)).to.equal(true);
    expect(await store.runs.fill(TENANT, stuck.id, 'dead-worker', csids.slice(FIRST_ITEMS, 10), new Date(now.getTime() + leaseMs), now)).to.equal(6);
    await store.close();

    service = await start({ runLeaseMs: leaseMs });
    const finished = await completed(`/cspace-services/runs/${stuck.id}`);
    expect(finished.noOfItemsPosted).to.equal(String(RECORDS));
    const all = await items(stuck.id);
    expect(all.map((item) => item.csid).sort()).to.deep.equal([...csids].sort());
    expect(all.every((item) => item.status === 'Completed' && item.attempts === '1')).to.equal(true);
  });
});
