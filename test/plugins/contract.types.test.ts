/**
 * Type tests of the plugin contract: `tsc --noEmit` (part of `npm test`) fails if a `@ts-expect-error` line
 * stops being an error. The runtime part only keeps mocha from reporting an empty file.
 */
import { expect } from 'chai';
import type { Logger } from 'pino';
import type { Invocable, InvocationInput, ItemInvocable, WholeInvocable } from '../../src/plugins/contract.js';
import type { PluginHostLogger } from '../../src/plugins/watcher.js';

const whole: Invocable = {
  className: 'whole',
  contract: '^1.0.0',
  modes: ['single', 'list'],
  async invoke(input) {
    return { numAffected: input.csids.length };
  },
};

const item: Invocable = {
  className: 'item',
  contract: '^1.0.0',
  modes: ['list', 'group', 'nocontext'],
  async processItem(record) {
    return { affected: record.docType === 'CollectionObject' };
  },
};

// @ts-expect-error a plugin defines invoke or processItem, never both
const both: Invocable = {
  className: 'both',
  contract: '^1.0.0',
  modes: ['single'],
  async invoke() {
    return {};
  },
  async processItem() {},
};

const unknownMode: Invocable = {
  className: 'query',
  contract: '^1.0.0',
  // @ts-expect-error 'query' is an export mode, not a batch invocation mode
  modes: ['query'],
  async invoke() {
    return {};
  },
};

// @ts-expect-error a plugin needs an entry point
const neither: Invocable = { className: 'neither', contract: '^1.0.0', modes: ['single'] };

const typedParams: WholeInvocable<{ target: string }> = {
  className: 'typed',
  contract: '^1.0.0',
  modes: ['single'],
  async invoke(input: InvocationInput<{ target: string }>) {
    // @ts-expect-error params are typed by the plugin's Params
    const wrong: number = input.params.target;
    return { userNote: `${input.params.target}${String(wrong)}` };
  },
};

const wrongItemResult: ItemInvocable = {
  className: 'x',
  contract: '^1.0.0',
  modes: ['list'],
  // @ts-expect-error processItem answers ItemResult, not InvocationResult
  async processItem() {
    return { numAffected: 1 };
  },
};

/** The watcher takes a pino logger as it is. */
function acceptsPino(logger: Logger): PluginHostLogger {
  return logger;
}

describe('plugin contract types', () => {
  it('type-checks (see tsc --noEmit)', () => {
    expect([whole, item, both, unknownMode, neither, typedParams, wrongItemResult, acceptsPino]).to.have.length(8);
  });
});
