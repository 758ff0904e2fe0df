/**
 * Ordered runs across processes: the real service as two child processes on one sandbox (one serving the API only,
 * one working on runs; MongoDB when `MONGODB_URI` is set). A run that follows another is stored `Waiting` by the API
 * process, and is woken in the worker once what it follows ends there (closed: completed in the worker) or in the
 * API process (cancelled: the API process wakes it through the shared scheduler).
 */
import { expect } from 'chai';
import { useChildSandbox, type ChildService } from '../support/childService.js';

const RECORDS = 5;
const NS = 'http://collectionspace.org/services/common/invocable';

describe('ordered runs over two processes sharing the store', function () {
  this.timeout(120_000);
  const sandbox = useChildSandbox('invocables-order-', ['record-items.js']);

  it('starts a follower in the worker once its run completed there, and fails one whose run the API process cancelled', async () => {
    await sandbox().seedRecords(RECORDS);
    const env = sandbox().env({ RUN_POLL_MS: '100' });
    const api = await sandbox().start({ ...env, RUN_ROLE: 'api' });
    const worker: ChildService = await sandbox().start({ ...env, RUN_ROLE: 'worker' });
    const definitions = await sandbox().request(api, '/cspace-services/batch?classname=test.RecordItems');
    const job = [((await definitions.json()) as any)['ns2:abstract-common-list']['list-item']].flat()[0].csid as string;
    const post = async (pathname: string, context: Record<string, unknown>, status: number) => {
      const res = await sandbox().request(api, pathname, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
        body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': NS, docType: 'CollectionObject', ...context } }),
      });
      expect(res.status, await res.clone().text()).to.equal(status);
      return ((await res.json()) as any)['ns2:run'];
    };
    const lead = () => post(`/cspace-services/batch/${job}/runs`, { mode: 'list' }, 201);
    const follower = (id: string) => post(`/cspace-services/batch/${job}/invoke`, { mode: 'nocontext', after: { runId: [id] } }, 202);
    const location = (run: { id: string }) => `/cspace-services/runs/${run.id}`;

    const [closed, cancelled] = [await lead(), await lead()];
    const [started, failing] = [await follower(closed.id), await follower(cancelled.id)];
    expect([started.status, failing.status]).to.deep.equal(['Waiting', 'Waiting']);

    expect((await sandbox().request(api, `${location(closed)}/close`, { method: 'POST' })).status).to.equal(200);
    const done = await sandbox().finishedRun(api, location(started), 60_000);
    expect(done).to.include({ status: 'Completed', noOfItemsProcessed: String(RECORDS) });
    const first = ((await (await sandbox().request(api, location(closed))).json()) as any)['ns2:run'];
    expect(first.status).to.equal('Completed');
    expect(Date.parse(done.startedAt)).to.be.at.least(Date.parse(first.completedAt));

    expect((await sandbox().request(api, `${location(cancelled)}/cancel`, { method: 'POST' })).status).to.equal(200);
    const failed = await sandbox().finishedRun(api, location(failing), 60_000);
    expect(failed.status).to.equal('Failed');
    expect(failed.statusText).to.equal(`Failed: run '${cancelled.id}', which this run follows, ended Cancelled; its items were not run`);
    expect(worker.output(), 'decided in the worker').to.include('run failed: a run it follows failed');

    for (const service of [api, worker]) service.child.kill('SIGTERM');
    const codes = await Promise.all([api, worker].map(async (service) => ((await service.exited) as [number | null])[0]));
    expect(codes).to.deep.equal([0, 0]);
  });
});
