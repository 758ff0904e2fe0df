/**
 * `readUploads` (src/http/multipartUploads.ts) behind a real Express server and a real client, with limits small
 * enough to reach: a file past its own limit and a body past the whole limit are 413, and a client that goes away
 * mid-upload ends the read (the request fails instead of waiting forever).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { errorHandler } from '../../src/http/errorHandler.js';
import { readUploads } from '../../src/http/multipartUploads.js';
import { createLogger } from '../../src/log.js';
import { waitFor } from '../support/waitFor.js';

describe('multipart uploads', () => {
  let server: http.Server;
  let base: string;
  /** How each upload the route read ended: the files' names, or the error's code. */
  const outcomes: string[] = [];
  let started = 0;

  before(async () => {
    const app = express();
    app.post('/upload', async (req, res) => {
      started += 1;
      try {
        const files = await readUploads(req, { maxBytes: 4096, maxFileBytes: 100, maxFiles: 2 });
        outcomes.push(files.map((file) => file.name).join(','));
        res.status(201).json(files.map(({ name, size }) => ({ name, size })));
      } catch (error) {
        outcomes.push((error as { code?: string }).code ?? 'unknown');
        throw error;
      }
    });
    app.use(errorHandler(createLogger('silent')));
    server = app.listen(0);
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const upload = (...files: Array<[string, string | Buffer]>) => {
    const form = new FormData();
    for (const [name, content] of files) form.append('file', new Blob([content]), name);
    return fetch(`${base}/upload`, { method: 'POST', body: form });
  };

  it('reads files within the limits, in order', async () => {
    const res = await upload(['a.txt', 'alpha'], ['b.txt', 'beta']);
    expect(res.status).to.equal(201);
    expect(await res.json()).to.deep.equal([
      { name: 'a.txt', size: 5 },
      { name: 'b.txt', size: 4 },
    ]);
  });

  it('answers 413 for a file past its own limit, and for a body past the whole limit', async () => {
    const oneTooBig = await upload(['small.txt', 'ok'], ['big.bin', Buffer.alloc(101)]);
    expect(oneTooBig.status).to.equal(413);
    const form = new FormData();
    for (let i = 0; i < 2; i += 1) form.append('file', new Blob([Buffer.alloc(90)]), `f${i}`);
    form.append('file', new Blob([Buffer.alloc(5000)]), 'third');
    const whole = await fetch(`${base}/upload`, { method: 'POST', body: form });
    expect(whole.status).to.equal(413);
  });

  it('ends the read of an upload whose client went away mid-body', async () => {
    const [before, startedBefore] = [outcomes.length, started];
    const req = http.request(`${base}/upload`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' } });
    req.on('error', () => undefined);
    req.write('--x\r\nContent-Disposition: form-data; name="file"; filename="cut.txt"\r\n\r\nhalf of it');
    await waitFor('the upload to reach the route', async () => (started > startedBefore ? true : undefined));
    req.destroy();
    const outcome = await waitFor('the read to end', async () => outcomes[before]);
    expect(outcome).to.equal('VALIDATION_FAILED');
  });
});
