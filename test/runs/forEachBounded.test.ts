/** forEachBounded: at most `concurrency` items in flight, no item pulled before a worker is free for it, failures after the rest settled. */
import { expect } from 'chai';
import { forEachBounded } from '../../src/runs/forEachBounded.js';

/** An async source of `count` numbers that counts the pulls made on it (`next` calls, the last one's `done` included). */
function source(count: number): { items: AsyncIterable<number>; pulls: () => number } {
  let pulls = 0;
  async function* numbers() {
    for (let i = 0; i < count; i += 1) yield i;
  }
  const inner = numbers();
  const items = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        pulls += 1;
        return inner.next();
      },
    }),
  };
  return { items, pulls: () => pulls };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('forEachBounded', () => {
  it('processes every item with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachBounded(source(50).items, 4, async (n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      seen.push(n);
      inFlight -= 1;
    });
    expect(seen.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i));
    expect(most).to.equal(4);
  });

  it('pulls as much as a short list needs, however high the limit: one item costs two pulls, not one per place', async () => {
    const { items, pulls } = source(1);
    const seen: number[] = [];
    await forEachBounded(items, 512, async (n) => void seen.push(n));
    expect(seen).to.deep.equal([0]);
    expect(pulls()).to.be.at.most(3);
  });

  it('stops pulling at a failing item, and throws once the items in flight settled', async () => {
    const settled: number[] = [];
    const run = forEachBounded(source(20).items, 3, async (n) => {
      if (n === 2) throw new Error('broke');
      await tick();
      settled.push(n);
    });
    const error = await run.then(() => undefined, (err: unknown) => err);
    expect((error as Error | undefined)?.message).to.equal('broke');
    expect(settled.sort((a, b) => a - b), 'the items in flight finished, none after').to.deep.equal([0, 1]);
  });
});
