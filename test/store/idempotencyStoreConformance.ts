/**
 * The behaviour every idempotency store engine must share (store.idempotency): a key is reserved by one request
 * only, even when many ask at once; a repeat finds it in progress, answered or used for another request; keys
 * are per tenant and user; expired reservations and answers free their key; a user's live keys are bounded.
 */
import { expect } from 'chai';
import type { IdempotencyScope, KeptAnswer } from '../../src/domain/idempotency.js';
import type { TenantId } from '../../src/domain/types.js';
import type { ReserveOptions } from '../../src/store/idempotencyTypes.js';
import type { Store } from '../../src/store/types.js';
import type { StoreConformanceOptions } from './storeConformance.js';

const A = 'tenant-a' as TenantId;
const B = 'tenant-b' as TenantId;
const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);
const LOCK_MS = 1_000;
const ANSWER: KeptAnswer = { status: 202, contentType: 'application/json', body: '{"run":{"id":"r-1"}}', location: '/cspace-services/runs/r-1' };

const scope = (key: string, overrides: Partial<IdempotencyScope> = {}): IdempotencyScope => ({ tenant: A, user: 'alice', key, ...overrides });
const options = (nowMs: number, overrides: Partial<ReserveOptions> = {}): ReserveOptions => ({
  fingerprint: 'f-1',
  now: at(nowMs),
  lockedUntil: at(nowMs + LOCK_MS),
  maxKeys: 100,
  ...overrides,
});

export function describeIdempotencyStoreConformance(conformance: StoreConformanceOptions): void {
  describe(`${conformance.name} idempotency store conformance`, () => {
    let store: Store;
    let testName = '';

    beforeEach(async function () {
      testName = `idempotency ${this.currentTest?.fullTitle() ?? ''}`;
      store = await conformance.create(testName, { now: () => at(0) });
    });

    afterEach(async function () {
      await conformance.dispose(store, { testName, failed: this.currentTest?.state === 'failed' });
    });

    async function reserved(key: IdempotencyScope, nowMs = 0, overrides: Partial<ReserveOptions> = {}): Promise<string> {
      const outcome = await store.idempotency.reserve(key, options(nowMs, overrides));
      if (outcome.state !== 'reserved') expect.fail(`expected ${key.key} reserved, got ${outcome.state}`);
      return outcome.token;
    }

    it('reserves a key once: a repeat is in progress, another request with it a mismatch, then the kept answer', async () => {
      const token = await reserved(scope('k'));
      expect(await store.idempotency.reserve(scope('k'), options(1))).to.deep.equal({ state: 'inProgress' });
      expect(await store.idempotency.reserve(scope('k'), options(1, { fingerprint: 'f-2' }))).to.deep.equal({ state: 'mismatch' });

      expect(await store.idempotency.complete(scope('k'), token, ANSWER, at(60_000))).to.equal(true);
      expect(await store.idempotency.reserve(scope('k'), options(2))).to.deep.equal({ state: 'answered', answer: ANSWER });
      expect(await store.idempotency.reserve(scope('k'), options(2, { fingerprint: 'f-2' }))).to.deep.equal({ state: 'mismatch' });
      // Answered, the key is no longer held by a token: neither a second answer nor a release touches it.
      expect(await store.idempotency.complete(scope('k'), token, { ...ANSWER, status: 500 }, at(60_000))).to.equal(false);
      expect(await store.idempotency.release(scope('k'), token)).to.equal(false);
      expect(await store.idempotency.reserve(scope('k'), options(3))).to.deep.equal({ state: 'answered', answer: ANSWER });
    });

    it('keeps an answer without a body as it was given', async () => {
      const token = await reserved(scope('big'));
      const bodiless: KeptAnswer = { status: 200, contentType: 'application/xml' };
      await store.idempotency.complete(scope('big'), token, bodiless, at(60_000));
      const outcome = await store.idempotency.reserve(scope('big'), options(1));
      expect(outcome).to.deep.equal({ state: 'answered', answer: bodiless });
    });

    it('keeps keys per tenant and per user', async () => {
      await reserved(scope('k'));
      await reserved(scope('k', { user: 'bob' }));
      await reserved(scope('k', { tenant: B }));
      expect((await store.idempotency.reserve(scope('k', { user: 'bob' }), options(1))).state).to.equal('inProgress');
    });

    it('frees a released key for the next request, and only under its own token', async () => {
      const token = await reserved(scope('k'));
      expect(await store.idempotency.release(scope('k'), 'not-the-token')).to.equal(false);
      expect(await store.idempotency.release(scope('k', { user: 'bob' }), token)).to.equal(false);
      expect(await store.idempotency.release(scope('k'), token)).to.equal(true);
      const next = await reserved(scope('k'), 1, { fingerprint: 'f-2' });
      expect(next).to.not.equal(token);
    });

    it('lets a reservation past its lock be taken over, after which the first holder can neither answer nor release', async () => {
      const first = await reserved(scope('k'));
      const second = await reserved(scope('k'), LOCK_MS, { fingerprint: 'f-2' });
      expect(await store.idempotency.complete(scope('k'), first, ANSWER, at(60_000))).to.equal(false);
      expect(await store.idempotency.release(scope('k'), first)).to.equal(false);
      expect(await store.idempotency.renew(scope('k'), first, at(10_000))).to.equal(false);
      expect(await store.idempotency.complete(scope('k'), second, ANSWER, at(60_000))).to.equal(true);
    });

    it('holds a renewed reservation past its first lock', async () => {
      const token = await reserved(scope('k'));
      expect(await store.idempotency.renew(scope('k'), token, at(5 * LOCK_MS))).to.equal(true);
      expect((await store.idempotency.reserve(scope('k'), options(2 * LOCK_MS))).state).to.equal('inProgress');
      expect((await store.idempotency.reserve(scope('k'), options(5 * LOCK_MS))).state).to.equal('reserved');
    });

    it('forgets an answer once it expires', async () => {
      const token = await reserved(scope('k'));
      await store.idempotency.complete(scope('k'), token, ANSWER, at(10_000));
      expect((await store.idempotency.reserve(scope('k'), options(9_999))).state).to.equal('answered');
      expect((await store.idempotency.reserve(scope('k'), options(10_000, { fingerprint: 'f-2' }))).state).to.equal('reserved');
    });

    it("bounds a user's live keys, counting neither expired keys nor other users'", async () => {
      await reserved(scope('k1'), 0, { maxKeys: 2 });
      await reserved(scope('k2'), 0, { maxKeys: 2 });
      expect(await store.idempotency.reserve(scope('k3'), options(1, { maxKeys: 2 }))).to.deep.equal({ state: 'full' });
      // A key already held is still answered for, whatever the count.
      expect((await store.idempotency.reserve(scope('k1'), options(1, { maxKeys: 2 }))).state).to.equal('inProgress');
      await reserved(scope('k3', { user: 'bob' }), 1, { maxKeys: 2 });
      // Past the lock both reservations have expired and no longer count.
      await reserved(scope('k3'), LOCK_MS, { maxKeys: 2 });
    });

    it('gives a key to exactly one of many requests reserving it at once', async () => {
      const outcomes = await Promise.all(Array.from({ length: 12 }, () => store.idempotency.reserve(scope('race'), options(0))));
      const states = outcomes.map((outcome) => outcome.state);
      expect(states.filter((state) => state === 'reserved')).to.have.length(1);
      expect(states.filter((state) => state === 'inProgress')).to.have.length(11);
    });
  });
}
