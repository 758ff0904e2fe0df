/**
 * Plugins cannot take the service down (issue 10, part 3): a plugin that exits, throws from a timer, blocks its
 * event loop or runs out of memory on one record fails that item alone, with its own code, while `/health` keeps
 * answering within a second and the run's other items complete. The items that shared the plugin's thread when it
 * stopped are run again alone (culprit finding) and are not charged. Real service, real store, real threads.
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, createObjects, getJson, invocationContextBody, invoke, JSON_TYPE } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

const FAULTS = path.join(REPO_ROOT, 'test/fixtures/plugins/faults');
const HEALTHY = 3;

describe('plugin faults stay in the plugin thread', function () {
  // Threads start under tsx here; each case still ends within seconds.
  this.timeout(60_000);
  let service: TestService;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const plugins = await pluginsDirWith(FAULTS);
    cleanup = plugins.cleanup;
    service = await startTestService({ pluginsDir: plugins.dir, pluginMaxOldGenerationMb: 64, itemMaxCrashes: 2 });
  });
  afterEach(async () => {
    await service.stop();
    await cleanup();
  });

  /** Polls `/health` until `done` settles; answers the slowest answer's time in ms. */
  async function slowestHealth(done: Promise<unknown>): Promise<number> {
    let finished = false;
    void done.finally(() => (finished = true));
    let slowest = 0;
    while (!finished) {
      const sent = performance.now();
      const res = await service.request('/health');
      expect(res.status).to.equal(200);
      await res.text();
      slowest = Math.max(slowest, performance.now() - sent);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return slowest;
  }

  /** Runs test.Faults over healthy records and one with `fault`; answers the run, its items by csid, and /health's slowest answer. */
  async function runWithFault(fault: string, itemTimeoutMs = 1000) {
    const csids = await createObjects(service, HEALTHY + 1, (i) => ({ fault: i === 1 ? fault : undefined }));
    const definition = await createDefinition(
      service,
      { name: 'faults', forDocTypes: { forDocType: ['CollectionObject'] }, supportsDocList: true, className: 'test.Faults' },
      { itemTimeoutMs },
    );
    const started = performance.now();
    const res = await service.request(`/cspace-services/batch/${definition}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: invocationContextBody({ mode: 'list', docType: 'CollectionObject', listCSIDs: csids }),
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    const location = res.headers.get('location') ?? '';
    // Crashed threads are replaced, under tsx here: longer than runReaching waits.
    const ended = waitFor(
      'the run to end',
      async () => {
        const run = (await getJson(service, location))['ns2:run'];
        return ['Queued', 'InProgress'].includes(run.status) ? undefined : run;
      },
      { timeoutMs: 45_000 },
    );
    const slowest = await slowestHealth(ended);
    const run = await ended;
    const seconds = (performance.now() - started) / 1000;
    const items = [(await getJson(service, `${location}/items`))['ns2:abstract-common-list']['list-item']].flat();
    return { run, seconds, slowest, culprit: items.find((item) => item.csid === csids[1]), others: items.filter((item) => item.csid !== csids[1]) };
  }

  function expectOnlyCulpritFailed(outcome: Awaited<ReturnType<typeof runWithFault>>, errorCode: string) {
    expect(outcome.slowest, '/health answered within 1 s throughout').to.be.below(1000);
    expect(outcome.run).to.include({ status: 'CompletedWithErrors', noOfItemsProcessed: String(HEALTHY + 1), noOfItemsFailed: '1' });
    expect(outcome.culprit).to.include({ status: 'Failed', errorCode });
    expect(outcome.others).to.have.length(HEALTHY);
    for (const item of outcome.others) {
      expect(item.status).to.equal('Completed');
      // Read back through ctx.records, which the thread asks the service for.
      expect(item.note).to.match(/^read o\d on attempt 1$/);
    }
  }

  it('process.exit on one record fails that item PLUGIN_CRASHED after ITEM_MAX_CRASHES, alone', async () => {
    const outcome = await runWithFault('exit');
    expectOnlyCulpritFailed(outcome, 'PLUGIN_CRASHED');
    expect(outcome.culprit.error).to.include("the plugin's thread stopped while processing it (2 time(s)").and.include('exited with code: 7');
  });

  it('a throw from a timer fails only the item that was being processed, PLUGIN_CRASHED', async () => {
    const outcome = await runWithFault('timer-throw');
    expectOnlyCulpritFailed(outcome, 'PLUGIN_CRASHED');
    expect(outcome.culprit.error).to.include('thrown from a timer');
  });

  it('a 35 s block of the event loop is cut at the 1 s item limit: PLUGIN_TIMEOUT, long before 35 s', async () => {
    const outcome = await runWithFault('block');
    expectOnlyCulpritFailed(outcome, 'PLUGIN_TIMEOUT');
    expect(outcome.seconds).to.be.below(20);
  });

  it('an allocation without bound fails the item at the thread heap limit, PLUGIN_CRASHED', async () => {
    // V8 collects hard before it gives up, seconds on a busy machine: a time limit that does not cut it first.
    const outcome = await runWithFault('oom', 20_000);
    expectOnlyCulpritFailed(outcome, 'PLUGIN_CRASHED');
    expect(outcome.culprit.error).to.match(/memory/i);
  });
});

describe('plugin threads and hot reload', () => {
  it('runs the changed version of a plugin file in the next invocation', async () => {
    const plugins = await pluginsDirWith();
    const service = await startTestService({ pluginsDir: plugins.dir, watchPlugins: true });
    try {
      const file = path.join(plugins.dir, 'versioned.js');
      const source = (version: string) =>
        `export default { className: 'test.Versioned', contract: '^1.0.0', modes: ['nocontext'],
          async invoke() { return { userNote: ${JSON.stringify(version)} }; } };\n`;
      const loaded = once(service.plugins, 'loaded');
      await writeFile(file, source('first'));
      await loaded;
      const definition = await createDefinition(service, { name: 'versioned', supportsNoContext: true, className: 'test.Versioned' });
      const first = await invoke(service, definition, { mode: 'nocontext' });
      expect(first.body['ns2:invocationResults'].userNote).to.equal('first');

      const changed = once(service.plugins, 'changed');
      await writeFile(file, source('second version'));
      await changed;
      const second = await invoke(service, definition, { mode: 'nocontext' });
      expect(second.body['ns2:invocationResults'].userNote).to.equal('second version');
    } finally {
      await service.stop();
      await plugins.cleanup();
    }
  });
});
