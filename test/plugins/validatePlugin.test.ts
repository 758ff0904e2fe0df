import { CONTRACT_VERSION } from '../../src/plugins/contract.js';
import { expect } from 'chai';
import { PluginError, validatePlugin } from '../../src/plugins/validatePlugin.js';

/** A valid plugin as a plain object; each test breaks one thing. */
function plugin(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    className: 'sample',
    aliases: ['org.example.Sample'],
    contract: '^1.0.0',
    modes: ['single', 'list'],
    docTypes: ['CollectionObject'],
    async invoke() {
      return {};
    },
    ...overrides,
  };
}

function codeOf(value: unknown): string {
  try {
    validatePlugin(value);
    return 'OK';
  } catch (error) {
    expect(error).to.be.instanceOf(PluginError);
    return (error as PluginError).code;
  }
}

function messageOf(value: unknown): string {
  try {
    validatePlugin(value);
    return 'OK';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('validatePlugin', () => {
  it('accepts a valid plugin', () => {
    expect(codeOf(plugin())).to.equal('OK');
  });

  it('reports one coded error per kind of problem', () => {
    const cases: Record<string, unknown> = {
      'not an object': 'sample',
      'null': null,
      'an array': [],
      'no className': plugin({ className: undefined }),
      'unparsable contract': plugin({ contract: 'one point oh' }),
      'contract for v2': plugin({ contract: '^2.0.0' }),
      'modes not an array': plugin({ modes: 'single' }),
      'numeric version': plugin({ version: 1 }),
      'timeout 0': plugin({ timeoutMs: 0 }),
      'className with a space': plugin({ className: 'two words' }),
      'alias with a slash': plugin({ aliases: ['a/b'] }),
      'alias with ..': plugin({ aliases: ['org..x'] }),
      'empty className': plugin({ className: '' }),
      'alias repeating className': plugin({ aliases: ['sample'] }),
      'no modes': plugin({ modes: [] }),
      'unknown mode': plugin({ modes: ['single', 'query'] }),
      'repeated mode': plugin({ modes: ['single', 'single'] }),
      'no entry point': plugin({ invoke: undefined }),
      'both entry points': plugin({ async processItem() {} }),
      'entry point not a function': plugin({ invoke: undefined, processItem: 'run' }),
      'bad params schema': plugin({ paramsSchema: { type: 'object', properties: { n: { type: 'integr' } } } }),
      'unknown schema keyword': plugin({ paramsSchema: { type: 'object', propertys: {} } }),
      'default definition without name': plugin({ defaultDefinition: { forDocTypes: ['CollectionObject'] } }),
      'default definition for a foreign doc type': plugin({ defaultDefinition: { name: 'S', forDocTypes: ['Media'] } }),
      'default definition enabling an unsupported mode': plugin({ defaultDefinition: { name: 'S', modes: ['group'] } }),
    };
    const codes = Object.fromEntries(Object.entries(cases).map(([name, value]) => [name, codeOf(value)]));
    expect(codes).to.deep.equal({
      'not an object': 'PLUGIN_SHAPE',
      'null': 'PLUGIN_SHAPE',
      'an array': 'PLUGIN_SHAPE',
      'no className': 'PLUGIN_SHAPE',
      'unparsable contract': 'PLUGIN_CONTRACT_RANGE',
      'contract for v2': 'PLUGIN_CONTRACT_RANGE',
      'modes not an array': 'PLUGIN_SHAPE',
      'numeric version': 'PLUGIN_SHAPE',
      'timeout 0': 'PLUGIN_SHAPE',
      'className with a space': 'PLUGIN_NAME',
      'alias with a slash': 'PLUGIN_NAME',
      'alias with ..': 'PLUGIN_NAME',
      'empty className': 'PLUGIN_NAME',
      'alias repeating className': 'PLUGIN_NAME',
      'no modes': 'PLUGIN_MODES',
      'unknown mode': 'PLUGIN_MODES',
      'repeated mode': 'PLUGIN_MODES',
      'no entry point': 'PLUGIN_ENTRYPOINT',
      'both entry points': 'PLUGIN_ENTRYPOINT',
      'entry point not a function': 'PLUGIN_ENTRYPOINT',
      'bad params schema': 'PLUGIN_PARAMS_SCHEMA',
      'unknown schema keyword': 'PLUGIN_PARAMS_SCHEMA',
      'default definition without name': 'PLUGIN_DEFAULT_DEFINITION',
      'default definition for a foreign doc type': 'PLUGIN_DEFAULT_DEFINITION',
      'default definition enabling an unsupported mode': 'PLUGIN_DEFAULT_DEFINITION',
    });
  });

  it('checks in a fixed order: the contract range before the other fields', () => {
    expect(codeOf(plugin({ contract: '^2.0.0', modes: ['query'], invoke: undefined }))).to.equal('PLUGIN_CONTRACT_RANGE');
    expect(codeOf(plugin({ className: 'a b', modes: [] }))).to.equal('PLUGIN_NAME');
    expect(codeOf(plugin({ modes: [], invoke: undefined }))).to.equal('PLUGIN_MODES');
  });

  it('says what is wrong', () => {
    expect(messageOf(plugin({ contract: '^2.0.0' }))).to.equal(
      `contract '^2.0.0' does not include the host's contract version ${CONTRACT_VERSION}`,
    );
    expect(messageOf(plugin({ modes: ['query'] }))).to.equal(
      "modes has 'query'; supported modes are single, list, group, nocontext",
    );
  });

  it('compiles the params schema once, coercing query-string values and filling defaults', () => {
    const { validateParams } = validatePlugin(
      plugin({
        paramsSchema: {
          type: 'object',
          properties: {
            batchSize: { type: 'integer', default: 1000 },
            docType: { type: 'array', items: { type: 'string' } },
            when: { type: 'string', format: 'date' },
          },
        },
      }),
    );
    const params: Record<string, unknown> = { docType: 'Person', when: '2024-01-31' };
    expect(validateParams?.(params)).to.equal(true);
    expect(params).to.deep.equal({ batchSize: 1000, docType: ['Person'], when: '2024-01-31' });
    expect(validateParams?.({ batchSize: 'many' })).to.equal(false);
  });

  it('reads draft 2020-12 schemas, and lets two plugins (or two versions) share a schema $id', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.org/params',
      type: 'object',
      properties: { target: { type: 'string' } },
      required: ['target'],
    };
    const first = validatePlugin(plugin({ paramsSchema: schema })).validateParams;
    const second = validatePlugin(plugin({ paramsSchema: schema })).validateParams;
    expect(first?.({})).to.equal(false);
    expect(second?.({ target: 'x' })).to.equal(true);
  });

  it('treats a plugin without a params schema as having no validator', () => {
    expect(validatePlugin(plugin()).validateParams).to.equal(undefined);
  });
});
