/**
 * The OAuth authorization server's state on a real SQLite file: what oidc-provider's adapter contract asks
 * (find by id, uid and user code, consume, destroy, revoke a whole grant), expiry, and survival across reopening.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { SqliteOAuthStore } from '../../src/store/sqlite/SqliteOAuthStore.js';
import { tempDir } from '../support/testService.js';

describe('SqliteOAuthStore', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let now: number;
  let store: SqliteOAuthStore;

  beforeEach(async () => {
    dir = await tempDir('invocables-oauth-store-');
    now = Date.UTC(2026, 0, 1);
    store = SqliteOAuthStore.open(dir.dir, () => now);
  });

  afterEach(async () => {
    store.close();
    await dir.cleanup();
  });

  it('finds what it keeps by id, uid and user code, per model', async () => {
    const sessions = store.adapterFor('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 60);
    await store.adapterFor('DeviceCode').upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
    expect(await sessions.find('s1')).to.deep.equal({ uid: 'u1', accountId: 'alice' });
    expect(await sessions.findByUid('u1')).to.deep.equal({ uid: 'u1', accountId: 'alice' });
    expect(await store.adapterFor('DeviceCode').findByUserCode('ABCD-EFGH')).to.deep.equal({ userCode: 'ABCD-EFGH' });
    expect(await store.adapterFor('Grant').find('s1')).to.equal(undefined);
  });

  it('forgets a row once it expires', async () => {
    const codes = store.adapterFor('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    now += 59_000;
    expect(await codes.find('c1')).to.deep.equal({ grantId: 'g1' });
    now += 1_000;
    expect(await codes.find('c1')).to.equal(undefined);
  });

  it('marks a consumed token and keeps it until it expires, and revokes every token of a grant', async () => {
    const refresh = store.adapterFor('RefreshToken');
    await refresh.upsert('r1', { grantId: 'g1' }, 600);
    await store.adapterFor('AccessToken').upsert('a1', { grantId: 'g1' }, 600);
    await store.adapterFor('AccessToken').upsert('a2', { grantId: 'g2' }, 600);
    await refresh.consume('r1');
    expect(await refresh.find('r1')).to.deep.equal({ grantId: 'g1', consumed: Math.floor(now / 1000) });
    await refresh.revokeByGrantId('g1');
    expect(await refresh.find('r1')).to.equal(undefined);
    expect(await store.adapterFor('AccessToken').find('a1')).to.equal(undefined);
    expect(await store.adapterFor('AccessToken').find('a2')).to.deep.equal({ grantId: 'g2' });
    await store.adapterFor('AccessToken').destroy('a2');
    expect(await store.adapterFor('AccessToken').find('a2')).to.equal(undefined);
  });

  it('keeps its file readable by its owner only: it holds refresh tokens by their value', async () => {
    await store.adapterFor('RefreshToken').upsert('r1', { grantId: 'g1' }, 600);
    for (const file of ['oauth.sqlite', 'oauth.sqlite-wal']) {
      expect((await stat(path.join(dir.dir, file))).mode & 0o777, file).to.equal(0o600);
    }
  });

  it('keeps its rows in the file across reopening', async () => {
    await store.adapterFor('Grant').upsert('g1', { accountId: 'alice' }, 600);
    store.close();
    store = SqliteOAuthStore.open(dir.dir, () => now);
    expect(await store.adapterFor('Grant').find('g1')).to.deep.equal({ accountId: 'alice' });
  });
});
