/**
 * The benchmark's plugin: a per-record no-op that notes when the first item ran.
 */

/** @type {import('../../src/plugins/contract.js').Invocable} */
export default {
  className: 'bench.NoopItems',
  contract: '^1.1.0',
  modes: ['list', 'nocontext'],
  docTypes: ['CollectionObject'],
  defaultDefinition: { name: 'Bench no-op', forDocTypes: ['CollectionObject'] },
  async processItem() {
    const scope = /** @type {{ benchFirstItemAt?: number }} */ (globalThis);
    scope.benchFirstItemAt ??= performance.now();
    return { affected: false };
  },
};
