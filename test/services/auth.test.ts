import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Caller } from '../../src/domain/access.js';
import type { TenantId } from '../../src/domain/types.js';
import { parseAuthorization } from '../../src/http/authenticate.js';
import { generateToken, parseToken } from '../../src/services/auth/apiToken.js';
import { AuthService } from '../../src/services/auth/authService.js';
import { bootstrapAuth } from '../../src/services/auth/bootstrap.js';
import { FailureCounter } from '../../src/services/auth/failureCounter.js';
import { LoginThrottle } from '../../src/services/auth/loginThrottle.js';
import { hashSecret, verifySecret } from '../../src/services/auth/secretHash.js';
import { TokenAdmin } from '../../src/services/auth/tokenAdmin.js';
import { VerificationCache } from '../../src/services/auth/verificationCache.js';
import { StoreGenerations } from '../../src/services/keptReads.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2025-01-01T00:00:00.000Z')) {
  let time = start;
  return { now: () => new Date(time), advance: (ms: number) => (time += ms) };
}

describe('services: auth', () => {
  describe('secret hashes', () => {
    it('are salted scrypt hashes that verify only the same secret', async () => {
      const first = await hashSecret('correct horse');
      const second = await hashSecret('correct horse');
      expect(first).to.match(/^scrypt\$16384\$8\$1\$/).and.not.equal(second);
      expect(await verifySecret('correct horse', first)).to.equal(true);
      expect(await verifySecret('correct horse', second)).to.equal(true);
      expect(await verifySecret('correct hors', first)).to.equal(false);
      expect(await verifySecret('', first)).to.equal(false);
    });

    it('never match a malformed or absurdly costly stored hash', async () => {
      for (const stored of ['', 'plain', 'scrypt$16384$8$1$c2FsdA', 'scrypt$3$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA', 'scrypt$1073741824$8$1$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA']) {
        expect(await verifySecret('x', stored), stored).to.equal(false);
      }
    });
  });

  describe('API tokens', () => {
    it('are inv1.<id>.<32 random bytes>, and only well-formed ones parse', () => {
      const { id, secret, token } = generateToken();
      expect(token).to.equal(`inv1.${id}.${secret}`);
      expect(Buffer.from(secret, 'base64url')).to.have.length(32);
      expect(parseToken(token)).to.deep.equal({ id, secret });
      expect(generateToken().token).to.not.equal(token);
      for (const bad of ['', token.slice(0, -1), `inv2.${id}.${secret}`, `${token}.x`, `inv1.${id}`]) {
        expect(parseToken(bad), bad).to.equal(undefined);
      }
    });
  });

  describe('parseAuthorization', () => {
    it('reads Basic and Bearer, and nothing else', () => {
      const basic = `Basic ${Buffer.from('alice:pa:ss wörd').toString('base64')}`;
      expect(parseAuthorization(basic)).to.deep.equal({ scheme: 'basic', username: 'alice', password: 'pa:ss wörd' });
      expect(parseAuthorization('bearer abc')).to.deep.equal({ scheme: 'bearer', token: 'abc' });
      for (const header of [undefined, '', 'Basic', 'Basic !!!', `Basic ${Buffer.from(':pw').toString('base64')}`, 'Negotiate abc', 'Bearer a b']) {
        expect(parseAuthorization(header), String(header)).to.equal(undefined);
      }
    });
  });

  describe('FailureCounter', () => {
    it('locks a key at the limit until its oldest failure leaves the window', () => {
      const clock = manualClock();
      const throttle = new FailureCounter({ maxFailures: 3, windowMs: 60_000 }, clock.now);
      throttle.recordFailure(['user:a']);
      clock.advance(10_000);
      throttle.recordFailure(['user:a']);
      expect(throttle.retryAfterSeconds(['user:a'])).to.equal(undefined);
      throttle.recordFailure(['user:a', 'address:1']);
      expect(throttle.retryAfterSeconds(['user:a'])).to.equal(50);
      expect(throttle.retryAfterSeconds(['address:1'])).to.equal(undefined);
      expect(throttle.retryAfterSeconds(['user:b', 'user:a'])).to.equal(50);
      clock.advance(50_000);
      expect(throttle.retryAfterSeconds(['user:a'])).to.equal(undefined);
      throttle.recordFailure(['user:a']);
      expect(throttle.retryAfterSeconds(['user:a'])).to.equal(10);
      throttle.clear('user:a');
      expect(throttle.retryAfterSeconds(['user:a'])).to.equal(undefined);
    });

    it('forgets the stalest keys beyond its capacity', () => {
      const clock = manualClock();
      const throttle = new FailureCounter({ maxFailures: 1, windowMs: 60_000, maxKeys: 2 }, clock.now);
      throttle.recordFailure(['a']);
      throttle.recordFailure(['b']);
      throttle.recordFailure(['c']);
      expect(throttle.retryAfterSeconds(['a'])).to.equal(undefined);
      expect(throttle.retryAfterSeconds(['c'])).to.equal(60);
    });
  });

  describe('LoginThrottle', () => {
    const limits = { maxFailuresPerUserAddress: 3, maxFailuresPerAddress: 5, maxFailuresPerUser: 6, windowMs: 60_000 };
    const failTimes = (throttle: LoginThrottle, times: number, username: string, address: string) => {
      for (let i = 0; i < times; i += 1) throttle.passwordFailed(username, address);
    };

    it('refuses a username at one address at the pair limit, even a proven one, until a failure leaves the window', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(limits, clock.now);
      throttle.passwordSucceeded('alice', 'home');
      failTimes(throttle, 2, 'alice', 'home');
      expect(throttle.passwordRetryAfterSeconds('alice', 'home')).to.equal(undefined);
      clock.advance(10_000);
      failTimes(throttle, 1, 'alice', 'home');
      expect(throttle.passwordRetryAfterSeconds('alice', 'home')).to.equal(50);
      expect(throttle.passwordRetryAfterSeconds('alice', 'office')).to.equal(undefined);
      expect(throttle.passwordRetryAfterSeconds('bob', 'home')).to.equal(undefined);
      clock.advance(50_000);
      expect(throttle.passwordRetryAfterSeconds('alice', 'home')).to.equal(undefined);
    });

    it('starts a pair again from zero after the right password, but keeps the address and username counts', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(limits, clock.now);
      failTimes(throttle, 2, 'alice', 'cafe');
      throttle.passwordSucceeded('alice', 'cafe');
      failTimes(throttle, 2, 'alice', 'cafe');
      expect(throttle.passwordRetryAfterSeconds('alice', 'cafe')).to.equal(undefined);
      // Four failures at the cafe plus one: the address limit (5) is reached for everyone not proven there.
      failTimes(throttle, 1, 'mallory', 'cafe');
      expect(throttle.passwordRetryAfterSeconds('carol', 'cafe')).to.equal(60);
      expect(throttle.passwordRetryAfterSeconds('alice', 'cafe')).to.equal(undefined);
    });

    it('refuses a username past its own limit to every address it never logged in from, and only to those', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(limits, clock.now);
      throttle.passwordSucceeded('alice', 'home');
      for (let i = 0; i < 6; i += 1) failTimes(throttle, 1, 'alice', `botnet-${i}`);
      expect(throttle.passwordRetryAfterSeconds('alice', 'botnet-99')).to.equal(60);
      expect(throttle.passwordRetryAfterSeconds('alice', 'new-laptop')).to.equal(60);
      expect(throttle.passwordRetryAfterSeconds('alice', 'home')).to.equal(undefined);
      expect(throttle.passwordRetryAfterSeconds('bob', 'botnet-99')).to.equal(undefined);
      // Proven at home: a guess from there is still checked and counted, so the pair limit still stops it.
      failTimes(throttle, 3, 'alice', 'home');
      expect(throttle.passwordRetryAfterSeconds('alice', 'home')).to.equal(60);
    });

    it('vouches for an address for 30 days, and for the last 8 addresses of a user', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(limits, clock.now);
      throttle.passwordSucceeded('alice', 'old');
      clock.advance(30 * 86_400_000 - 60_000);
      for (let i = 0; i < 8; i += 1) throttle.passwordSucceeded('alice', `address-${i}`);
      failTimes(throttle, 6, 'alice', 'attacker');
      expect(throttle.passwordRetryAfterSeconds('alice', 'address-0')).to.equal(undefined);
      expect(throttle.passwordRetryAfterSeconds('alice', 'old'), 'pushed out by 8 newer addresses').to.equal(60);
      throttle.passwordSucceeded('alice', 'old');
      clock.advance(30 * 86_400_000);
      failTimes(throttle, 6, 'alice', 'attacker');
      expect(throttle.passwordRetryAfterSeconds('alice', 'old'), 'proven 30 days ago').to.equal(60);
    });

    it('counts wrong token secrets apart from password failures', () => {
      const clock = manualClock();
      const throttle = new LoginThrottle(limits, clock.now);
      for (let i = 0; i < 5; i += 1) throttle.tokenFailed('scanner');
      expect(throttle.tokenRetryAfterSeconds('scanner')).to.equal(60);
      expect(throttle.passwordRetryAfterSeconds('alice', 'scanner')).to.equal(undefined);
      for (let i = 0; i < 5; i += 1) throttle.passwordFailed(`user-${i}`, 'sprayer');
      expect(throttle.passwordRetryAfterSeconds('alice', 'sprayer')).to.equal(60);
      expect(throttle.tokenRetryAfterSeconds('sprayer')).to.equal(undefined);
    });
  });

  describe('VerificationCache', () => {
    it('remembers a verification for the TTL, and only against the same stored hash', () => {
      const clock = manualClock();
      const cache = new VerificationCache({ ttlMs: 1000 }, clock.now);
      cache.remember('user:a', 'secret', 'hash-1');
      expect(cache.has('user:a', 'secret', 'hash-1')).to.equal(true);
      expect(cache.has('user:a', 'other', 'hash-1')).to.equal(false);
      expect(cache.has('user:b', 'secret', 'hash-1')).to.equal(false);
      expect(cache.has('user:a', 'secret', 'hash-2')).to.equal(false);
      expect(cache.has('user:a', 'secret', 'hash-1')).to.equal(false);
      cache.remember('user:a', 'secret', 'hash-1');
      clock.advance(1000);
      expect(cache.has('user:a', 'secret', 'hash-1')).to.equal(false);
      const disabled = new VerificationCache({ ttlMs: 0 }, clock.now);
      disabled.remember('user:a', 'secret', 'hash-1');
      expect(disabled.has('user:a', 'secret', 'hash-1')).to.equal(false);
    });
  });

  describe('AuthService', () => {
    let store: SqliteStore;
    const clock = manualClock();
    const throttle = { maxFailuresPerUserAddress: 5, maxFailuresPerAddress: 5, maxFailuresPerUser: 10, windowMs: 60_000 };
    const options = { throttle, cache: { ttlMs: 60_000 }, now: clock.now };
    const authOver = (over: SqliteStore) => new AuthService(over.auth, { ...options, generations: new StoreGenerations(() => over.generations()) });
    const basic = (username: string, password: string, tenant?: string) => ({
      credentials: { scheme: 'basic' as const, username, password },
      address: '10.0.0.1',
      ...(tenant !== undefined && { tenant }),
    });

    beforeEach(async () => {
      store = SqliteStore.open({ filename: ':memory:' });
      await bootstrapAuth(store.auth, { username: 'root', password: 'root-password' });
    });
    afterEach(async () => {
      await store.close();
    });

    it('resolves the caller with the roles and permissions held in the acting tenant', async () => {
      const auth = authOver(store);
      const outcome = await auth.authenticate(basic('root', 'root-password'));
      expect(outcome.kind).to.equal('authenticated');
      const caller = (outcome as { caller: Caller }).caller;
      expect(caller).to.deep.include({ tenant: 'default', user: 'root', roles: ['TENANT_ADMINISTRATOR'], tenants: ['default'] });
      expect(caller.permissions).to.deep.equal([
        { resource: '*', actions: ['create', 'read', 'update', 'delete', 'list', 'invoke'] },
      ]);
      expect(await auth.authenticate(basic('root', 'root-password', 'other'))).to.deep.equal({ kind: 'tenant-refused', tenant: 'other' });
      expect(await auth.authenticate({ credentials: undefined, address: 'x' })).to.deep.equal({ kind: 'unauthenticated' });
    });

    it('refuses a token after its expiry, measured by the injected clock', async () => {
      const auth = authOver(store);
      const tokens = new TokenAdmin(store.auth, clock.now);
      const root = (await auth.authenticate(basic('root', 'root-password'))) as { caller: Caller };
      const { token } = await tokens.create(root.caller, { label: 'short', expiresAt: new Date(clock.now().getTime() + 1000) });
      const bearer = { credentials: { scheme: 'bearer' as const, token }, address: '10.0.0.2' };
      expect((await auth.authenticate(bearer)).kind).to.equal('authenticated');
      clock.advance(1000);
      expect((await auth.authenticate(bearer)).kind).to.equal('unauthenticated');
    });

    it('never counts junk or unknown token ids, and spends scrypt on wrong secrets of a real token only up to the address limit', async () => {
      const auth = authOver(store);
      const tokens = new TokenAdmin(store.auth, clock.now);
      const root = (await auth.authenticate(basic('root', 'root-password'))) as { caller: Caller };
      const used = await tokens.create(root.caller, { label: 'used' });
      const fresh = await tokens.create(root.caller, { label: 'fresh' });
      const bearer = (token: string, address = '10.0.0.9') => auth.authenticate({ credentials: { scheme: 'bearer', token }, address });
      const unknownId = generateToken().token;
      for (let i = 0; i < 50; i += 1) {
        expect((await bearer(`garbage-${i}`)).kind).to.equal('unauthenticated');
        expect((await bearer(unknownId)).kind).to.equal('unauthenticated');
      }
      expect((await bearer(used.token)).kind).to.equal('authenticated');
      const wrongSecret = `inv1.${used.record.id}.${generateToken().secret}`;
      for (let i = 0; i < 5; i += 1) expect((await bearer(wrongSecret)).kind).to.equal('unauthenticated');
      expect((await bearer(wrongSecret)).kind).to.equal('throttled');
      expect((await bearer(used.token)).kind, 'verified within the cache TTL: no scrypt needed').to.equal('authenticated');
      expect((await bearer(fresh.token)).kind, 'would need scrypt at the limited address').to.equal('throttled');
      expect((await bearer(fresh.token, '10.0.0.10')).kind).to.equal('authenticated');
      expect((await auth.authenticate({ ...basic('root', 'root-password'), address: '10.0.0.9' })).kind).to.equal('authenticated');
    });

    it('refuses a disabled tenant', async () => {
      const auth = authOver(store);
      await store.auth.tenants.create({ id: 'b' as TenantId, name: 'B' }, 'test');
      await store.auth.users.addMembership('b' as TenantId, 'root', [], 'test');
      expect((await auth.authenticate(basic('root', 'root-password', 'b'))).kind).to.equal('authenticated');
      await store.auth.tenants.setDisabled('b' as TenantId, true);
      expect((await auth.authenticate(basic('root', 'root-password', 'b'))).kind).to.equal('tenant-refused');
    });

    it('takes changes made by another process sharing the store file into account at the next request', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-auth-reads-'));
      const filename = path.join(dir, 'store.db');
      const here = SqliteStore.open({ filename });
      const elsewhere = SqliteStore.open({ filename });
      try {
        await bootstrapAuth(here.auth, { username: 'root', password: 'root-password' });
        const auth = authOver(here);
        const caller = async () => ((await auth.authenticate(basic('root', 'root-password'))) as { caller?: Caller }).caller;
        expect((await caller())?.roles).to.deep.equal(['TENANT_ADMINISTRATOR']);
        expect((await caller())?.roles, 'kept between requests').to.deep.equal(['TENANT_ADMINISTRATOR']);
        const administrator = await elsewhere.auth.roles.get('default' as TenantId, 'TENANT_ADMINISTRATOR');
        const readOnly = [{ resource: 'records', actions: ['read' as const] }];
        await elsewhere.auth.roles.update('default' as TenantId, { ...administrator!, displayName: 'Reader now', permissions: readOnly }, 'other');
        expect(await caller(), 'a role changed elsewhere').to.deep.include({ roles: ['Reader now'], permissions: readOnly });
        await elsewhere.auth.users.setPassword('default' as TenantId, 'root', await hashSecret('changed'), 'other');
        expect((await auth.authenticate(basic('root', 'root-password'))).kind, 'password changed elsewhere').to.equal('unauthenticated');
        expect((await auth.authenticate(basic('root', 'changed'))).kind).to.equal('authenticated');
        await elsewhere.auth.users.setDisabled('default' as TenantId, 'root', true, 'other');
        expect((await auth.authenticate(basic('root', 'changed'))).kind, 'disabled elsewhere').to.equal('unauthenticated');
      } finally {
        await here.close();
        await elsewhere.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
