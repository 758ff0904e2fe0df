/**
 * `GET /runs/{id}/log` and the `log` events of `/runs/{id}/events` against the real service: what plugins log
 * through `ctx.log` is kept with the run and its items, paged and filtered, bounded, cleared by a rerun, in JSON
 * and XML, with the permission to read runs.
 */
import path from 'node:path';
import { expect } from 'chai';
import { parseXml } from '../../src/codec/xmlCodec.js';
import { ITEM_LOG_LINES } from '../../src/domain/runLog.js';
import type { TenantId } from '../../src/domain/types.js';
import { createDefinition, createObjects, invocationContextBody, JSON_TYPE, runReaching, XML_TYPE, type InvocationContextInput } from '../support/api.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from '../support/testService.js';
import { createRole, createUser } from '../security/support.js';

const FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runlog');
const FINAL = ['Completed', 'CompletedWithErrors', 'Failed', 'Cancelled'];

describe('HTTP run log', () => {
  let service: TestService;
  let cleanup: () => Promise<void>;
  let perRecord: string;

  before(async () => {
    const plugins = await pluginsDirWith(FIXTURE_PLUGINS);
    cleanup = plugins.cleanup;
    service = await startTestService({ pluginsDir: plugins.dir, runLogLines: 120 });
    perRecord = await createDefinition(service, { name: 'Log items', forDocTypes: { forDocType: ['CollectionObject'] }, supportsDocList: true, supportsSingleDoc: true, className: 'test.LogItems' });
  });
  after(async () => {
    await service.stop();
    await cleanup();
  });

  async function startRun(definition: string, context: InvocationContextInput): Promise<string> {
    const res = await service.request(`/cspace-services/batch/${definition}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE, Prefer: 'respond-async' },
      body: invocationContextBody(context),
    });
    expect(res.status, await res.clone().text()).to.equal(202);
    return res.headers.get('location') ?? '';
  }

  async function finishedRun(definition: string, context: InvocationContextInput): Promise<string> {
    const location = await startRun(definition, context);
    await runReaching(service, location, FINAL, `run ${location} to end`);
    return location;
  }

  async function logJson(pathname: string, status = 200): Promise<any> {
    const res = await service.request(pathname, { headers: { Accept: JSON_TYPE } });
    expect(res.status, await res.clone().text()).to.equal(status);
    return ((await res.json()) as any)['ns2:abstract-common-list'];
  }

  const lines = (list: any): any[] => (list['list-item'] === undefined ? [] : [list['list-item']].flat());
  const listed = (list: any) => lines(list).map((line) => [line.csid, line.level, line.message]);

  it('keeps what a per-record plugin logs with each item, paged and filtered by level and item (JSON)', async () => {
    const [ok, failing] = await createObjects(service, 2, (i) => ({ fail: i === 1 ? 'yes' : undefined }));
    const location = await finishedRun(perRecord, { mode: 'list', docType: 'CollectionObject', listCSIDs: [ok!, failing!] });
    const all = await logJson(`${location}/log`);
    expect(all).to.include({ totalItems: '5', linesKept: '5', linesDropped: '0', fieldsReturned: 'line|csid|attempt|level|message|fields|at' });
    // Items run concurrently: each item's lines are in order, the items' lines in the order their outcomes were kept.
    expect(listed(all).filter(([csid]) => csid === ok)).to.deep.equal([
      [ok, 'info', 'looking at o0'],
      [ok, 'debug', 'nothing to change'],
    ]);
    const first = lines(all).find((line) => line.csid === ok && line.level === 'info');
    expect(first).to.include({ attempt: '1', fields: '{"objectNumber":"o0"}' });
    expect(Date.parse(first.at)).to.not.be.NaN;
    expect(lines(all).map((line) => Number(line.line))).to.deep.equal([1, 2, 3, 4, 5]);

    expect(listed(await logJson(`${location}/log?level=error`))).to.deep.equal([[failing, 'error', 'o1 cannot be updated']]);
    expect(listed(await logJson(`${location}/log?level=info&item=${failing}`))).to.deep.equal([
      [failing, 'info', 'looking at o1'],
      [failing, 'error', 'o1 cannot be updated'],
    ]);
    const page = await logJson(`${location}/log?pgSz=2&pgNum=2`);
    expect(page).to.include({ totalItems: '5', itemsInPage: '1', pageNum: '2' });
  });

  it('answers the log in XML, and refuses an unknown level (400) and an unknown run (404)', async () => {
    const [csid] = await createObjects(service, 1);
    const location = await finishedRun(perRecord, { mode: 'single', docType: 'CollectionObject', singleCSID: csid! });
    const res = await service.request(`${location}/log?level=info`, { headers: { Accept: XML_TYPE } });
    expect(res.status).to.equal(200);
    const xml = await res.text();
    const list = (parseXml(xml) as any)['ns2:abstract-common-list'];
    expect(list).to.include({ totalItems: '1', linesKept: '2', linesDropped: '0' });
    expect(list['list-item']).to.include({ line: '1', csid, attempt: '1', level: 'info', message: 'looking at o0', fields: '{"objectNumber":"o0"}' });

    const bad = await service.request(`${location}/log?level=loud`, { headers: { Accept: JSON_TYPE } });
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.include('level');
    await logJson('/cspace-services/runs/00000000-0000-4000-8000-000000000000/log', 404);
    expect((await service.request(`${location}/log`, { method: 'DELETE' })).status).to.equal(405);
  });

  it(`keeps ${ITEM_LOG_LINES} lines per item and the run's limit (RUN_LOG_LINES), counting the rest as dropped`, async () => {
    const [chatty, quiet] = await createObjects(service, 2, (i) => ({ chatty: i === 0 ? '200' : '100' }));
    const one = await finishedRun(perRecord, { mode: 'single', docType: 'CollectionObject', singleCSID: chatty! });
    // 202 lines logged: the item keeps its first ITEM_LOG_LINES.
    expect(await logJson(`${one}/log?pgSz=1`)).to.include({ totalItems: String(ITEM_LOG_LINES), linesKept: String(ITEM_LOG_LINES), linesDropped: '102' });
    const two = await finishedRun(perRecord, { mode: 'list', docType: 'CollectionObject', listCSIDs: [chatty!, quiet!] });
    // 100 + 100 kept by the items, 120 by the run (the service's RUN_LOG_LINES here).
    const list = await logJson(`${two}/log?pgSz=1`);
    expect(list).to.include({ totalItems: '120', linesKept: '120' });
    expect(Number(list.linesDropped)).to.equal(202 + 102 - 120);
  });

  it('keeps what a whole-invocation plugin logs, under the item key *', async () => {
    const whole = await createDefinition(service, { name: 'Log whole', supportsNoContext: true, className: 'test.LogWhole' });
    const location = await finishedRun(whole, { mode: 'nocontext' });
    expect(lines(await logJson(`${location}/log`)).map((line) => [line.csid, line.level, line.message, line.fields])).to.deep.equal([
      ['*', 'warn', 'nothing to do', '{"mode":"nocontext"}'],
    ]);
  });

  it('streams the log lines on the run events, every one before the end', async () => {
    const csids = await createObjects(service, 3);
    const location = await startRun(perRecord, { mode: 'list', docType: 'CollectionObject', listCSIDs: csids });
    const stream = await service.request(`${location}/events`);
    expect(stream.status).to.equal(200);
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!/event: end/.test(text)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const events = text.split('\n\n').filter((chunk) => chunk.trim() !== '');
    expect(events.at(-1)).to.match(/^event: end/);
    const logged = events
      .filter((event) => event.startsWith('event: log'))
      .map((event) => JSON.parse(event.split('\n').find((line) => line.startsWith('data: '))!.slice(6)));
    expect(logged.map((line) => line.line)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(logged.filter((line) => line.level === 'info').map((line) => line.csid).sort()).to.deep.equal([...csids].sort());
    expect(logged[0]).to.have.keys('line', 'csid', 'attempt', 'level', 'message', 'fields', 'at');
  });

  it('starts the log afresh on a rerun', async () => {
    const [failing] = await createObjects(service, 1, () => ({ fail: 'yes' }));
    const location = await finishedRun(perRecord, { mode: 'single', docType: 'CollectionObject', singleCSID: failing! });
    expect((await logJson(`${location}/log`)).totalItems).to.equal('3');
    await service.store.records.update('default' as TenantId, failing!, { objectNumber: 'fixed' }, { actor: 'test' });
    const rerun = await service.request(`${location}/rerun?only=failed`, { method: 'POST', headers: { Accept: JSON_TYPE } });
    expect(rerun.status, await rerun.clone().text()).to.equal(202);
    await runReaching(service, location, ['Completed'], 'the rerun to complete');
    expect(listed(await logJson(`${location}/log`))).to.deep.equal([
      [failing, 'info', 'looking at fixed'],
      [failing, 'debug', 'nothing to change'],
    ]);
  });

  it('takes the permission to read runs', async () => {
    const [csid] = await createObjects(service, 1);
    const location = await finishedRun(perRecord, { mode: 'single', docType: 'CollectionObject', singleCSID: csid! });
    await createRole(service, 'log-invoker', { definitions: 'RL', invoke: 'I' });
    await createRole(service, 'log-reader', { runs: 'RL' });
    const invoker = await createUser(service, 'ivan', ['log-invoker']);
    const reader = await createUser(service, 'rita', ['log-reader']);
    expect((await service.request(`${location}/log`, { auth: invoker })).status).to.equal(403);
    expect((await service.request(`${location}/log`, { auth: reader })).status).to.equal(200);
    expect((await service.request(`${location}/log`, { auth: null })).status).to.equal(401);
  });
});
