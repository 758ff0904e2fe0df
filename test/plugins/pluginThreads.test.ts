/**
 * PluginThreads on real worker threads: every call it is given settles, whatever order the thread's channels (its
 * port, where outcomes of calls that end early go, the pool's, where the batch's last outcomes go, and the worker's
 * own, which brings the port when the thread starts) are read in. The service's event loop is held right after each
 * batch is sent, so that every channel has its messages waiting when it reads again: before the fix, outcomes waiting
 * on the port were lost when the pool's answer was read first, and their calls never settled (a run stuck with its
 * last items `Processing`). Batches of different invocations share a thread and its port, each answered its own;
 * when the thread stops, a one-call batch that shared it is not charged.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { StoredRecord } from '../../src/domain/types.js';
import { createLogger } from '../../src/log.js';
import type { PluginCallRequest } from '../../src/plugins/pluginCalls.js';
import { PluginThreads } from '../../src/plugins/threads/pluginThreads.js';

const PLUGIN = `
import { setTimeout as sleep } from 'node:timers/promises';
export default {
  className: 'test.Sleepy',
  contract: '^1.1.0',
  modes: ['list'],
  docTypes: ['CollectionObject'],
  async processItem(record) {
    await sleep(record.fields.ms);
    if (record.fields.exit) process.exit(1);
    return { affected: true, note: record.csid };
  },
};
`;

/** Logs its record's csid, then answers, in its note, what its \`ctx.records.get\` answered. */
const ASKING = `
export default {
  className: 'test.Asking',
  contract: '^1.1.0',
  modes: ['list'],
  docTypes: ['CollectionObject'],
  async processItem(record, _input, ctx) {
    ctx.log.info(record.csid);
    const found = await ctx.records.get(record.csid);
    return { affected: true, note: found.fields.answer };
  },
};
`;

/** Posts to its worker's own channel, where the thread's port comes from, what no thread would send. */
const POSTING = `
import { MessageChannel, parentPort, threadId } from 'node:worker_threads';
export default {
  className: 'test.Posting',
  contract: '^1.1.0',
  modes: ['list'],
  docTypes: ['CollectionObject'],
  async processItem(record) {
    parentPort.postMessage(null);
    parentPort.postMessage({ t: 'port' });
    parentPort.postMessage({ t: 'port', thread: threadId, port: 'not a port' });
    const { port2 } = new MessageChannel();
    parentPort.postMessage({ t: 'port', thread: threadId, port: port2 }, [port2]);
    return { affected: true, note: record.csid };
  },
};
`;

/** Says, in its note, when (epoch ms) the event loop of the thread running it started: a thread's loop counts from its start. */
const BORN = `
export default {
  className: 'test.Born',
  contract: '^1.1.0',
  modes: ['list'],
  docTypes: ['CollectionObject'],
  async processItem() {
    const { idle, active } = performance.eventLoopUtilization();
    return { affected: true, note: String(Date.now() - idle - active) };
  },
};
`;

/** Says, in its note, how many of its calls this thread ran at once when the call started. */
const COUNTING = `
import { setTimeout as sleep } from 'node:timers/promises';
let running = 0;
export default {
  className: 'test.Counting',
  contract: '^1.1.0',
  modes: ['list'],
  docTypes: ['CollectionObject'],
  async processItem(record) {
    running += 1;
    const atOnce = running;
    try {
      await sleep(record.fields.ms);
    } finally {
      running -= 1;
    }
    return { affected: true, note: String(atOnce) };
  },
};
`;

const ROUNDS = 60;
const CALLS = 8;

function holdEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('PluginThreads', function () {
  // Each round that loses a call waits 2 s for it: room for all of them to, so the count is what fails.
  this.timeout(ROUNDS * 2_000 + 30_000);
  let dir: string;
  let threads: PluginThreads;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-threads-'));
    await writeFile(path.join(dir, 'sleepy.mjs'), PLUGIN);
    await writeFile(path.join(dir, 'counting.mjs'), COUNTING);
    await writeFile(path.join(dir, 'asking.mjs'), ASKING);
    await writeFile(path.join(dir, 'posting.mjs'), POSTING);
    await writeFile(path.join(dir, 'born.mjs'), BORN);
    // One crash charged fails a call: a call charged for a crash it did not cause would fail.
    threads = new PluginThreads(createLogger('silent'), { maxThreads: 1, maxCrashes: 1 });
  });

  after(async () => {
    await threads.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('settles every call of a batch whose early outcomes and last outcomes arrive together', async () => {
    const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    let unsettled = 0;
    for (let round = 0; round < ROUNDS; round += 1) {
      const input = { mode: 'list' } as unknown as PluginCallRequest['input'];
      const calls = Array.from({ length: CALLS }, (_, i) => {
        // The first call ends at once (its outcome goes by the port), the others a little later (by the pool).
        const record = { csid: `r${round}-${i}`, docType: 'CollectionObject', fields: { ms: i === 0 ? 0 : 3 } } as unknown as StoredRecord;
        return threads.call({
          plugin: { kind: 'file', file: path.join(dir, 'sleepy.mjs'), version: '1', className: 'test.Sleepy' },
          input,
          tenantId: 'default',
          user: 'admin',
          method: 'processItem',
          subject: record,
          log,
          timeoutMs: 5_000,
          concurrency: CALLS,
          what: `call ${round}-${i}`,
        });
      });
      // Held once the batch is in the thread (its calls take milliseconds): the thread answers meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1));
      holdEventLoop(30);
      const settled = await Promise.race([
        Promise.allSettled(calls).then((outcomes) => outcomes.length),
        new Promise<number>((resolve) => setTimeout(() => resolve(-1), 2_000)),
      ]);
      if (settled === -1) unsettled += 1;
    }
    expect(unsettled, 'rounds with a call that never settled').to.equal(0);
  });

  /** A call of `input` to the plugin `file` (`sleepy`, `counting`, `asking`, `posting` or `born`) on a record with `fields`. */
  function requestOf(file: string, input: PluginCallRequest['input'], concurrency: number, csid: string, fields: Record<string, unknown>): PluginCallRequest {
    return {
      plugin: { kind: 'file', file: path.join(dir, `${file}.mjs`), version: '1', className: `test.${file}` },
      input,
      tenantId: 'default',
      user: 'admin',
      method: 'processItem',
      subject: { csid, docType: 'CollectionObject', fields } as unknown as StoredRecord,
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      timeoutMs: 5_000,
      concurrency,
      what: `call ${csid}`,
    };
  }

  function callOf(file: string, input: PluginCallRequest['input'], concurrency: number, csid: string, fields: Record<string, unknown>) {
    return threads.call(requestOf(file, input, concurrency, csid, fields));
  }

  const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 20));

  it("runs an invocation's later calls beside a slow first one, in a batch of their own", async () => {
    const input = { mode: 'list' } as unknown as PluginCallRequest['input'];
    let slowDone = false;
    const slow = callOf('counting', input, 2, 'slow', { ms: 2_000 }).finally(() => (slowDone = true));
    await nextTurn();
    const quick = await Promise.all(Array.from({ length: 5 }, (_, i) => callOf('counting', input, 2, `quick${i}`, { ms: 10 })));
    expect(slowDone, 'the slow call still running when the quick ones ended').to.equal(false);
    // The slow call holds one of the two places: the quick ones ran one at a time beside it.
    expect(quick.map((result) => (result as { note: string }).note)).to.deep.equal(['2', '2', '2', '2', '2']);
    await slow;
  });

  it('runs no more calls of an invocation at once than its concurrency, and uses the places its batches give back', async () => {
    const input = { mode: 'list' } as unknown as PluginCallRequest['input'];
    const first = callOf('counting', input, 3, 'first', { ms: 50 });
    await nextTurn();
    // Two places left for these at first; the first call's place comes to them when it ends.
    const rest = Array.from({ length: 12 }, (_, i) => callOf('counting', input, 3, `rest${i}`, { ms: 100 }));
    const notes = (await Promise.all([first, ...rest])).map((result) => Number((result as { note: string }).note));
    expect(Math.max(...notes), 'calls at once at most').to.equal(3);
    expect(notes.slice(1).filter((atOnce) => atOnce === 3).length, 'later calls that ran three at once').to.be.greaterThan(1);
  });

  it("charges a crash to the call that stopped the thread, not to the slow call of a batch of the same invocation beside it", async () => {
    const input = { mode: 'list' } as unknown as PluginCallRequest['input'];
    const innocent = callOf('sleepy', input, 2, 'innocent', { ms: 300 });
    await nextTurn();
    const culprit = callOf('sleepy', input, 2, 'culprit', { ms: 50, exit: true });
    const [innocentOutcome, culpritOutcome] = await Promise.allSettled([innocent, culprit]);
    expect(innocentOutcome).to.deep.equal({ status: 'fulfilled', value: { affected: true, note: 'innocent' } });
    expect((culpritOutcome as PromiseRejectedResult).reason).to.include({ code: 'PLUGIN_CRASHED' });
  });

  it('charges a crash to the call that stopped a shared thread, not to the one-call batch beside it', async () => {
    const log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    const call = (csid: string, fields: Record<string, unknown>) =>
      threads.call({
        plugin: { kind: 'file', file: path.join(dir, 'sleepy.mjs'), version: '1', className: 'test.Sleepy' },
        // Two invocations: each call is a batch of its own, and the one thread runs both at once.
        input: { mode: 'list' } as unknown as PluginCallRequest['input'],
        tenantId: 'default',
        user: 'admin',
        method: 'processItem',
        subject: { csid, docType: 'CollectionObject', fields } as unknown as StoredRecord,
        log,
        timeoutMs: 5_000,
        concurrency: 1,
        what: `call ${csid}`,
      });
    const innocent = call('innocent', { ms: 300 });
    const culprit = call('culprit', { ms: 50, exit: true });
    const [innocentOutcome, culpritOutcome] = await Promise.allSettled([innocent, culprit]);
    expect(innocentOutcome).to.deep.equal({ status: 'fulfilled', value: { affected: true, note: 'innocent' } });
    expect(culpritOutcome.status).to.equal('rejected');
    expect((culpritOutcome as PromiseRejectedResult).reason).to.include({ code: 'PLUGIN_CRASHED' });
  });

  /** A call of the asking plugin in `input` whose \`ctx.records.get\` answers \`answer\`; its log lines go to `lines`. */
  function askingCall(using: PluginThreads, input: PluginCallRequest['input'], csid: string, answer: string, lines: string[]) {
    const line = (message: string) => lines.push(message);
    return using.call({
      ...requestOf('asking', input, 4, csid, {}),
      records: { get: async () => ({ csid, docType: 'CollectionObject', fields: { answer } }) } as unknown as PluginCallRequest['records'],
      log: { debug: line, info: line, warn: line, error: line },
    });
  }

  it("answers the records calls and takes the log lines of batches sharing a thread's port, each call its own", async () => {
    // Three invocations at once, so three batches in the one thread, their traffic on its one port.
    const inputs = Array.from({ length: 3 }, () => ({ mode: 'list' }) as unknown as PluginCallRequest['input']);
    const lines = new Map<string, string[]>();
    const calls = inputs.flatMap((input, run) =>
      Array.from({ length: 4 }, (_, i) => {
        const csid = `run${run}-item${i}`;
        lines.set(csid, []);
        return askingCall(threads, input, csid, `answer for ${csid}`, lines.get(csid) as string[]);
      }),
    );
    const notes = (await Promise.all(calls)).map((result) => (result as { note: string }).note);
    expect(notes).to.deep.equal([...lines.keys()].map((csid) => `answer for ${csid}`));
    for (const [csid, logged] of lines) expect(logged, `log lines of ${csid}`).to.deep.equal([csid]);
  });

  it("keeps its threads' ports whatever plugin code posts on the worker's channel", async () => {
    const posting = await callOf('posting', { mode: 'list' } as unknown as PluginCallRequest['input'], 1, 'posting', {});
    expect(posting).to.deep.equal({ affected: true, note: 'posting' });
    // The thread's traffic still reaches the service through its own port.
    const lines: string[] = [];
    const after = await askingCall(threads, { mode: 'list' } as unknown as PluginCallRequest['input'], 'after', 'still answered', lines);
    expect(after).to.deep.equal({ affected: true, note: 'still answered' });
    expect(lines).to.deep.equal(['after']);
  });

  it('starts its first thread on start(), so that the first call finds it started', async () => {
    const fresh = new PluginThreads(createLogger('silent'), { maxThreads: 1 });
    try {
      await fresh.start();
      const calledAt = Date.now();
      const answer = (await fresh.call(requestOf('born', { mode: 'list' } as unknown as PluginCallRequest['input'], 1, 'born', {}))) as { note: string };
      expect(Number(answer.note), 'when the thread that ran the first call started').to.be.below(calledAt);
    } finally {
      await fresh.close();
    }
  });

  it('starts no thread once closed', async () => {
    const closed = new PluginThreads(createLogger('silent'), { maxThreads: 1 });
    await closed.close();
    await closed.start();
    const failure = await closed.call(requestOf('born', { mode: 'list' } as unknown as PluginCallRequest['input'], 1, 'late', {})).catch((err: unknown) => err);
    expect((failure as Error).message).to.contain('shutting down');
  });

  it("settles a new thread's first batch when its answer is read before the thread's port has come", async () => {
    // A pool's first thread takes a task before it is ready: held here, the thread's port, the outcome of the batch's
    // quick call (sent on the port) and the pool's answer with the other one all wait to be read, in whatever order
    // the service reads its channels.
    const fresh = new PluginThreads(createLogger('silent'), { maxThreads: 1 });
    try {
      const input = { mode: 'list' } as unknown as PluginCallRequest['input'];
      const calls = [0, 20].map((ms) => fresh.call(requestOf('sleepy', input, 2, `after${ms}`, { ms })));
      await new Promise((resolve) => setTimeout(resolve, 1));
      holdEventLoop(1_000);
      const outcomes = await Promise.race([Promise.all(calls), new Promise((resolve) => setTimeout(() => resolve('never settled'), 5_000))]);
      expect(outcomes).to.deep.equal([
        { affected: true, note: 'after0' },
        { affected: true, note: 'after20' },
      ]);
    } finally {
      await fresh.close();
    }
  });
});
