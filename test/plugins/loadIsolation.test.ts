/**
 * Plugin modules are evaluated in loading threads, never on the service's thread: a top level that blocks, exits,
 * throws later, allocates without bound or changes globals fails its own load (or, for globals, bends only its own
 * thread), while good plugins beside it load and this thread goes on. Real threads, real files in a temp dir.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createPluginLoader, loadPlugins } from '../../src/plugins/loader.js';
import { emptyPluginsDir, HOSTILE_PLUGINS, pluginSource, removeDir, writeHostilePlugins } from './support.js';

describe('plugin loading threads', function () {
  // Threads start under tsx here, and the blocking plugin takes the whole load time limit.
  this.timeout(60_000);
  const LIMITS = { timeoutMs: 8_000, maxOldGenerationMb: 32 };
  let dir: string | undefined;

  afterEach(async () => {
    await removeDir(dir);
    dir = undefined;
  });

  it('fails each hostile top level with its own code and reason, and loads the good plugin beside them', async () => {
    dir = await emptyPluginsDir();
    await writeFile(path.join(dir, 'good.js'), pluginSource('good'));
    await writeHostilePlugins(dir);
    // This thread's timers keep firing while the loads run: a top level run here would hold them until it ended.
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 100);
    const result = await loadPlugins(dir, LIMITS);
    order.push('loaded');
    expect(result.loaded.map((loaded) => loaded.plugin.className)).to.deep.equal(['good']);
    const failures = new Map(result.failed.map((failure) => [path.basename(failure.file), failure]));
    expect([...failures.keys()]).to.deep.equal(Object.keys(HOSTILE_PLUGINS));
    for (const [file, { code, says }] of Object.entries(HOSTILE_PLUGINS)) {
      expect(failures.get(file)?.code, file).to.equal(code);
      expect(failures.get(file)?.message, file).to.include(says);
    }
    for (const failure of result.failed) expect(failure.message.startsWith(`${failure.file}: `)).to.equal(true);
    expect(order).to.deep.equal(['timer', 'loaded']);
  });

  it('keeps what a top level does to globals in its loading thread', async () => {
    dir = await emptyPluginsDir();
    const bend = [
      'Array.prototype.includes = () => true;',
      "JSON.parse = () => { throw new Error('bent'); };",
      'globalThis.bentByPlugin = true;',
      "Object.defineProperty(Object.prototype, 'polluted', { get() { return 'yes'; }, set() {}, configurable: true });",
    ].join('\n');
    await writeFile(path.join(dir, 'bends.js'), pluginSource('bends', bend));
    await writeFile(path.join(dir, 'plain.js'), pluginSource('plain'));
    const result = await loadPlugins(dir, LIMITS);

    expect(result.failed).to.deep.equal([]);
    expect(result.loaded.map((loaded) => loaded.plugin.className)).to.deep.equal(['bends', 'plain']);
    expect([1].includes(2)).to.equal(false);
    expect(JSON.parse('{"ok":true}')).to.deep.equal({ ok: true });
    expect('bentByPlugin' in globalThis).to.equal(false);
    expect(({} as { polluted?: string }).polluted).to.equal(undefined);
    // The params validator is compiled here, from plain data, and is this thread's.
    const params: Record<string, unknown> = {};
    expect(result.loaded[0]?.validateParams?.(params)).to.equal(true);
    expect(params).to.deep.equal({ n: 1 });
  });

  it('refuses fields that cannot cross as plain data, and getters that throw', async () => {
    dir = await emptyPluginsDir();
    await writeFile(
      path.join(dir, 'functional.js'),
      pluginSource('functional').replace("paramsSchema: {", 'paramsSchema: { default: () => 1, '),
    );
    await writeFile(
      path.join(dir, 'getter.js'),
      pluginSource('getter').replace("modes: ['single', 'nocontext'],", "get modes() { throw new Error('no modes today'); },"),
    );
    const result = await loadPlugins(dir, LIMITS);
    expect(result.loaded).to.deep.equal([]);
    const messages = result.failed.map((failure) => `${path.basename(failure.file)} ${failure.code} ${failure.message}`);
    expect(messages[0]).to.match(/^functional\.js PLUGIN_SHAPE .*must be plain data/);
    expect(messages[1]).to.match(/^getter\.js PLUGIN_SHAPE .*no modes today/);
  });

  it('stops the loads under way when its signal aborts, and remembers nothing of them', async () => {
    dir = await emptyPluginsDir();
    await writeFile(path.join(dir, 'blocks.js'), pluginSource('blocks', HOSTILE_PLUGINS['blocks.js'].top));
    // A time limit the test would not outlive: only the signal can end this load.
    const loader = createPluginLoader({ timeoutMs: 600_000, maxOldGenerationMb: 32 });
    const closing = new AbortController();
    const loading = loader.load(dir, closing.signal);
    setTimeout(() => closing.abort(new Error('closing')), 200);
    let error: unknown;
    await loading.catch((caught: unknown) => (error = caught));
    expect(error).to.have.property('message', 'closing');
    // Loaded again rather than answered from memory: the same version blocks, and is stopped, again.
    let again: unknown;
    await loader.load(dir, AbortSignal.timeout(200)).catch((caught: unknown) => (again = caught));
    expect(again).to.have.property('name', 'TimeoutError');

    await writeFile(path.join(dir, 'blocks.js'), pluginSource('blocks'));
    const fixed = await loader.load(dir);
    expect(fixed.loaded.map((loaded) => loaded.plugin.className)).to.deep.equal(['blocks']);
  });

  it('does not charge a plugin with what the one loaded before it in the same thread left running', async () => {
    dir = await emptyPluginsDir();
    // a.js loads fine, and its timer throws while b.js, next in that thread, is still loading.
    await writeFile(path.join(dir, 'a.js'), pluginSource('a', "setTimeout(() => { throw new Error('left behind by a'); }, 300);"));
    await writeFile(path.join(dir, 'b.js'), pluginSource('b', 'await new Promise((resolve) => setTimeout(resolve, 1_000));'));
    const result = await loadPlugins(dir, LIMITS);
    expect(result.failed).to.deep.equal([]);
    expect(result.loaded.map((loaded) => loaded.plugin.className)).to.deep.equal(['a', 'b']);
  });
});
