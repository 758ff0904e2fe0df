/**
 * An idempotent route that answers with bytes (a document's kept encoding) is replayed like one that answers with
 * text: before, only text given to `res.send` was kept, so the repeat of a byte answer got 409 "too large to keep"
 * and a route could not send its encoding as bytes without losing replay. A real Express app over the idempotency
 * service on a SQLite store on disk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import pino from 'pino';
import type { TenantId } from '../../src/domain/types.js';
import { errorHandler } from '../../src/http/errorHandler.js';
import { idempotent, REPLAYED_HEADER } from '../../src/http/idempotency.js';
import { bodyParsers } from '../../src/http/negotiation.js';
import { setCaller } from '../../src/http/requestContext.js';
import { IdempotencyService } from '../../src/services/idempotencyService.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

describe('HTTP idempotent posts answered with bytes', () => {
  let dir: string;
  let store: SqliteStore;
  let server: Server;
  let url: string;
  let acted = 0;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-idempotent-bytes-'));
    store = SqliteStore.open({ filename: path.join(dir, 'store.db') });
    const service = new IdempotencyService(store.idempotency, { retentionMs: 60_000, maxKeysPerUser: 10 });
    const app = express();
    app.use(bodyParsers('1mb'));
    app.use((_req, res, next) => {
      setCaller(res, { tenant: 'default' as TenantId, user: 'alice', roles: [], permissions: [], tenants: ['default' as TenantId] });
      next();
    });
    app.post('/things', idempotent(service), (_req, res) => {
      acted += 1;
      res.status(201).type('application/xml').location(`/things/${acted}`).send(Buffer.from(`<thing><n>${acted}</n><name>é</name></thing>`, 'utf8'));
    });
    app.post('/blobs', idempotent(service), (_req, res) => {
      acted += 1;
      res.status(201).type('application/octet-stream').send(Buffer.from([0xff, 0x00, acted]));
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (pathname: string, key: string) =>
    fetch(`${url}${pathname}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `"${key}"` }, body: '{"a":1}' });

  it('replays a document sent as bytes: same status, Location and body, marked replayed, and acts once', async () => {
    const before = acted;
    const first = await post('/things', 'bytes-1');
    const firstBody = await first.text();
    const repeat = await post('/things', 'bytes-1');
    expect(first.status).to.equal(201);
    expect(repeat.status).to.equal(201);
    expect(repeat.headers.get(REPLAYED_HEADER)).to.equal('true');
    expect(repeat.headers.get('location')).to.equal(first.headers.get('location'));
    expect(await repeat.text()).to.equal(firstBody);
    expect(firstBody).to.contain('<name>é</name>');
    expect(acted).to.equal(before + 1);
  });

  it('keeps a body that is no document without its bytes: its repeat gets 409 and acts nothing again', async () => {
    const before = acted;
    const first = await post('/blobs', 'blob-1');
    await first.arrayBuffer();
    const repeat = await post('/blobs', 'blob-1');
    expect(first.status).to.equal(201);
    expect(repeat.status).to.equal(409);
    expect(acted).to.equal(before + 1);
  });
});
