/**
 * Benchmark: a no-op per-record plugin over BENCH_ITEMS records (default 100,000) as one background run on the
 * embedded store, end to end through HTTP (see noopRun.ts for what is measured). Prints items per second, time to
 * the first item, and memory (the process's peak RSS first: issue 14 wants it flat from 100,000 to 1,000,000 items), as
 * JSON and as one line the README can quote.
 *
 *   npm run bench                 # 100,000 items
 *   BENCH_ITEMS=10000 npm run bench
 */
import os from 'node:os';
import { measureNoopRun } from './noopRun.js';

const figures = await measureNoopRun(Number(process.env.BENCH_ITEMS ?? 100_000));
console.log(JSON.stringify(figures, null, 2));
const n = (value: number) => value.toLocaleString('en-US');
console.log(
  `${n(figures.items)} items: peak RSS ${n(figures.peakRssMiB)} MiB (seeding included; the goal compares it between ` +
    `100,000 and 1,000,000 items), ${n(figures.itemsPerSecond)} items/s end to end (${figures.totalSeconds} s, ${figures.runCpuSeconds} s of CPU), ` +
    `first item after ${n(figures.timeToFirstItemMs)} ms (${n(figures.firstItemAfterStoredMs)} ms after the run was stored), ` +
    `202 after ${n(figures.acceptedMs)} ms, ` +
    `RSS +${figures.runRssGrowthMiB} MiB and JS heap +${figures.runHeapGrowthMiB} MiB at most during the run, ` +
    `${figures.heapRetainedAfterRunMiB} MiB of heap retained after it ` +
    `(RSS ${figures.rssBeforeRunMiB} MiB before it); ` +
    `Node ${process.version}, ${os.availableParallelism()} CPUs`,
);
