import { expect } from 'chai';
import type { PluginDescriptor } from '../../src/plugins/descriptor.js';
import type { LoadedPlugin, PluginLoadFailure, PluginLoadResult } from '../../src/plugins/loader.js';
import { PluginRegistry } from '../../src/plugins/registry.js';

function loaded(name: string, plugin: Partial<PluginDescriptor> & { className: string }, version = '1'): LoadedPlugin {
  const full: PluginDescriptor = { contract: '^1.0.0', modes: ['single'], entrypoint: 'invoke', summarizes: false, ...plugin };
  return { plugin: full, validateParams: undefined, name, kind: 'file', file: `/plugins/${name}`, version, loadedAt: new Date() };
}

function result(loadedPlugins: LoadedPlugin[], failed: PluginLoadFailure[] = []): PluginLoadResult {
  return { loaded: loadedPlugins, failed };
}

/** Every event the registry emits, in order, as short strings. */
function recordEvents(registry: PluginRegistry): string[] {
  const events: string[] = [];
  registry.on('loaded', (entry) => events.push(`loaded ${entry.name}`));
  registry.on('changed', (entry, previous) => events.push(`changed ${entry.name} ${previous.version}->${entry.version}`));
  registry.on('unloaded', (entry, reason) => events.push(`unloaded ${entry.name} (${reason})`));
  registry.on('failed', (failure) => events.push(`failed ${failure.file} ${failure.code}`));
  return events;
}

describe('PluginRegistry', () => {
  it('resolves by className or alias, exactly, ignoring surrounding whitespace', () => {
    const registry = new PluginRegistry();
    registry.apply(result([loaded('a.js', { className: 'alpha', aliases: ['org.example.Alpha'] })]));
    expect(registry.resolve('alpha')?.className).to.equal('alpha');
    expect(registry.resolve(' org.example.Alpha\n')?.className).to.equal('alpha');
    expect(registry.resolve('Alpha')).to.equal(undefined);
    expect(registry.resolve('constructor')).to.equal(undefined);
    expect(registry.resolve('__proto__')).to.equal(undefined);
    expect(registry.lookup('alpha')?.file).to.equal('/plugins/a.js');
    expect(registry.size).to.equal(1);
  });

  it('refuses the later file of two claiming one name, naming both, and keeps the earlier', () => {
    const registry = new PluginRegistry();
    registry.apply(
      result([
        loaded('b.js', { className: 'beta', aliases: ['shared'] }),
        loaded('a.js', { className: 'alpha', aliases: ['shared'] }),
        loaded('c.js', { className: 'alpha' }),
      ]),
    );
    expect(registry.list().map((entry) => entry.name)).to.deep.equal(['a.js']);
    expect(registry.resolve('shared')?.className).to.equal('alpha');
    expect(registry.failures()).to.deep.equal([
      {
        file: '/plugins/b.js',
        code: 'PLUGIN_DUPLICATE_NAME',
        message: "/plugins/b.js: name 'shared' is already used by /plugins/a.js",
      },
      {
        file: '/plugins/c.js',
        code: 'PLUGIN_DUPLICATE_NAME',
        message: "/plugins/c.js: name 'alpha' is already used by /plugins/a.js",
      },
    ]);
  });

  it('emits what each apply changed, after the new state is in place', () => {
    const registry = new PluginRegistry();
    const events = recordEvents(registry);
    const alpha = loaded('a.js', { className: 'alpha' });
    const beta = loaded('b.js', { className: 'beta' });
    let seenInListener: string[] = [];
    registry.once('loaded', () => {
      seenInListener = registry.classNames();
    });

    registry.apply(result([alpha, beta]));
    expect(seenInListener).to.deep.equal(['alpha', 'beta']);
    registry.apply(result([alpha, beta]));
    const alpha2 = loaded('a.js', { className: 'alpha' }, '2');
    registry.apply(result([alpha2], [{ file: '/plugins/b.js', code: 'PLUGIN_IMPORT', message: 'boom' }]));
    registry.apply(result([alpha2], [{ file: '/plugins/b.js', code: 'PLUGIN_IMPORT', message: 'boom' }]));
    registry.apply(result([]));

    expect(events).to.deep.equal([
      'loaded a.js',
      'loaded b.js',
      'unloaded b.js (failed)',
      'failed /plugins/b.js PLUGIN_IMPORT',
      'changed a.js 1->2',
      'unloaded a.js (removed)',
    ]);
    expect(registry.size).to.equal(0);
    expect(registry.failures()).to.deep.equal([]);
  });

  it('reports failures without their cause, so they can be sent as JSON', () => {
    const registry = new PluginRegistry();
    registry.apply(result([], [{ file: '/plugins/x.js', code: 'PLUGIN_IMPORT', message: 'm', cause: new Error('m') }]));
    expect(registry.failures()).to.deep.equal([{ file: '/plugins/x.js', code: 'PLUGIN_IMPORT', message: 'm' }]);
  });
});
