/**
 * The measured workload of `npm run bench` and of the BullMQ anchor: a no-op per-record plugin over `items` records as
 * one background run on a fresh embedded store, end to end through HTTP, every item's final status committed to
 * SQLite as in production. Answers items per second (request to completion), time to the first item, and memory,
 * sampled every 10 ms while the run goes: `runRssGrowthMiB` is its peak above what the seeded, warmed-up service held
 * when the request was sent (`rssBeforeRunMiB`); `peakRssMiB` is the whole process's peak, seeding included.
 */
import { invokeList, startBenchService } from './support.js';

export interface NoopRunFigures {
  items: number;
  status: string;
  processed: number;
  itemsPerSecond: number;
  totalSeconds: number;
  acceptedMs: number;
  timeToFirstItemMs: number;
  /** From the run's `createdAt` (when the service stored it, in ms) to its first item: what the service alone took. */
  firstItemAfterStoredMs: number;
  rssBeforeRunMiB: number;
  runRssGrowthMiB: number;
  runHeapGrowthMiB: number;
  heapRetainedAfterRunMiB: number;
  peakRssMiB: number;
  /** CPU time the whole process (service thread, plugin threads, SQLite) used from the request to the run's end: steadier than wall time on a loaded machine. */
  runCpuSeconds: number;
}

export async function measureNoopRun(items: number): Promise<NoopRunFigures> {
  /** When (on this thread's clock) each run's first item ran: the plugin, in its threads, says so on this channel. */
  const firstItems = new BroadcastChannel('invocables-bench-first-item');
  const firstItemAt = new Map<string, number>();
  const firstItemEpoch = new Map<string, number>();
  firstItems.onmessage = (event: MessageEvent) => {
    const told = event.data as { runId: string; at: number };
    const at = told.at - performance.timeOrigin;
    firstItemAt.set(told.runId, Math.min(firstItemAt.get(told.runId) ?? at, at));
    firstItemEpoch.set(told.runId, Math.min(firstItemEpoch.get(told.runId) ?? told.at, told.at));
  };

  const bench = await startBenchService(items);
  const { api, definition } = bench;
  try {
    // One small run first, so the measured one does not pay for compiling the code paths it takes.
    const warmUp = await invokeList(bench, bench.csids.slice(0, 1));
    if (warmUp.status !== 200) throw new Error(`warm-up invoke answered ${warmUp.status}: ${await warmUp.text()}`);

    globalThis.gc?.();
    const rssBeforeRun = process.memoryUsage().rss;
    const heapBeforeRun = process.memoryUsage().heapUsed;
    let runPeakRss = rssBeforeRun;
    let runPeakHeap = heapBeforeRun;
    const sampler = setInterval(() => {
      const { rss, heapUsed } = process.memoryUsage();
      runPeakRss = Math.max(runPeakRss, rss);
      runPeakHeap = Math.max(runPeakHeap, heapUsed);
    }, 10);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const res = await api(`/cspace-services/batch/${definition}/invoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Prefer: 'respond-async' },
      body: JSON.stringify({ 'ns2:invocationContext': { '@xmlns:ns2': 'http://collectionspace.org/services/common/invocable', mode: 'nocontext' } }),
    });
    const accepted = performance.now();
    if (res.status !== 202) throw new Error(`invoke answered ${res.status}: ${await res.text()}`);
    const location = res.headers.get('location') ?? '';
    const runId = location.split('/').pop() ?? '';
    let run: any;
    for (;;) {
      run = ((await (await api(location)).json()) as any)['ns2:run'];
      if (!['Queued', 'InProgress'].includes(run.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const finished = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    globalThis.gc?.();
    const heapRetained = process.memoryUsage().heapUsed - heapBeforeRun;
    const seconds = (finished - started) / 1000;
    return {
      items,
      status: run.status,
      processed: Number(run.noOfItemsProcessed),
      itemsPerSecond: Math.round(items / seconds),
      totalSeconds: Number(seconds.toFixed(2)),
      acceptedMs: Math.round(accepted - started),
      timeToFirstItemMs: Math.round((firstItemAt.get(runId) ?? Number.NaN) - started),
      firstItemAfterStoredMs: Math.round((firstItemEpoch.get(runId) ?? Number.NaN) - Date.parse(run.createdAt)),
      rssBeforeRunMiB: Math.round(rssBeforeRun / 2 ** 20),
      runRssGrowthMiB: Math.round((runPeakRss - rssBeforeRun) / 2 ** 20),
      runHeapGrowthMiB: Math.round((runPeakHeap - heapBeforeRun) / 2 ** 20),
      heapRetainedAfterRunMiB: Number((heapRetained / 2 ** 20).toFixed(1)),
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
      runCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    };
  } finally {
    firstItems.close();
    await bench.stop();
  }
}
