/**
 * Benchmark: reads. `GET /cspace-services/batch/{csid}` (XML, Basic authentication) under load from autocannon,
 * beside a bare Express "hello" on the same machine and with the same load, so that the figure says what the
 * service adds to Express itself: authentication (the verification cache, the user and tenant looked up per
 * request), the store read, the document's encoding and the security headers.
 *
 *   npm run bench:reads                           # 10 connections, 5 s each, after a 2 s warm-up
 *   BENCH_CONNECTIONS=50 BENCH_SECONDS=10 npm run bench:reads
 */
import autocannon from 'autocannon';
import express from 'express';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { startBenchService } from './support.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const GOAL = 0.7;

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<autocannon.Result> {
  // A worker thread of its own, so that generating the load does not take the event loop of the server it measures.
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds, workers: 1 });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed (non-2xx, errors, timeouts)`);
  return result;
}

async function measure(url: string, headers: Record<string, string>): Promise<autocannon.Result> {
  await load(url, headers, 2);
  return load(url, headers, SECONDS);
}

const hello = express();
hello.get('/', (_req, res) => {
  res.send('hello');
});
const helloServer = hello.listen(0, '127.0.0.1');
await new Promise((resolve) => helloServer.once('listening', resolve));
const bench = await startBenchService(0);
try {
  const bare = await measure(`http://127.0.0.1:${(helloServer.address() as AddressInfo).port}/`, {});
  const authorization = bench.authorization;
  const read = await measure(new URL(`/cspace-services/batch/${bench.definition}`, bench.service.url).href, {
    Authorization: authorization,
    Accept: 'application/xml',
  });
  const ratio = read.requests.average / bare.requests.average;
  const figures = {
    connections: CONNECTIONS,
    seconds: SECONDS,
    bareExpressRequestsPerSecond: Math.round(bare.requests.average),
    definitionReadsPerSecond: Math.round(read.requests.average),
    readLatencyP50Ms: read.latency.p50,
    readLatencyP99Ms: read.latency.p99,
    ratio: Number(ratio.toFixed(2)),
    goal: GOAL,
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `GET /batch/{csid} (XML, Basic): ${figures.definitionReadsPerSecond} req/s, p50 ${figures.readLatencyP50Ms} ms, ` +
      `p99 ${figures.readLatencyP99Ms} ms; bare Express hello ${figures.bareExpressRequestsPerSecond} req/s; ` +
      `ratio ${figures.ratio} (goal ≥ ${GOAL}: ${ratio >= GOAL ? 'met' : 'not met'}); ${CONNECTIONS} connections, ` +
      `${SECONDS} s; Node ${process.version}, ${os.availableParallelism()} CPUs`,
  );
} finally {
  helloServer.close();
  await bench.stop();
}
