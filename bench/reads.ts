/**
 * Benchmark: reads. `GET /cspace-services/batch/{csid}` (XML, Basic authentication) under load from autocannon,
 * beside a bare Express "hello" on the same machine and with the same load, so that the figure says what the
 * service adds to Express itself: authentication (the verification cache, the user and tenant looked up per
 * request), the store read, the document's encoding and the security headers. Besides requests per second it
 * prints the servers' CPU time per request (this process's, the load generator being a child process), which the
 * load of a shared machine moves far less than the rates.
 *
 *   npm run bench:reads                           # 10 connections, 5 s each, after a 2 s warm-up
 *   BENCH_CONNECTIONS=50 BENCH_SECONDS=10 npm run bench:reads
 */
import type autocannon from 'autocannon';
import express from 'express';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { promisify } from 'node:util';
import { startBenchService } from './support.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const GOAL = 0.7;

const AUTOCANNON_CLI = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

interface Measured {
  result: autocannon.Result;
  /** This process's CPU time (user and system) per request, in microseconds: the server's, as the load comes from a child. */
  cpuMicrosPerRequest: number;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<Measured> {
  // A process of its own, so that generating the load takes neither the event loop nor the CPU time of the server.
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const args = [AUTOCANNON_CLI, '-j', '-n', '-c', String(CONNECTIONS), '-d', String(seconds), ...headerArgs, url];
  const cpuBefore = process.cpuUsage();
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const cpu = process.cpuUsage(cpuBefore);
  const result = JSON.parse(stdout) as autocannon.Result;
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${url}: ${failed} of ${result.requests.total} requests failed (non-2xx, errors, timeouts)`);
  return { result, cpuMicrosPerRequest: (cpu.user + cpu.system) / result.requests.total };
}

async function measure(url: string, headers: Record<string, string>): Promise<Measured> {
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
  const ratio = read.result.requests.average / bare.result.requests.average;
  const figures = {
    connections: CONNECTIONS,
    seconds: SECONDS,
    bareExpressRequestsPerSecond: Math.round(bare.result.requests.average),
    definitionReadsPerSecond: Math.round(read.result.requests.average),
    readLatencyP50Ms: read.result.latency.p50,
    readLatencyP99Ms: read.result.latency.p99,
    ratio: Number(ratio.toFixed(2)),
    goal: GOAL,
    bareExpressCpuMicrosPerRequest: Math.round(bare.cpuMicrosPerRequest),
    definitionReadCpuMicrosPerRequest: Math.round(read.cpuMicrosPerRequest),
    cpuRatio: Number((bare.cpuMicrosPerRequest / read.cpuMicrosPerRequest).toFixed(2)),
  };
  console.log(JSON.stringify(figures, null, 2));
  console.log(
    `GET /batch/{csid} (XML, Basic): ${figures.definitionReadsPerSecond} req/s, p50 ${figures.readLatencyP50Ms} ms, ` +
      `p99 ${figures.readLatencyP99Ms} ms; bare Express hello ${figures.bareExpressRequestsPerSecond} req/s; ` +
      `ratio ${figures.ratio} (goal ≥ ${GOAL}: ${ratio >= GOAL ? 'met' : 'not met'}); server CPU per request ` +
      `${figures.definitionReadCpuMicrosPerRequest} µs against ${figures.bareExpressCpuMicrosPerRequest} µs (ratio ` +
      `${figures.cpuRatio}); ${CONNECTIONS} connections, ` +
      `${SECONDS} s; Node ${process.version}, ${os.availableParallelism()} CPUs`,
  );
} finally {
  helloServer.close();
  await bench.stop();
}
