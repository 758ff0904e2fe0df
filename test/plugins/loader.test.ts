import { readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createPluginLoader, discoverPlugins, loadPlugins, unwrapDefaultExport } from '../../src/plugins/loader.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { copyFixtures, removeDir } from './support.js';

describe('plugin loader', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await copyFixtures();
  });

  afterEach(async () => {
    await removeDir(dir);
  });

  const relative = (file: string): string => path.relative(dir, file);

  it('discovers plugin files and folders in sorted order, skipping everything else', async () => {
    const entries = await discoverPlugins(dir);
    expect(entries.map((entry) => `${entry.name} -> ${relative(entry.file)}`)).to.deep.equal([
      'alpha.js -> alpha.js',
      'beta.mjs -> beta.mjs',
      'broken-contract.js -> broken-contract.js',
      'broken-no-default.js -> broken-no-default.js',
      'broken-shape.js -> broken-shape.js',
      'broken-syntax.js -> broken-syntax.js',
      'broken-throws.js -> broken-throws.js',
      'delta -> delta/index.js',
      'dup-alias.js -> dup-alias.js',
      'gamma.ts -> gamma.ts',
    ]);
  });

  it('loads the good plugins and reports each bad one with a code, never throwing', async () => {
    const result = await loadPlugins(dir);
    expect(result.loaded.map((loaded) => `${loaded.name} -> ${loaded.plugin.className}`)).to.deep.equal([
      'alpha.js -> alpha',
      'beta.mjs -> beta',
      'delta -> delta',
      'dup-alias.js -> dup-alias',
      'gamma.ts -> gamma',
    ]);
    expect(result.failed.map((failure) => `${relative(failure.file)}: ${failure.code}`)).to.deep.equal([
      'broken-contract.js: PLUGIN_CONTRACT_RANGE',
      'broken-no-default.js: PLUGIN_NO_DEFAULT_EXPORT',
      'broken-shape.js: PLUGIN_SHAPE',
      'broken-syntax.js: PLUGIN_IMPORT',
      'broken-throws.js: PLUGIN_IMPORT',
    ]);
    for (const failure of result.failed) expect(failure.message).to.include(failure.file);
    const throws = result.failed.find((failure) => failure.file.endsWith('broken-throws.js'));
    expect(throws?.cause).to.be.instanceOf(Error).with.property('message', 'fixture: throws on import');
  });

  it('refuses the later of two files claiming one name once in the registry', async () => {
    const registry = new PluginRegistry();
    registry.apply(await loadPlugins(dir));
    expect(registry.classNames()).to.deep.equal(['alpha', 'beta', 'delta', 'gamma']);
    expect(registry.failures().map((failure) => `${relative(failure.file)}: ${failure.code}`)).to.deep.equal([
      'broken-contract.js: PLUGIN_CONTRACT_RANGE',
      'broken-no-default.js: PLUGIN_NO_DEFAULT_EXPORT',
      'broken-shape.js: PLUGIN_SHAPE',
      'broken-syntax.js: PLUGIN_IMPORT',
      'broken-throws.js: PLUGIN_IMPORT',
      'dup-alias.js: PLUGIN_DUPLICATE_NAME',
    ]);
    expect(registry.resolve('org.example.Alpha')?.className).to.equal('alpha');
  });

  it('runs a TypeScript plugin and a folder plugin that imports a sibling', async () => {
    const { loaded } = await loadPlugins(dir);
    const byName = new Map(loaded.map((entry) => [entry.plugin.className, entry.plugin]));
    expect(byName.get('gamma')?.docTypes).to.deep.equal(['CollectionObject']);
    expect(byName.get('delta')?.description).to.equal('folder plugin (delta)');
  });

  it('compiles a params schema with coercion and defaults', async () => {
    const { loaded } = await loadPlugins(dir);
    const beta = loaded.find((entry) => entry.plugin.className === 'beta');
    const params: Record<string, unknown> = { tag: 'one' };
    expect(beta?.validateParams?.(params)).to.equal(true);
    expect(params).to.deep.equal({ tag: ['one'], limit: 10 });
  });

  it('re-imports only entries whose files changed', async () => {
    const loader = createPluginLoader();
    const first = await loader.load(dir);
    const alphaFile = path.join(dir, 'alpha.js');
    const alphaText = await readFile(alphaFile, 'utf8');
    await writeFile(alphaFile, alphaText.replace("version: '1.0.0'", "version: '1.0.1'"));
    // Only a helper of the folder plugin changes: the folder's newest mtime must still trigger a reload.
    const future = new Date(Date.now() + 5_000);
    await utimes(path.join(dir, 'delta', 'note.js'), future, future);
    const second = await loader.load(dir);

    const pick = (result: typeof first, name: string) => result.loaded.find((entry) => entry.name === name);
    expect(pick(second, 'beta.mjs')).to.equal(pick(first, 'beta.mjs'));
    expect(pick(second, 'gamma.ts')).to.equal(pick(first, 'gamma.ts'));
    expect(pick(second, 'alpha.js')?.plugin.version).to.equal('1.0.1');
    expect(pick(second, 'delta')?.plugin).to.not.equal(pick(first, 'delta')?.plugin);
    expect(pick(second, 'delta')?.version).to.not.equal(pick(first, 'delta')?.version);
  });

  it('throws when the directory cannot be read', async () => {
    const missing = path.join(dir, 'missing');
    let error: unknown;
    try {
      await loadPlugins(missing);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.have.property('code', 'ENOENT');
  });

  describe('unwrapDefaultExport', () => {
    it('takes the default export of an ES module namespace', () => {
      const plugin = { className: 'x' };
      expect(unwrapDefaultExport({ default: plugin })).to.equal(plugin);
    });

    it('unwraps CommonJS compiled from ES modules once more', () => {
      const plugin = { className: 'x' };
      expect(unwrapDefaultExport({ default: { __esModule: true, default: plugin } })).to.equal(plugin);
    });

    it('answers undefined when there is no default export', () => {
      expect(unwrapDefaultExport({ named: 1 })).to.equal(undefined);
      expect(unwrapDefaultExport(undefined)).to.equal(undefined);
    });
  });
});
