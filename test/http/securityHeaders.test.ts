import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import { securityHeaders } from '../../src/http/securityHeaders.js';

/** The headers a one-route app answers with behind `middleware`, without the ones that change per response. */
async function headersBehind(middleware: RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await res.text();
    const headers = Object.fromEntries(res.headers);
    delete headers.date;
    return headers;
  } finally {
    server.close();
  }
}

describe('http: security headers worked out once', () => {
  it("answers with exactly helmet's headers, its defaults and given options alike", async () => {
    for (const options of [undefined, { hsts: { maxAge: 60 }, referrerPolicy: { policy: 'same-origin' as const } }]) {
      const expected = await headersBehind(helmet(options));
      expect(expected).to.have.property('content-security-policy');
      expect(await headersBehind(securityHeaders(options))).to.deep.equal(expected);
    }
  });

  it('refuses at start-up options that would make the headers depend on the request', () => {
    const perRequest = { contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-x'"] } } };
    expect(() => securityHeaders(perRequest)).to.throw(TypeError, /depends on the request/);
  });
});
