/**
 * The anchor of issue 14's throughput goal (at least 6× BullMQ): the same no-op workload of BENCH_ITEMS (100,000)
 * items, measured side by side in one sitting on this machine, first on Invocables (`npm run bench`'s run, see
 * noopRun.ts), then on BullMQ + Redis as BullMQ is commonly run for it: one job per item, added in bulk (1,000 a
 * call), one worker of concurrency 100 started before the adds, timed from the first add to the last job completed.
 *
 * Redis is the Debian package's `redis-server`, started here on a free loopback port with its data in a temporary
 * directory and no persistence (BullMQ gets the lighter durability: Invocables commits every outcome to SQLite). When
 * the binary is missing the anchor prints one line saying so and only Invocables is measured.
 *
 *   npm run bench:anchor
 *   BENCH_ITEMS=20000 npm run bench:anchor
 *   REDIS_SERVER=/opt/redis/bin/redis-server npm run bench:anchor    # another Redis binary
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue, Worker } from 'bullmq';
import { measureNoopRun } from './noopRun.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 100_000);
const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const BULK = 1_000;
const CONCURRENCY = 100;
const GOAL_RATIO = 6;

/** A port nothing listens on now, on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Redis of our own, ready for connections; `undefined` when there is no `redis-server` to start. */
async function startRedis(dir: string): Promise<{ port: number; redis: ChildProcess } | undefined> {
  const port = await freePort();
  const redis = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    redis.once('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(undefined) : reject(err)));
    redis.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready: ${output}`)));
    redis.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        redis.removeAllListeners('exit');
        resolve({ port, redis });
      }
    });
  });
}

async function measureBullmq(port: number): Promise<{ jobsPerSecond: number; totalSeconds: number }> {
  const connection = { host: '127.0.0.1', port };
  const queue = new Queue('bench-noop', { connection });
  const worker = new Worker('bench-noop', async () => undefined, { connection: { ...connection, maxRetriesPerRequest: null }, concurrency: CONCURRENCY });
  try {
    await worker.waitUntilReady();
    let completed = 0;
    const allCompleted = new Promise<void>((resolve) => {
      worker.on('completed', () => {
        completed += 1;
        if (completed === ITEMS) resolve();
      });
    });
    const started = performance.now();
    for (let first = 0; first < ITEMS; first += BULK) {
      const size = Math.min(BULK, ITEMS - first);
      await queue.addBulk(Array.from({ length: size }, (_, i) => ({ name: 'noop', data: { item: first + i } })));
    }
    await allCompleted;
    const seconds = (performance.now() - started) / 1000;
    return { jobsPerSecond: Math.round(ITEMS / seconds), totalSeconds: Number(seconds.toFixed(2)) };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

const n = (value: number) => value.toLocaleString('en-US');
const invocables = await measureNoopRun(ITEMS);
console.log(`Invocables: ${n(ITEMS)} no-op items in one run, ${n(invocables.itemsPerSecond)} items/s end to end (${invocables.totalSeconds} s)`);

const dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-bench-redis-'));
try {
  const started = await startRedis(dir);
  if (started === undefined) {
    console.log(`BullMQ anchor skipped: no ${REDIS_SERVER} on this machine (apt-get install redis-server)`);
  } else {
    try {
      const bullmq = await measureBullmq(started.port);
      const ratio = invocables.itemsPerSecond / bullmq.jobsPerSecond;
      console.log(JSON.stringify({ items: ITEMS, invocablesItemsPerSecond: invocables.itemsPerSecond, bullmqJobsPerSecond: bullmq.jobsPerSecond, ratio: Number(ratio.toFixed(2)) }, null, 2));
      console.log(
        `BullMQ + Redis: ${n(ITEMS)} no-op jobs (bulk adds of ${n(BULK)}, concurrency ${CONCURRENCY}), ${n(bullmq.jobsPerSecond)} jobs/s end to end (${bullmq.totalSeconds} s)\n` +
          `Invocables / BullMQ: ${ratio.toFixed(2)}×  [goal: >= ${GOAL_RATIO}×]; ` +
          `Node ${process.version}, ${os.availableParallelism()} CPUs, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`,
      );
    } finally {
      started.redis.kill();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
