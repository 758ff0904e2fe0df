/**
 * The store deleted under a running service (`rm -rf DATA_DIR` mid-run), end to end: the real service as a child
 * process on a temp DATA_DIR, a run of a plugin that creates one record per item, and a client creating records
 * all along. The service must notice (503 on /health and on writes, one error line), pause the run instead of
 * completing it into the deleted file, and, once the directory exists again, write the database back and go on:
 * every record it ever answered 201 for is there, after a restart too.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { childSandbox, type ChildSandbox, type ChildService } from '../support/childService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 2_000;

interface Write {
  startedAt: number;
  endedAt: number;
  status: number;
  code?: string;
  csid?: string;
}

/** POSTs Loanout records one after another until stopped (Loanouts: not part of the run over CollectionObjects). */
function writeContinuously(sandbox: ChildSandbox, service: ChildService) {
  const writes: Write[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n += 1) {
      const startedAt = Date.now();
      const res = await sandbox.request(service, '/cspace-services/records/Loanout', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ document: { '@name': 'Loanout', loanOutNumber: `L${n}` } }),
      });
      const write: Write = { startedAt, endedAt: Date.now(), status: res.status };
      if (res.status === 201) write.csid = (res.headers.get('location') ?? '').split('/').at(-1);
      else write.code = ((await res.json()) as any)?.error?.code ?? 'unparsed';
      writes.push(write);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    writes,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function health(sandbox: ChildSandbox, service: ChildService): Promise<{ status: number; body: any }> {
  const res = await sandbox.request(service, '/health');
  return { status: res.status, body: await res.json() };
}

async function runCounts(sandbox: ChildSandbox, service: ChildService, location: string): Promise<{ status: string; processed: number }> {
  const run = ((await (await sandbox.request(service, location)).json()) as any)['ns2:run'];
  return { status: run.status, processed: Number(run.noOfItemsProcessed) };
}

function errorLines(output: string): Array<{ msg: string; problem?: { kind: string; message: string } }> {
  return output
    .split('\n')
    .filter((line) => line.includes('"level":"error"'))
    .map((line) => JSON.parse(line));
}

describe('store deleted mid-run (rm -rf DATA_DIR)', function () {
  this.timeout(120_000);
  let sandbox: ChildSandbox;

  before(async () => {
    // About the SQLite file itself (its directory removed under the service): on the embedded engine whatever MONGODB_URI says.
    sandbox = await childSandbox('invocables-storeloss-', ['create-records.js'], { engine: 'sqlite' });
  });

  after(async function () {
    await sandbox.cleanup(this.currentTest?.state === 'failed');
  });

  it('answers 503 and pauses the run while the store is gone, then writes it back and loses nothing it acknowledged', async () => {
    await sandbox.seedRecords(ITEMS);
    const env = sandbox.env({ MAX_RUN_ITEMS: String(ITEMS), RUN_ITEM_DELAY_MS: '20', RUN_HEARTBEAT_MS: '200' });
    const service = await sandbox.start(env);
    const location = await sandbox.startRunOverAll(service, 'test.CreateRecords');
    const writer = writeContinuously(sandbox, service);

    await waitFor('the run to be under way', async () => ((await runCounts(sandbox, service, location)).processed >= 200 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect((await health(sandbox, service)).status).to.equal(200);
    const removedAt = Date.now();
    await rm(sandbox.dataDir, { recursive: true, force: true });

    const unavailable = await waitFor('/health to answer 503', async () => {
      const answer = await health(sandbox, service);
      return answer.status === 503 ? answer.body : undefined;
    }, { timeoutMs: 2_000, intervalMs: 50 });
    const detectedAt = Date.now();
    expect(detectedAt - removedAt, 'ms until /health said so').to.be.lessThan(2_000);
    expect(unavailable).to.deep.include({ status: 'unavailable' });
    expect(unavailable.store).to.include({ engine: 'sqlite' });
    expect(unavailable.store.problem.kind).to.equal('gone');

    // The run pauses: nothing more is recorded, and it does not reach Completed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const paused = await runCounts(sandbox, service, location);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stillPaused = await runCounts(sandbox, service, location);
    expect(stillPaused.status).to.equal('InProgress');
    expect(stillPaused.processed, 'items recorded while the store was gone').to.equal(paused.processed);
    expect(stillPaused.processed).to.be.lessThan(ITEMS);

    const restoredAt = Date.now();
    await mkdir(sandbox.dataDir);
    await waitFor('/health to answer 200 again', async () => ((await health(sandbox, service)).status === 200 ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    expect((await stat(sandbox.dbFile)).isFile(), 'the database written back').to.equal(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await writer.stop();

    const during = writer.writes.filter((write) => write.startedAt >= detectedAt && write.endedAt < restoredAt);
    expect(during.length, 'writes tried while the store was gone').to.be.greaterThan(10);
    expect(during.filter((write) => write.status !== 503 || write.code !== 'STORE_UNAVAILABLE')).to.deep.equal([]);
    expect(writer.writes.filter((write) => write.status !== 201 && write.status !== 503)).to.deep.equal([]);
    const acknowledged = writer.writes.filter((write) => write.status === 201).map((write) => write.csid!);
    expect(writer.writes.filter((write) => write.startedAt > restoredAt && write.status === 201)).to.not.be.empty;

    // One error line per fault (the database, Agenda's file), none per refused request, and a line when it cleared.
    const errors = errorLines(service.output());
    const faults = errors.filter((line) => line.msg.startsWith('store unavailable'));
    const faultFiles = faults.map((line) => line.problem?.message.split(' ')[2]);
    expect(faultFiles).to.include('invocables.sqlite');
    expect(new Set(faultFiles).size, 'one line per faulty file').to.equal(faults.length);
    expect(errors.filter((line) => !line.msg.startsWith('store unavailable'))).to.deep.equal([]);
    expect(service.output()).to.include('store available again');

    const run = await sandbox.finishedRun(service, location, 60_000);
    expect(run).to.include({ status: 'Completed', noOfItemsProcessed: String(ITEMS), noOfItemsFailed: '0' });
    for (const csid of acknowledged) {
      expect((await sandbox.request(service, `/cspace-services/records/Loanout/${csid}`)).status, `record ${csid} answered 201`).to.equal(200);
    }

    // And after a restart on the data directory that was written back.
    service.child.kill('SIGTERM');
    expect(((await service.exited) as [number | null])[0]).to.equal(0);
    const db = new Database(path.join(sandbox.dataDir, path.basename(sandbox.dbFile)), { readonly: true });
    const stored = new Set(db.prepare(`SELECT csid FROM records WHERE doc_type = 'Loanout'`).pluck().all() as string[]);
    const marked = db.prepare(`SELECT count(DISTINCT json_extract(fields, '$.source')) FROM records WHERE doc_type = 'Marker'`).pluck().get();
    const items = db.prepare(`SELECT status, count(*) AS n FROM run_items GROUP BY status`).all();
    db.close();
    expect(acknowledged.filter((csid) => !stored.has(csid)), 'acknowledged records lost').to.deep.equal([]);
    expect(marked, 'items with their marker record').to.equal(ITEMS);
    expect(items).to.deep.equal([{ status: 'Completed', n: ITEMS }]);
  });
});
