/**
 * The OAuth authorization server's state on a real SQLite file: the adapter contract every engine meets
 * (oauthStateConformance.ts), and what is the file's own: its mode, and survival across reopening.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { SqliteOAuthStore } from '../../src/store/sqlite/SqliteOAuthStore.js';
import { tempDir } from '../support/testService.js';
import { describeOAuthStateConformance } from './oauthStateConformance.js';

describeOAuthStateConformance({
  name: 'SQLite',
  open: async (_testName, now) => {
    const dir = await tempDir('invocables-oauth-state-');
    const state = SqliteOAuthStore.open(dir.dir, now);
    return {
      state,
      dispose: async () => {
        state.close();
        await dir.cleanup();
      },
    };
  },
});

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
