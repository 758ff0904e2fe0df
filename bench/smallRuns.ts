/**
 * Benchmark: many small runs, as a museum's staff make them from the UI while other runs go on. Three figures, each
 * printed beside the goal of issue 14 (never asserted: the machine's load decides them as much as the code):
 *
 * 1. BENCH_SIMULTANEOUS (200) one-record synchronous invokes sent at once, each with `Prefer: wait=BENCH_WAIT_S`
 *    (30, as a UI would): how many answered 200 and how many 202 (their run did not end in time), latency p50/p99.
 * 2. A backlog of BENCH_BACKLOG (1,000) one-record runs posted with `Prefer: respond-async`: runs per second from the
 *    first post until the store lists no active run.
 * 3. BENCH_SEQUENTIAL (500) one-record synchronous invokes one after another: invokes per second, latency p50.
 *
 *   npm run bench:small
 *   BENCH_BACKLOG=100 npm run bench:small
 */
import os from 'node:os';
import { invokeList, percentile, startBenchService, type BenchService } from './support.js';

const SIMULTANEOUS = Number(process.env.BENCH_SIMULTANEOUS ?? 200);
const WAIT_S = Number(process.env.BENCH_WAIT_S ?? 30);
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1_000);
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
/** Posts of the backlog in flight at once: enough to outpace the workers, few enough not to exhaust sockets. */
const POSTS_AT_ONCE = 50;

const ms = (value: number) => Number(value.toFixed(1));

/** CPU of the whole process (service, plugin threads, SQLite and client) since `before`, in ms per one of `count`: steadier than wall time on a loaded machine. */
const cpuMsPer = (before: NodeJS.CpuUsage, count: number) => {
  const { user, system } = process.cpuUsage(before);
  return ms((user + system) / 1000 / count);
};

/** One invoke of one record; answers its status and latency once its body is read. */
async function timedInvoke(bench: BenchService, csid: string, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  const sent = performance.now();
  const res = await invokeList(bench, [csid], headers);
  await res.text();
  return { status: res.status, ms: performance.now() - sent };
}

async function simultaneous(bench: BenchService) {
  const cpu = process.cpuUsage();
  const answers = await Promise.all(
    Array.from({ length: SIMULTANEOUS }, (_, i) => timedInvoke(bench, bench.csids[i % bench.csids.length] as string, { Prefer: `wait=${WAIT_S}` })),
  );
  const latencies = answers.map((answer) => answer.ms).sort((a, b) => a - b);
  return {
    invokes: SIMULTANEOUS,
    answered200: answers.filter((answer) => answer.status === 200).length,
    answered202: answers.filter((answer) => answer.status === 202).length,
    other: answers.filter((answer) => answer.status !== 200 && answer.status !== 202).length,
    p50Ms: ms(percentile(latencies, 50)),
    p99Ms: ms(percentile(latencies, 99)),
    maxMs: ms(latencies.at(-1) ?? Number.NaN),
    cpuMsPerInvoke: cpuMsPer(cpu, SIMULTANEOUS),
  };
}

async function backlog(bench: BenchService) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  const poster = async () => {
    for (let i = next++; i < BACKLOG; i = next++) {
      const { status } = await timedInvoke(bench, bench.csids[i % bench.csids.length] as string, { Prefer: 'respond-async' });
      if (status !== 202) throw new Error(`a backlog invoke answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: POSTS_AT_ONCE }, poster));
  const posted = performance.now();
  while ((await bench.service.store.runs.listActive()).length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  const seconds = (performance.now() - started) / 1000;
  return { runs: BACKLOG, runsPerSecond: Math.round(BACKLOG / seconds), drainedSeconds: Number(seconds.toFixed(2)), postedSeconds: Number(((posted - started) / 1000).toFixed(2)), cpuMsPerRun: cpuMsPer(cpu, BACKLOG) };
}

async function sequential(bench: BenchService) {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < SEQUENTIAL; i += 1) {
    const { status, ms: latency } = await timedInvoke(bench, bench.csids[i % bench.csids.length] as string, {});
    if (status !== 200) throw new Error(`a sequential invoke answered ${status}`);
    latencies.push(latency);
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { invokes: SEQUENTIAL, invokesPerSecond: Math.round(SEQUENTIAL / seconds), p50Ms: ms(percentile(latencies, 50)), p99Ms: ms(percentile(latencies, 99)) };
}

const bench = await startBenchService(Math.max(SIMULTANEOUS, 1));
try {
  // The first calls compile the code paths they take; they are not measured.
  for (let i = 0; i < 20; i += 1) await timedInvoke(bench, bench.csids[0] as string, {});
  const figures = { simultaneous: await simultaneous(bench), backlog: await backlog(bench), sequential: await sequential(bench) };
  console.log(JSON.stringify(figures, null, 2));
  const { simultaneous: s, backlog: b, sequential: q } = figures;
  console.log(
    [
      `${s.invokes} simultaneous one-record synchronous invokes (Prefer: wait=${WAIT_S}): ${s.answered200} answered 200, ` +
        `${s.answered202} 202, ${s.other} other; p50 ${s.p50Ms} ms, p99 ${s.p99Ms} ms, CPU ${s.cpuMsPerInvoke} ms per invoke  [goal: all 200, p99 <= 500 ms]`,
      `backlog of ${b.runs} one-record runs: drained at ${b.runsPerSecond} runs/s (${b.drainedSeconds} s, posted in ${b.postedSeconds} s), CPU ${b.cpuMsPerRun} ms per run  [goal: >= 500 runs/s]`,
      `${q.invokes} sequential one-record synchronous invokes: ${q.invokesPerSecond}/s, p50 ${q.p50Ms} ms, p99 ${q.p99Ms} ms  [goal: >= 1,500/s, p50 <= 1 ms]`,
      `Node ${process.version}, ${os.availableParallelism()} CPUs, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`,
    ].join('\n'),
  );
} finally {
  await bench.stop();
}
