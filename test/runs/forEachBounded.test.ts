/**
 * forEachBounded, the run worker's bounded loop over claimed items: every item is processed, never more than the
 * bound at once, a failure is thrown once the items in flight have settled, and the iterator is asked for items
 * only by workers that exist because items came (a one-item run's session allows 512 at once).
 */
import { expect } from 'chai';
import { forEachBounded } from '../../src/runs/forEachBounded.js';

/** An async iterator over `count` numbers that counts how often it is asked for the next one. */
function counted(count: number) {
  const asked = { times: 0 };
  async function* items() {
    for (let i = 0; i < count; i += 1) yield i;
  }
  const inner = items();
  const iterable: AsyncIterable<number> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        asked.times += 1;
        return inner.next();
      },
    }),
  };
  return { iterable, asked };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('forEachBounded', () => {
  it('processes every item, never more than the bound at once, and reaches the bound', async () => {
    const { iterable } = counted(40);
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachBounded(iterable, 5, async (item) => {
      running += 1;
      most = Math.max(most, running);
      await sleep(2);
      seen.push(item);
      running -= 1;
    });
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
    expect(most).to.equal(5);
  });

  it('asks for items only as many times as there were items at once, however high the bound', async () => {
    const { iterable, asked } = counted(1);
    let processed = 0;
    await forEachBounded(iterable, 512, async () => {
      processed += 1;
    });
    expect(processed).to.equal(1);
    // The one item, and the end seen by the worker the item started (and then by the first worker again).
    expect(asked.times).to.be.at.most(3);
  });

  it('throws the failure of an item once the items in flight have settled', async () => {
    const { iterable } = counted(6);
    const settled: number[] = [];
    const failing = forEachBounded(iterable, 3, async (item) => {
      if (item === 1) throw new Error('item 1 failed');
      await sleep(20);
      settled.push(item);
    });
    let caught: unknown;
    await failing.catch((err: unknown) => (caught = err));
    expect((caught as Error).message).to.equal('item 1 failed');
    // Items 0 and 2 were in flight when item 1 failed: they settled first; none started after the failure.
    expect(settled.sort()).to.deep.equal([0, 2]);
  });
});
