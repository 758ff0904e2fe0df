/**
 * What oidc-provider's adapter contract asks of every engine's OAuth state (find by id, uid and user code, consume,
 * destroy, revoke a whole grant, expiry), run on SQLite always and on MongoDB when MONGODB_URI is set.
 */
import { expect } from 'chai';
import type { OAuthStateStore } from '../../src/store/oauthStateTypes.js';

export interface OAuthStateConformanceOptions {
  name: string;
  /** A fresh, empty state whose clock is `now`, and what to do with it after the test. */
  open: (testName: string, now: () => number) => Promise<{ state: OAuthStateStore; dispose: () => Promise<void> }>;
}

export function describeOAuthStateConformance(options: OAuthStateConformanceOptions): void {
  describe(`${options.name} OAuth state conformance`, () => {
    let now: number;
    let state: OAuthStateStore;
    let dispose: () => Promise<void>;

    beforeEach(async function () {
      now = Date.UTC(2026, 0, 1);
      ({ state, dispose } = await options.open(this.currentTest?.fullTitle() ?? 'oauth state', () => now));
    });

    afterEach(async () => {
      await dispose();
    });

    it('finds what it keeps by id, uid and user code, per model', async () => {
      const sessions = state.adapterFor('Session');
      await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
      await state.adapterFor('DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
      expect(await sessions.find('s1')).to.deep.equal({ uid: 'u1', accountId: 'alice' });
      expect(await sessions.findByUid('u1')).to.deep.equal({ uid: 'u1', accountId: 'alice' });
      expect(await state.adapterFor('DeviceCode').findByUserCode('ABCD-EFGH')).to.deep.equal({ userCode: 'ABCD-EFGH' });
      expect(await state.adapterFor('Grant').find('s1')).to.equal(undefined);
      expect(await state.adapterFor('Interaction').findByUid('u1')).to.equal(undefined);
    });

    it('replaces a payload on upsert, and keeps keys with dots and dollars as given', async () => {
      const grants = state.adapterFor('Grant');
      await grants.upsert('g1', { accountId: 'alice', resources: { 'https://example.org/api': 'read' } }, 60);
      await grants.upsert('g1', { accountId: 'alice', resources: { 'https://example.org/api': 'read write', $x: 1 } }, 60);
      expect(await grants.find('g1')).to.deep.equal({ accountId: 'alice', resources: { 'https://example.org/api': 'read write', $x: 1 } });
    });

    it('forgets a row once it expires', async () => {
      const codes = state.adapterFor('AuthorizationCode');
      await codes.upsert('c1', { grantId: 'g1' }, 60);
      now += 59_000;
      expect(await codes.find('c1')).to.deep.equal({ grantId: 'g1' });
      now += 1_000;
      expect(await codes.find('c1')).to.equal(undefined);
    });

    it('marks a consumed token and keeps it until it expires, and revokes every token of a grant', async () => {
      const refresh = state.adapterFor('RefreshToken');
      await refresh.upsert('r1', { grantId: 'g1' }, 600);
      await state.adapterFor('AccessToken').upsert('a1', { grantId: 'g1' }, 600);
      await state.adapterFor('AccessToken').upsert('a2', { grantId: 'g2' }, 600);
      await refresh.consume('r1');
      expect(await refresh.find('r1')).to.deep.equal({ grantId: 'g1', consumed: Math.floor(now / 1000) });
      await refresh.revokeByGrantId('g1');
      expect(await refresh.find('r1')).to.equal(undefined);
      expect(await state.adapterFor('AccessToken').find('a1')).to.equal(undefined);
      expect(await state.adapterFor('AccessToken').find('a2')).to.deep.equal({ grantId: 'g2' });
      await state.adapterFor('AccessToken').destroy('a2');
      expect(await state.adapterFor('AccessToken').find('a2')).to.equal(undefined);
    });

    it('consumes nothing it does not hold, and a new payload is not consumed', async () => {
      const codes = state.adapterFor('AuthorizationCode');
      await codes.consume('missing');
      expect(await codes.find('missing')).to.equal(undefined);
      await codes.upsert('c1', { grantId: 'g1' }, 60);
      await codes.consume('c1');
      await codes.upsert('c1', { grantId: 'g1' }, 60);
      expect(await codes.find('c1')).to.deep.equal({ grantId: 'g1' });
    });
  });
}
