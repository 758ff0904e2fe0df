import { expect } from 'chai';
import { KeptReads } from '../../src/services/keptReads.js';

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
