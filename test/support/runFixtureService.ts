/**
 * A test service whose plugins are the run fixtures (test/fixtures/plugins/runs), with the gate their gated plugin
 * waits at: what the HTTP tests of runs start before each case.
 */
import path from 'node:path';
import type { Config } from '../../src/config.js';
import { RunGate } from './runGate.js';
import { pluginsDirWith, REPO_ROOT, startTestService, type TestService } from './testService.js';

export const RUN_FIXTURE_PLUGINS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');

export interface RunFixtureService {
  service: TestService;
  gate: RunGate;
  /** Opens the gate, stops the service and removes its plugins directory. */
  stop(): Promise<void>;
}

export async function startRunFixtureService(overrides: Partial<Config> = {}): Promise<RunFixtureService> {
  const plugins = await pluginsDirWith(RUN_FIXTURE_PLUGINS);
  const gate = new RunGate();
  const service = await startTestService({ pluginsDir: plugins.dir, ...overrides });
  return {
    service,
    gate,
    async stop() {
      gate.close();
      await service.stop();
      await plugins.cleanup();
    },
  };
}
