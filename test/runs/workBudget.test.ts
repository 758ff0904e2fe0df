import { expect } from 'chai';
import { WorkBudget } from '../../src/runs/workBudget.js';

describe('WorkBudget', () => {
  const never = new AbortController().signal;

  it('hands free places at once, without a promise, up to its limit', () => {
    const budget = new WorkBudget(2);
    expect(budget.take({}, never)).to.equal(true);
    expect(budget.take({}, never)).to.equal(true);
    expect(budget.take({}, never)).to.be.instanceOf(Promise);
    expect(budget.inFlight).to.equal(2);
  });

  it('gives places back to waiting runs in turn, so a small run waits for one item of a big one, not its queue', async () => {
    const budget = new WorkBudget(1);
    const big = {};
    const small = {};
    expect(budget.take(big, never)).to.equal(true);
    const order: string[] = [];
    const wait = (run: object, name: string) => (budget.take(run, never) as Promise<boolean>).then((granted) => order.push(`${name}:${granted}`));
    const waits = [wait(big, 'big1'), wait(big, 'big2'), wait(big, 'big3'), wait(small, 'small')];
    for (let given = 0; given < 4; given += 1) {
      budget.give();
      await Promise.resolve();
    }
    await Promise.all(waits);
    expect(order).to.deep.equal(['big1:true', 'small:true', 'big2:true', 'big3:true']);
    expect(budget.inFlight, 'the last place handed over is still taken').to.equal(1);
    budget.give();
    expect(budget.inFlight).to.equal(0);
  });

  it('lets a waiter whose run is cancelled go without a place, and passes the place to the next', async () => {
    const budget = new WorkBudget(1);
    expect(budget.take({}, never)).to.equal(true);
    const cancel = new AbortController();
    const cancelled = budget.take({}, cancel.signal) as Promise<boolean>;
    const other = budget.take({}, never) as Promise<boolean>;
    cancel.abort();
    expect(await cancelled).to.equal(false);
    budget.give();
    expect(await other).to.equal(true);
    expect(budget.inFlight).to.equal(1);
    budget.give();
    expect(budget.take({}, cancel.signal), 'a free place is taken even by an aborted run: the caller looks at its signal').to.equal(true);
  });

  it('refuses a limit under one item', () => {
    expect(() => new WorkBudget(0)).to.throw(RangeError);
  });
});
