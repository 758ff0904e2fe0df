/**
 * The benchmark's plugin: a per-record no-op that says when it ran a run's first item. It runs in a plugin thread, so it
 * tells the benchmark over a BroadcastChannel, as a wall-clock time (each thread's `performance.now()` has its own
 * origin).
 */

const channel = new BroadcastChannel('invocables-bench-first-item');
channel.unref();
/** Runs whose first item this thread has told about. */
const told = new Set();

/** @type {import('../../src/plugins/contract.js').Invocable} */
export default {
  className: 'bench.NoopItems',
  contract: '^1.2.0',
  modes: ['list', 'nocontext'],
  docTypes: ['CollectionObject'],
  defaultDefinition: { name: 'Bench no-op', forDocTypes: ['CollectionObject'] },
  async processItem(_record, _input, ctx) {
    if (!told.has(ctx.item.runId)) {
      told.add(ctx.item.runId);
      channel.postMessage({ runId: ctx.item.runId, at: performance.timeOrigin + performance.now() });
    }
    return { affected: false };
  },
};
