/**
 * Login throttling that an attacker cannot turn into a lockout (README "Login throttling"): junk credentials
 * count nowhere, valid tokens always work, and a username locked by guesses from elsewhere stays open to the
 * addresses its user logged in from. Client addresses are set with X-Forwarded-For through a trusted proxy
 * setting, as a reverse proxy in front of the service would.
 */
import { expect } from 'chai';
import { JSON_TYPE } from '../support/api.js';
import { startTestService, TEST_ADMIN, type TestAuth, type TestService } from '../support/testService.js';
import { createRole, createToken, createUser } from './support.js';

describe('security: login throttling without lockout', () => {
  const services: TestService[] = [];
  afterEach(async () => {
    for (const service of services.splice(0)) await service.stop();
  });

  async function start(overrides: Parameters<typeof startTestService>[0] = {}): Promise<TestService> {
    const service = await startTestService(overrides);
    services.push(service);
    return service;
  }

  /** GET /batch as `auth`, from the client address `address` (as a trusted proxy reports it), when given. */
  const batch = (service: TestService, auth: TestAuth, address?: string, forwardedFor = address) =>
    service.request('/cspace-services/batch', {
      auth,
      headers: { Accept: JSON_TYPE, ...(forwardedFor !== undefined && { 'X-Forwarded-For': forwardedFor }) },
    });

  async function expectThrottled(res: Response, label: string): Promise<void> {
    expect(res.status, label).to.equal(429);
    expect(Number(res.headers.get('retry-after')), label).to.be.within(1, 900);
    expect(((await res.json()) as any).error.code, label).to.equal('TOO_MANY_REQUESTS');
  }

  it('keeps a valid token and the administrator working after 10, then 50, junk Authorization headers from their address', async () => {
    const service = await start();
    const unknownId = `inv1.${'A'.repeat(16)}.${'B'.repeat(43)}`;
    for (const junk of [10, 50]) {
      // Created but not yet used, so nothing about it is cached: it must pass the full check.
      const { token } = await createToken(service, TEST_ADMIN.username, `after-${junk}-junk`);
      for (let i = 0; i < junk; i += 1) {
        const headers = ['Bearer garbage', `Bearer garbage-${i}`, `Bearer ${unknownId}`][i % 3] ?? '';
        const res = await service.request('/cspace-services/batch', { headers: { Accept: JSON_TYPE, Authorization: headers } });
        expect(res.status, `${headers} #${i}`).to.equal(401);
      }
      expect((await batch(service, { token })).status, `fresh token after ${junk} junk headers`).to.equal(200);
      expect((await batch(service, TEST_ADMIN)).status, `administrator after ${junk} junk headers`).to.equal(200);
    }
  });

  for (const authCacheTtlMs of [60_000, 0]) {
    it(`lets alice in where she logged in before while her password is being guessed elsewhere, and keeps refusing the guessers (verification cache ${authCacheTtlMs === 0 ? 'off' : 'on'})`, async () => {
      const service = await start({ trustProxy: 'loopback', authCacheTtlMs });
      await createRole(service, 'reader', { definitions: 'RL' });
      const alice = await createUser(service, 'alice', ['reader']);
      const wrong = { username: 'alice', password: 'guess' };
      const home = '203.0.113.10';
      expect((await batch(service, alice, home)).status).to.equal(200);

      // One attacker address: ten guesses, then that address is refused for alice, even with her password.
      const attacker = '198.51.100.66';
      for (let i = 0; i < 10; i += 1) expect((await batch(service, wrong, attacker)).status, `guess ${i}`).to.equal(401);
      await expectThrottled(await batch(service, wrong, attacker), 'eleventh guess');
      await expectThrottled(await batch(service, alice, attacker), 'right password from the guessing address');
      expect((await batch(service, alice, home)).status, 'alice at home').to.equal(200);

      // Ten more addresses, one guess each: alice's username is past its own limit (20) everywhere she never was.
      for (let i = 1; i <= 10; i += 1) expect((await batch(service, wrong, `198.51.100.${i}`)).status).to.equal(401);
      await expectThrottled(await batch(service, wrong, '192.0.2.99'), 'a guess from yet another address');
      await expectThrottled(await batch(service, alice, '192.0.2.1'), 'alice from a new address waits (the documented limit)');
      expect((await batch(service, alice, home)).status, 'alice at home, username locked').to.equal(200);
      expect((await batch(service, wrong, home)).status, 'a wrong password from home is still checked').to.equal(401);
      expect((await batch(service, alice, home)).status).to.equal(200);
    });
  }

  it('refuses password spraying across usernames from one address, but not the users who logged in from it before', async () => {
    const service = await start({ trustProxy: 'loopback' });
    await createRole(service, 'reader', { definitions: 'RL' });
    const bob = await createUser(service, 'bob', ['reader']);
    const office = '192.0.2.50';
    expect((await batch(service, TEST_ADMIN, office)).status).to.equal(200);
    for (let i = 0; i < 10; i += 1) {
      expect((await batch(service, { username: `user-${i}`, password: 'Summer2025!' }, office)).status).to.equal(401);
    }
    await expectThrottled(await batch(service, { username: 'user-10', password: 'Summer2025!' }, office), 'eleventh username');
    await expectThrottled(await batch(service, { username: 'bob', password: 'Summer2025!' }, office), 'another guess');
    expect((await batch(service, TEST_ADMIN, office)).status, 'the administrator, proven at the office').to.equal(200);
    await expectThrottled(await batch(service, bob, office), 'bob never logged in from the office (the documented limit)');
    expect((await batch(service, bob, '192.0.2.51')).status, 'bob from elsewhere').to.equal(200);
  });

  it('behind a one-hop proxy, spoofed X-Forwarded-For entries escape neither the address limit nor the per-username limit', async () => {
    const service = await start({ trustProxy: 1 });
    await createRole(service, 'reader', { definitions: 'RL' });
    const alice = await createUser(service, 'alice', ['reader']);
    const home = '203.0.113.10';
    expect((await batch(service, alice, home)).status).to.equal(200);

    // The proxy appends the address it saw; whatever the client wrote before it is not believed.
    const proxied = (auth: TestAuth, i: number) => batch(service, auth, undefined, `10.9.8.${i}, 198.51.100.7`);
    for (let i = 0; i < 10; i += 1) expect((await proxied({ username: `user-${i}`, password: 'guess' }, i)).status).to.equal(401);
    await expectThrottled(await proxied({ username: 'user-10', password: 'guess' }, 10), 'a new spoofed entry');

    // An attacker who really has many addresses still meets the per-username limit, which no address resets.
    const wrong = { username: 'alice', password: 'guess' };
    for (let i = 0; i < 20; i += 1) expect((await batch(service, wrong, `198.51.100.${100 + i}`)).status).to.equal(401);
    await expectThrottled(await batch(service, wrong, '198.51.100.200'), 'guess 21 from a fresh address');
    expect((await batch(service, alice, home)).status, 'alice at home').to.equal(200);
  });
});
