/**
 * A service whose plugins directory holds plugins with hostile top levels starts, lists each under `failed` in
 * `/health` with its code, and runs the other plugins; a plugin dropped in while it runs that blocks at load leaves
 * the API answering, and once fixed it is loaded and runs. Real service, real store, real threads, real files.
 */
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createDefinition, definitionFor, invoke } from '../support/api.js';
import { pluginsDirWith, startTestService, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';
import { HOSTILE_PLUGINS, pluginSource, writeHostilePlugins } from './support.js';

interface Health {
  status: string;
  plugins: { loaded: number; failed: Array<{ file: string; code: string; message: string }> };
}

describe('a service whose plugins misbehave at load', function () {
  // Threads start under tsx here, and each plugin that blocks takes the whole load time limit.
  this.timeout(120_000);
  let service: TestService | undefined;

  async function health(): Promise<Health> {
    const res = await (service as TestService).request('/health');
    expect(res.status).to.equal(200);
    return (await res.json()) as Health;
  }

  it('starts, reports each hostile plugin, runs the others, and loads a blocking plugin once it is fixed', async () => {
    const plugins = await pluginsDirWith();
    try {
      await writeHostilePlugins(plugins.dir);
      service = await startTestService({ pluginsDir: plugins.dir, watchPlugins: true, pluginLoadTimeoutMs: 5_000, pluginMaxOldGenerationMb: 32 });

      const started = await health();
      expect(started.plugins.loaded).to.equal(4);
      expect(Object.fromEntries(started.plugins.failed.map(({ file, code }) => [file, code]))).to.deep.equal(
        Object.fromEntries(Object.entries(HOSTILE_PLUGINS).map(([file, { code }]) => [file, code])),
      );
      const noop = await invoke(service, await definitionFor(service, 'noop'), { mode: 'nocontext' });
      expect(noop.status, JSON.stringify(noop.body)).to.equal(200);

      // Dropped in while running, it blocks its loading thread: the API answers all the while.
      const file = path.join(plugins.dir, 'late.js');
      const failed = once(service.plugins, 'failed');
      await writeFile(file, pluginSource('late', HOSTILE_PLUGINS['blocks.js'].top));
      let answered = 0;
      const reported = await waitFor(
        'the blocking plugin to be reported',
        async () => {
          const now = await health();
          answered += 1;
          return now.plugins.failed.find((failure) => failure.file === 'late.js');
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      await failed;
      expect(reported.code).to.equal('PLUGIN_LOAD_TIMEOUT');
      expect(answered).to.be.greaterThan(1);

      const loaded = once(service.plugins, 'loaded');
      await writeFile(file, pluginSource('late'));
      await loaded;
      expect((await health()).plugins.failed.map((failure) => failure.file)).to.not.include('late.js');
      const late = await createDefinition(service, { name: 'late', supportsNoContext: true, className: 'late' });
      const ran = await invoke(service, late, { mode: 'nocontext' });
      expect(ran.status, JSON.stringify(ran.body)).to.equal(200);
      expect(JSON.stringify(ran.body)).to.include('late ran');
    } finally {
      await service?.stop();
      await plugins.cleanup();
    }
  });

  it('fails the call PLUGIN_TIMEOUT when a top level blocks only in the plugin thread that imports it', async () => {
    const plugins = await pluginsDirWith();
    try {
      service = await startTestService({ pluginsDir: plugins.dir, watchPlugins: true });
      // It loads, then blocks in any thread that imports it once the marker file is there.
      const marker = path.join(plugins.dir, 'block-from-now');
      const loaded = once(service.plugins, 'loaded');
      await writeFile(
        path.join(plugins.dir, 'moody.js'),
        `import { existsSync } from 'node:fs';
if (existsSync(${JSON.stringify(marker)})) while (true) {}
export default { className: 'moody', contract: '^1.0.0', modes: ['nocontext'], timeoutMs: 1000, async invoke() { return {}; } };
`,
      );
      await loaded;
      await writeFile(marker, '');
      const moody = await createDefinition(service, { name: 'moody', supportsNoContext: true, className: 'moody' });
      const answered = await invoke(service, moody, { mode: 'nocontext' });
      expect(answered.status).to.equal(500);
      expect(JSON.stringify(answered.body)).to.include('PLUGIN_TIMEOUT');
      expect((await health()).status).to.equal('ok');
    } finally {
      await service?.stop();
      await plugins.cleanup();
    }
  });
});
