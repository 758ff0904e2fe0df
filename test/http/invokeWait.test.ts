/**
 * A synchronous invoke (no `Prefer: respond-async`) is a run like any other: answered 200 with its results however
 * long it takes (CollectionSpace's behaviour), unless a server limit (`INVOKE_WAIT_MS`) or the client's
 * `Prefer: wait=N` ends the wait first: then 202 with the run's Location. Tests wait on state, never on the clock.
 */
import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, createObjects, getJson, invocationContextBody, JSON_TYPE, runReaching } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { RunGate } from '../support/runGate.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/plugins');
const ALL_MODES = { supportsSingleDoc: true, supportsDocList: true, supportsGroup: true, supportsNoContext: true };

function contextBody(mode: string, listCSIDs?: string[]): string {
  return invocationContextBody({ mode, ...(listCSIDs !== undefined && { docType: 'CollectionObject', listCSIDs }) });
}

describe('HTTP synchronous invoke on runs', () => {
  let service: TestService;
  let gate: RunGate;
  let cleanup: () => Promise<void>;

  async function start(invokeWaitMs: number) {
    const plugins = await pluginsDirWith(path.join(FIXTURES, 'runs'), path.join(FIXTURES, 'invocation'));
    cleanup = plugins.cleanup;
    gate = new RunGate();
    service = await startTestService({ pluginsDir: plugins.dir, invokeWaitMs });
  }
  afterEach(async () => {
    gate.close();
    await service.stop();
    await cleanup();
  });

  const definition = (className: string) =>
    createDefinition(service, { name: className, forDocTypes: { forDocType: ['CollectionObject'] }, ...ALL_MODES, className });
  const objects = (count: number, fields?: (i: number) => Record<string, string>) => createObjects(service, count, fields);
  const invoke = (csid: string, body: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    service.request(`/cspace-services/batch/${csid}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, ...headers },
      body,
      ...(signal !== undefined && { signal }),
    });
  const json = (pathname: string) => getJson(service, pathname);

  it('stores, runs and finishes a small run in two run-store writes: stored started with its first claim, then its last outcomes with the finish', async () => {
    await start(30_000);
    const csid = await definition('test.FlakyItems');
    const csids = await objects(2);
    const runs = service.store.runs;
    const calls: string[] = [];
    const writes = ['create', 'createAndClaim', 'start', 'claim', 'startAndClaim', 'complete', 'completeAndFinish', 'release', 'finish', 'renewLeases'] as const;
    for (const name of writes) {
      const original = runs[name].bind(runs) as (...args: unknown[]) => Promise<unknown>;
      (runs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push(name);
        return original(...args);
      };
    }
    // The invoke's own wait reads the run (it may run in another process); the session works on the run it was
    // handed, and the executor knows the run it finished is over.
    const get = runs.get.bind(runs);
    runs.get = (...args) => {
      if (/runWorker\.ts|runExecutor\.ts/.test(new Error().stack ?? '')) calls.push('get by the session');
      return get(...args);
    };

    const res = await invoke(csid, contextBody('list', csids));
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(((await res.json()) as any)['ns2:invocationResults'].userNote).to.equal('2 record(s) processed, 2 affected, 0 failed');
    expect(calls, 'and the session reads no run').to.deep.equal(['createAndClaim', 'completeAndFinish']);
    const list = (await json(`/cspace-services/runs?definition=${csid}`))['ns2:abstract-common-list'];
    const run = (await json(list['list-item'].uri.replace('/runs', '/cspace-services/runs')))['ns2:run'];
    expect(run).to.include({ status: 'Completed', noOfItemsPosted: '2', noOfItemsProcessed: '2', noOfItemsFailed: '0' });
    const items = [(await json(`/cspace-services/runs/${run.id}/items`))['ns2:abstract-common-list']['list-item']].flat();
    expect(items.map((item: any) => item.status)).to.deep.equal(['Completed', 'Completed']);
  });

  it('answers 200 with the results, and keeps the invocation as a run with its items', async () => {
    await start(30_000);
    const csid = await definition('test.FlakyItems');
    const csids = await objects(3, (i): Record<string, string> => (i === 1 ? { fail: 'yes' } : {}));

    const res = await invoke(csid, contextBody('list', csids));
    expect(res.status, await res.clone().text()).to.equal(200);
    const results = ((await res.json()) as any)['ns2:invocationResults'];
    expect(results.numAffected).to.equal('2');
    const failure = "Plugin 'test.FlakyItems' failed: record o1 refuses";
    expect(results.userNote).to.equal(`3 record(s) processed, 2 affected, 1 failed. ${csids[1]}: ${failure}`);

    const list = (await json(`/cspace-services/runs?definition=${csid}`))['ns2:abstract-common-list'];
    expect(list.totalItems).to.equal('1');
    const run = (await json(list['list-item'].uri.replace('/runs', '/cspace-services/runs')))['ns2:run'];
    expect(run).to.include({ status: 'CompletedWithErrors', noOfItemsPosted: '3', noOfItemsFailed: '1' });
    const items = (await json(`/cspace-services/runs/${run.id}/items?status=Failed`))['ns2:abstract-common-list']['list-item'];
    expect(items).to.include({ csid: csids[1], status: 'Failed', errorCode: 'PLUGIN_FAILED', error: failure });
  });

  it('answers a whole-invocation failure with its own code, as before runs', async () => {
    await start(30_000);
    const csid = await createDefinition(service, { name: 'rejects', supportsNoContext: true, className: 'test.Rejects' });
    const res = await invoke(csid, contextBody('nocontext'));
    expect(res.status).to.equal(400);
    expect(((await res.json()) as any).error).to.include({ code: 'PLUGIN_REJECTED', message: 'the request asks for something impossible' });
  });

  it('answers "0 record(s) processed" for a per-record job with nothing to act on, without a run', async () => {
    await start(30_000);
    const csid = await definition('test.FlakyItems');
    const res = await invoke(csid, contextBody('nocontext'));
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(((await res.json()) as any)['ns2:invocationResults'].userNote).to.equal('0 record(s) processed, 0 affected, 0 failed');
    expect((await json(`/cspace-services/runs?definition=${csid}`))['ns2:abstract-common-list'].totalItems).to.equal('0');
  });

  it('answers 202 with the run once the wait is over; the run goes on and completes', async () => {
    await start(150);
    const csids = await objects(2);
    const res = await invoke(await definition('test.GatedItems'), contextBody('list', csids));
    expect(res.status, await res.clone().text()).to.equal(202);
    const location = res.headers.get('location') ?? '';
    expect(location).to.match(/^\/cspace-services\/runs\/[0-9a-f-]{36}$/);
    expect(((await res.json()) as any)['ns2:run'].status).to.be.oneOf(['Queued', 'InProgress']);

    await waitFor('items to start', async () => (gate.started > 0 ? true : undefined));
    gate.open();
    const run = await runReaching(service, location, ['Completed'], 'the run to complete');
    expect(run).to.include({ noOfItemsProcessed: '2', percentCompleted: '100' });
    expect(run.invocationResults.userNote).to.equal('2 record(s) processed, 2 affected, 0 failed');
  });

  it('without a server limit, waits for a gated run to its end and answers its results', async () => {
    // 0 once meant "always 202"; it now means no limit, the default.
    await start(0);
    const csids = await objects(2);
    const pending = invoke(await definition('test.GatedItems'), contextBody('list', csids));
    await waitFor('both items to start', async () => (gate.started === 2 ? true : undefined));
    gate.open();
    const res = await pending;
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(res.headers.get('preference-applied')).to.equal(null);
    expect(((await res.json()) as any)['ns2:invocationResults'].userNote).to.equal('2 record(s) processed, 2 affected, 0 failed');
  });

  it('with Prefer: wait=N, answers 202 once N seconds passed, saying the wait was applied', async () => {
    await start(0);
    const csids = await objects(1);
    const res = await invoke(await definition('test.GatedItems'), contextBody('list', csids), { Prefer: 'wait=1' });
    expect(res.status, await res.clone().text()).to.equal(202);
    expect(res.headers.get('preference-applied')).to.equal('wait=1');
    const location = res.headers.get('location') ?? '';
    gate.open();
    expect(await runReaching(service, location, ['Completed'], 'the run to complete')).to.include({ noOfItemsProcessed: '1' });
  });

  it('with Prefer: respond-async, wait=N, answers 200 with the results when the run ends within the wait', async () => {
    await start(0);
    const csids = await objects(2);
    const res = await invoke(await definition('test.FlakyItems'), contextBody('list', csids), { Prefer: 'respond-async, wait=600' });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(res.headers.get('preference-applied')).to.equal('wait=600');
    expect(((await res.json()) as any)['ns2:invocationResults'].numAffected).to.equal('2');
  });

  it('with Prefer: respond-async, wait=0, answers 202 at once naming both preferences', async () => {
    await start(0);
    const csids = await objects(1);
    const res = await invoke(await definition('test.GatedItems'), contextBody('list', csids), { Prefer: 'respond-async; x=1, wait=0' });
    expect(res.status, await res.clone().text()).to.equal(202);
    expect(res.headers.get('preference-applied')).to.equal('respond-async, wait=0');
    gate.open();
    await runReaching(service, res.headers.get('location') ?? '', ['Completed'], 'the run to complete');
  });

  it('ignores preferences it does not understand, and a wait that is not delta-seconds', async () => {
    await start(0);
    const csids = await objects(1);
    const res = await invoke(await definition('test.FlakyItems'), contextBody('list', csids), { Prefer: 'return=minimal, wait=soon' });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(res.headers.get('preference-applied')).to.equal(null);
  });

  it('a client that disconnects while waiting does not stop its run', async () => {
    await start(0);
    const csids = await objects(2);
    const csid = await definition('test.GatedItems');
    const client = new AbortController();
    const pending = invoke(csid, contextBody('list', csids), {}, client.signal);
    await waitFor('both items to start', async () => (gate.started === 2 ? true : undefined));
    client.abort();
    await pending.then(
      () => expect.fail('the request should have been aborted'),
      (err: unknown) => expect((err as Error).name).to.equal('AbortError'),
    );
    const list = (await json(`/cspace-services/runs?definition=${csid}`))['ns2:abstract-common-list'];
    gate.open();
    const run = await runReaching(service, list['list-item'].uri.replace('/runs', '/cspace-services/runs'), ['Completed'], 'the run to complete');
    expect(run).to.include({ noOfItemsProcessed: '2', noOfItemsCancelled: '0' });
  });

  it('answers a waiting invoke with 202 at once when the service shuts down', async () => {
    await start(60_000);
    const csids = await objects(1);
    const pending = invoke(await definition('test.GatedItems'), contextBody('list', csids));
    await waitFor('the item to start', async () => (gate.started > 0 ? true : undefined));
    const stopped = service.stop();
    const res = await pending;
    expect(res.status).to.equal(202);
    expect(res.headers.get('location')).to.match(/^\/cspace-services\/runs\//);
    // The item itself is still running: let it finish so shutdown does not wait out its drain time.
    gate.open();
    await stopped;
  });
});
