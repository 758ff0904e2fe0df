/**
 * Benchmark: synchronous invokes (no `Prefer` header), one after another, each a run of BENCH_RECORDS records
 * (default 1) of the no-op per-record plugin, answered 200 when its run ends. Every invoke goes through the same
 * run machinery as a background run (stored run and items, Agenda job, worker), so this prints what that costs a
 * small synchronous call: latency percentiles and invokes per second, as JSON and as one line for the README, and the
 * CPU the process spent per invoke (all its threads, the benchmark's client included), the figure a loaded machine
 * moves least.
 *
 *   npm run bench:sync                            # 500 invokes of one record
 *   BENCH_INVOKES=2000 BENCH_RECORDS=10 npm run bench:sync
 */
import os from 'node:os';
import { invokeList, percentile, startBenchService } from './support.js';

const INVOKES = Number(process.env.BENCH_INVOKES ?? 500);
const RECORDS = Number(process.env.BENCH_RECORDS ?? 1);

const bench = await startBenchService(RECORDS);
try {
  const context = bench.csids.slice(0, RECORDS);
  // The first calls compile the code paths they take; they are not measured.
  for (let i = 0; i < 20; i += 1) await (await invokeList(bench, context)).text();
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < INVOKES; i += 1) {
    const sent = performance.now();
    const res = await invokeList(bench, context);
    const body = await res.text();
    if (res.status !== 200) throw new Error(`invoke answered ${res.status}: ${body}`);
    latencies.push(performance.now() - sent);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  const ms = (value: number) => Number(value.toFixed(1));
  const figures = {
    invokes: INVOKES,
    recordsPerInvoke: RECORDS,
    invokesPerSecond: Math.round(INVOKES / seconds),
    p50Ms: ms(percentile(latencies, 50)),
    p95Ms: ms(percentile(latencies, 95)),
    p99Ms: ms(percentile(latencies, 99)),
    maxMs: ms(latencies.at(-1) ?? Number.NaN),
    cpuMsPerInvoke: Number(((cpu.user + cpu.system) / 1000 / INVOKES).toFixed(2)),
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `${INVOKES} synchronous invokes of ${RECORDS} record(s), one at a time: ${figures.invokesPerSecond}/s, ` +
      `latency p50 ${figures.p50Ms} ms, p95 ${figures.p95Ms} ms, p99 ${figures.p99Ms} ms, max ${figures.maxMs} ms, ` +
      `CPU ${figures.cpuMsPerInvoke} ms per invoke; ` +
      `Node ${process.version}, ${os.availableParallelism()} CPUs`,
  );
} finally {
  await bench.stop();
}
