import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import express from 'express';
import { pino } from 'pino';
import { loggerOf, requestLog } from '../../src/http/requestLog.js';

/** A one-route app behind `requestLog`, logging to memory: its log lines, parsed, and its URL. */
async function loggedApp(route: express.RequestHandler, level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const app = express();
  app.use(requestLog(pino({ base: { service: 'test' }, timestamp: false, level }, sink)));
  const router = express.Router();
  router.get('/:name', route);
  app.use('/things', router);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { lines, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('http: request log', () => {
  it('writes no line when info is not logged, and still sends the request id', async () => {
    const app = await loggedApp((_req, res) => {
      res.send('quiet');
    }, 'warn');
    try {
      const res = await fetch(`${app.url}/things/one`);
      expect(res.headers.get('x-request-id')).to.match(UUID);
      expect(await res.text()).to.equal('quiet');
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.lines).to.deep.equal([]);
    } finally {
      app.close();
    }
  });

  it('writes one line per request with its id, method, path as requested, status and duration, and nothing else', async () => {
    const app = await loggedApp((_req, res) => {
      res.status(201).send('made');
    });
    try {
      const res = await fetch(`${app.url}/things/one?secret=query`, { headers: { 'X-Request-Id': 'client-id.1' } });
      expect(res.headers.get('x-request-id')).to.equal('client-id.1');
      await res.text();
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.lines).to.have.length(1);
      const { ms, ...line } = app.lines[0] ?? {};
      expect(ms).to.be.a('number');
      expect(line).to.deep.equal({
        level: 30,
        service: 'test',
        requestId: 'client-id.1',
        method: 'GET',
        path: '/things/one',
        status: 201,
        msg: 'request',
      });
    } finally {
      app.close();
    }
  });

  it('replaces a request id that could break a log line or a header with a new UUID', async () => {
    const app = await loggedApp((_req, res) => {
      res.send('ok');
    });
    try {
      for (const sent of ['has space', 'x'.repeat(129), 'quote"d']) {
        const res = await fetch(`${app.url}/things/x`, { headers: { 'X-Request-Id': sent } });
        await res.text();
        expect(res.headers.get('x-request-id')).to.match(UUID);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.lines.map((line) => line.requestId)).to.satisfy((ids: unknown[]) => ids.every((id) => UUID.test(String(id))));
    } finally {
      app.close();
    }
  });

  it('logs a request once when the client goes away before the answer', async () => {
    let answer: (() => void) | undefined;
    const app = await loggedApp((_req, res) => {
      answer = () => res.send('late');
    });
    try {
      const aborted = new AbortController();
      const request = fetch(`${app.url}/things/slow`, { signal: aborted.signal }).catch((error: unknown) => error);
      while (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
      aborted.abort();
      await request;
      while (app.lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      answer();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(app.lines).to.have.length(1);
      expect(app.lines[0]).to.include({ path: '/things/slow', msg: 'request' });
    } finally {
      app.close();
    }
  });

  it("gives a route a logger whose lines carry the request's id", async () => {
    const app = await loggedApp((req, res) => {
      loggerOf(req).warn({ component: 'test' }, 'something of its own');
      res.send('ok');
    });
    try {
      const res = await fetch(`${app.url}/things/x`, { headers: { 'X-Request-Id': 'mine' } });
      await res.text();
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.lines[0]).to.include({ level: 40, requestId: 'mine', component: 'test', msg: 'something of its own' });
      expect(app.lines[1]).to.include({ requestId: 'mine', msg: 'request' });
    } finally {
      app.close();
    }
  });
});
