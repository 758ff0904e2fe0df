import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { NotFoundError } from '../../src/domain/errors.js';
import type { TenantId } from '../../src/domain/types.js';
import { DefinitionService } from '../../src/services/definitionService.js';
import { KeptReads, StoreGenerations } from '../../src/services/keptReads.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { definition } from '../store/storeConformance.js';

describe('services: reads kept while a generation stays the same', () => {
  const counted = () => {
    const reads: string[] = [];
    return { reads, read: (key: string) => async () => (reads.push(key), key === 'missing' ? undefined : { key }) };
  };

  it('keeps what was found under a generation until another one is followed, and never what was not found', async () => {
    const kept = new KeptReads<{ key: string }>();
    const { reads, read } = counted();
    kept.follow(1);
    const first = await kept.get('a', read('a'));
    expect(await kept.get('a', read('a'))).to.equal(first);
    await kept.get('missing', read('missing'));
    await kept.get('missing', read('missing'));
    kept.follow(1);
    await kept.get('a', read('a'));
    expect(reads).to.deep.equal(['a', 'missing', 'missing']);
    kept.follow(2);
    expect(await kept.get('a', read('a'))).to.not.equal(first);
    expect(reads).to.deep.equal(['a', 'missing', 'missing', 'a']);
  });

  it('keeps nothing before the first generation, nor a read under way while the generation moved (even back)', async () => {
    const kept = new KeptReads<{ key: string }>();
    const { reads, read } = counted();
    await kept.get('a', read('a'));
    kept.follow(1);
    let release: () => void = () => undefined;
    const slow = kept.get('b', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return read('b')();
    });
    kept.follow(2);
    kept.follow(1);
    release();
    await slow;
    await kept.get('a', read('a'));
    await kept.get('b', read('b'));
    expect(reads).to.deep.equal(['a', 'b', 'a', 'b']);
  });

  it('lets the earliest kept go past its size', async () => {
    const kept = new KeptReads<{ key: string }>(2);
    const { reads, read } = counted();
    kept.follow(1);
    for (const key of ['a', 'b', 'c', 'b', 'a']) await kept.get(key, read(key));
    expect(reads).to.deep.equal(['a', 'b', 'c', 'a']);
  });
});

describe('services: store generations read once for the refreshes asked together', () => {
  it('reads once for the refreshes of one turn, after all of them, and again for a refresh asked once that read began', async () => {
    let generation = 1;
    const readAt: number[] = [];
    const generations = new StoreGenerations(async () => {
      readAt.push(generation);
      return { auth: generation, definitions: generation };
    });
    const kept = new KeptReads<{ key: string }>();
    generations.follow('definitions', kept);
    const together = [generations.refresh(), generations.refresh()];
    // A change made after both were asked for, before their read: the read still comes after it.
    generation = 2;
    await Promise.all(together);
    expect(readAt, 'one read, which saw the change').to.deep.equal([2]);
    generation = 3;
    await generations.refresh();
    expect(readAt, 'a refresh asked later reads again').to.deep.equal([2, 3]);
    const found = await kept.get('a', async () => ({ key: 'a' }));
    expect(await kept.get('a', async () => ({ key: 'other' })), 'kept under generation 3').to.equal(found);
  });

  it('hands a failed read to each refresh that shared it, and reads afresh for the next', async () => {
    let fail = true;
    const generations = new StoreGenerations(async () => {
      if (fail) throw new Error('store unavailable');
      return { auth: 1, definitions: 1 };
    });
    const outcomes = await Promise.allSettled([generations.refresh(), generations.refresh()]);
    expect(outcomes.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
    fail = false;
    await generations.refresh();
  });
});

describe('services: definitions kept while the definitions generation stays the same', () => {
  it('answers the same definition until another process sharing the store changes it, then the change at the next refresh', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'invocables-kept-definitions-'));
    const filename = path.join(dir, 'store.db');
    const here = SqliteStore.open({ filename });
    const elsewhere = SqliteStore.open({ filename });
    try {
      const generations = new StoreGenerations(() => here.generations());
      const definitions = new DefinitionService(here.definitions, { resolve: () => undefined, classNames: () => [] }, generations);
      const tenant = 'default' as TenantId;
      const { csid } = await elsewhere.definitions.create(tenant, definition({ name: 'First' }), 'alice');
      await generations.refresh();
      const first = await definitions.getKept(tenant, csid);
      await generations.refresh();
      expect(await definitions.getKept(tenant, csid), 'kept while nothing changed').to.equal(first);
      await elsewhere.definitions.update(tenant, csid, definition({ name: 'Second' }), { actor: 'bob' });
      await generations.refresh();
      expect((await definitions.getKept(tenant, csid)).definition.name, 'changed elsewhere').to.equal('Second');
      await elsewhere.definitions.setAlias(tenant, 'nickname', csid, { maxAliases: 5 });
      await generations.refresh();
      expect((await definitions.getKept(tenant, 'nickname')).csid, 'aliased elsewhere').to.equal(csid);
      await elsewhere.definitions.delete(tenant, csid);
      await generations.refresh();
      const gone = await definitions.getKept(tenant, csid).catch((error: unknown) => error);
      expect(gone, 'deleted elsewhere').to.be.instanceOf(NotFoundError);
    } finally {
      await here.close();
      await elsewhere.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
