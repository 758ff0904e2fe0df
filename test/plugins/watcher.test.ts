import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { createPluginWatcher, type PluginWatcher } from '../../src/plugins/watcher.js';
import { copyFixtures, emptyPluginsDir, nextEvent, recordingLogger, removeDir } from './support.js';

function hotPlugin(version: string, extra = ''): string {
  return `export default {
  className: 'hot',
  aliases: ['org.example.Hot'],
  contract: '^1.0.0',
  version: '${version}',
  modes: ['single'],${extra}
  async invoke() {
    return { userNote: 'hot ${version}' };
  },
};
`;
}

function tsPlugin(version: string): string {
  return `import type { Invocable } from '../contract-not-needed-at-run-time.js';
const plugin: Invocable = {
  className: 'hot-ts',
  contract: '^1.0.0',
  version: '${version}',
  modes: ['list'],
  async invoke() {
    return {};
  },
};
export default plugin;
`;
}

describe('PluginWatcher', function () {
  this.timeout(20_000);

  let dir: string | undefined;
  let watcher: PluginWatcher | undefined;

  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
    await removeDir(dir);
    dir = undefined;
  });

  it('loads new, changed, broken and deleted plugin files while running', async () => {
    dir = await copyFixtures();
    const registry = new PluginRegistry();
    const logger = recordingLogger();
    watcher = createPluginWatcher({ dir, registry, logger });
    const initial = await watcher.start();
    expect(initial.loaded.map((entry) => entry.plugin.className)).to.deep.equal(['alpha', 'beta', 'delta', 'gamma']);
    expect(registry.failures()).to.have.length(6);

    const file = path.join(dir, 'hot.js');
    const added = nextEvent(registry, 'loaded', (entry) => entry.file === file);
    await writeFile(file, hotPlugin('1.0.0'));
    await added;
    expect(registry.resolve('org.example.Hot')?.version).to.equal('1.0.0');

    const first = registry.resolve('hot');
    const changed = nextEvent(registry, 'changed', (entry) => entry.file === file);
    await writeFile(file, hotPlugin('1.1.0'));
    await changed;
    expect(registry.resolve('hot')?.version).to.equal('1.1.0');
    expect(registry.resolve('hot')).to.not.equal(first);

    const failed = nextEvent(registry, 'failed', (failure) => failure.file === file);
    const unloadedBroken = nextEvent(registry, 'unloaded', (entry, reason) => entry.file === file && reason === 'failed');
    await writeFile(file, hotPlugin('1.2.0', "\n  modes: ['sometimes'],"));
    const [failure] = await failed;
    await unloadedBroken;
    expect(failure.code).to.equal('PLUGIN_MODES');
    expect(registry.resolve('hot')).to.equal(undefined);
    expect(logger.entries.some((entry) => entry.level === 'error' && entry.fields.file === file)).to.equal(true);

    const fixed = nextEvent(registry, 'loaded', (entry) => entry.file === file);
    await writeFile(file, hotPlugin('1.3.0'));
    await fixed;
    expect(registry.resolve('hot')?.version).to.equal('1.3.0');

    const removed = nextEvent(registry, 'unloaded', (entry, reason) => entry.file === file && reason === 'removed');
    await rm(file);
    await removed;
    expect(registry.resolve('hot')).to.equal(undefined);
    expect(registry.resolve('alpha')?.className).to.equal('alpha');
  });

  it('reloads a changed TypeScript plugin as a new module', async () => {
    dir = await emptyPluginsDir();
    const registry = new PluginRegistry();
    watcher = createPluginWatcher({ dir, registry, logger: recordingLogger() });
    await watcher.start();

    const file = path.join(dir, 'hot-ts.ts');
    const added = nextEvent(registry, 'loaded', (entry) => entry.file === file);
    await writeFile(file, tsPlugin('1.0.0'));
    await added;
    const changed = nextEvent(registry, 'changed', (entry) => entry.file === file);
    await writeFile(file, tsPlugin('2.0.0'));
    const [current, previous] = await changed;
    expect(previous.plugin.version).to.equal('1.0.0');
    expect(current.plugin.version).to.equal('2.0.0');
    expect(registry.resolve('hot-ts')?.version).to.equal('2.0.0');
  });

  it('reloads a folder plugin, helpers included, when any file inside it changes', async () => {
    dir = await copyFixtures();
    const registry = new PluginRegistry();
    watcher = createPluginWatcher({ dir, registry, logger: recordingLogger() });
    await watcher.start();
    const before = registry.resolve('delta');

    expect(before?.description).to.equal('folder plugin (delta)');

    const changed = nextEvent(registry, 'changed', (entry) => entry.name === 'delta');
    await writeFile(path.join(dir, 'delta', 'note.js'), "export const note = 'delta, edited';\n");
    await changed;
    expect(registry.resolve('delta')?.description).to.equal('folder plugin (delta, edited)');

    const touched = nextEvent(registry, 'changed', (entry) => entry.name === 'delta');
    await writeFile(path.join(dir, 'delta', 'extra.txt'), 'any file of the folder counts\n');
    await touched;
  });

  it('starts once, however often start() is called', async () => {
    dir = await emptyPluginsDir();
    watcher = createPluginWatcher({ dir, registry: new PluginRegistry(), logger: recordingLogger() });
    expect(watcher.start()).to.equal(watcher.start());
    await watcher.start();
  });

  it('settles start() when closed while starting', async () => {
    dir = await emptyPluginsDir();
    watcher = createPluginWatcher({ dir, registry: new PluginRegistry(), logger: recordingLogger() });
    const starting = watcher.start().then(
      () => 'resolved',
      () => 'rejected',
    );
    await watcher.close();
    expect(await starting).to.be.oneOf(['resolved', 'rejected']);
  });

  it('only loads once when watching is off', async () => {
    dir = await copyFixtures();
    const registry = new PluginRegistry();
    watcher = createPluginWatcher({ dir, registry, logger: recordingLogger(), watch: false });
    await watcher.start();
    expect(registry.size).to.equal(4);
  });

  it('fails start() for a directory that cannot be read, and leaves nothing running', async () => {
    dir = await emptyPluginsDir();
    watcher = createPluginWatcher({
      dir: path.join(dir, 'missing'),
      registry: new PluginRegistry(),
      logger: recordingLogger(),
    });
    let error: unknown;
    try {
      await watcher.start();
    } catch (caught) {
      error = caught;
    }
    expect(error).to.have.property('code', 'ENOENT');
  });
});
