/**
 * What the whole service must do the same on every store engine, with the engine's real store: one suite per
 * engine (serviceConformance.test.ts runs it on SQLite always, and on MongoDB when `MONGODB_URI` is set).
 * Faults are injected by wrapping one real store method, never by faking a store.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { Config } from '../../src/config.js';
import type { RunStore } from '../../src/store/runTypes.js';
import { createDefinition, createObjects, getJson, invocationContextBody, JSON_TYPE, runReaching } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, tempDir, type TestService } from '../support/testService.js';

export interface ServiceEngine {
  name: string;
  /** The configuration that puts a fresh service on this engine, with a store of its own. */
  config: () => Partial<Config>;
  /** Removes what `config` made a service keep outside its data directory. */
  dispose: (config: Partial<Config>) => Promise<void>;
}

/** Items in the run: more than two claims' worth (256 each), so a claim fails while items are in flight. */
const ITEMS = 600;

export function describeServiceConformance(engine: ServiceEngine): void {
  describe(`the service on ${engine.name}`, function () {
    this.timeout(120_000);
    let service: TestService | undefined;
    let config: Partial<Config>;
    const cleanups: Array<() => Promise<void>> = [];
    const savedItemsLog = process.env.RUN_ITEMS_LOG;

    beforeEach(async () => {
      const plugins = await pluginsDirWith(path.join(REPO_ROOT, 'test/fixtures/plugins/runs'));
      const data = await tempDir();
      cleanups.push(plugins.cleanup, data.cleanup);
      // Read by the fixture plugin in its threads, which copy the environment when they start with the service.
      process.env.RUN_ITEMS_LOG = path.join(data.dir, 'items.log');
      config = { ...engine.config(), pluginsDir: plugins.dir, dataDir: data.dir };
      service = await startTestService(config);
    });

    afterEach(async () => {
      await service?.stop();
      if (savedItemsLog === undefined) delete process.env.RUN_ITEMS_LOG;
      else process.env.RUN_ITEMS_LOG = savedItemsLog;
      await engine.dispose(config);
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    /** Makes the real `method` of the service's run store throw once, at its `nth` call. */
    function failOnce(runs: RunStore, method: 'claim', nth: number): { failed: () => boolean } {
      const real = runs[method].bind(runs);
      let calls = 0;
      runs[method] = async (...args: Parameters<RunStore[typeof method]>) => {
        calls += 1;
        if (calls === nth) throw new Error(`injected: runs.${method} failed once (call ${nth})`);
        return real(...args);
      };
      return { failed: () => calls >= nth };
    }

    it('recovers from a store call failing during a run: the run completes with every item once', async () => {
      const running = service!;
      const csids = await createObjects(running, ITEMS);
      const definition = await createDefinition(running, {
        name: 'items',
        forDocTypes: { forDocType: ['CollectionObject'] },
        supportsDocList: true,
        className: 'test.RecordItems',
      });
      const fault = failOnce(running.store.runs, 'claim', 2);
      const res = await running.request(`/cspace-services/batch/${definition}/invoke`, {
        method: 'POST',
        headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
        body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: csids }),
      });
      expect(res.status, await res.clone().text()).to.equal(202);
      const location = res.headers.get('location') ?? '';
      const run = await runReaching(running, location, ['Completed', 'CompletedWithErrors', 'Failed', 'Cancelled'], 'the run to finish');
      expect(fault.failed(), 'the injected fault happened').to.equal(true);
      expect(run).to.include({ status: 'Completed', noOfItemsPosted: String(ITEMS), noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });
      const items = [(await getJson(running, `${location}/items?pgSz=${ITEMS}`))['ns2:abstract-common-list']['list-item']].flat();
      expect(items.map((item: any) => item.csid).sort()).to.deep.equal([...csids].sort());
      expect(items.filter((item: any) => item.status !== 'Completed' || item.attempts !== '1')).to.deep.equal([]);
      // The plugin ran each item once: none was run again by the session that took over.
      const ran = (await readFile(process.env.RUN_ITEMS_LOG ?? '', 'utf8')).trim().split('\n').map((line) => line.split(' ')[0]);
      expect(ran.sort()).to.deep.equal([...csids].sort());
    });
  });
}
