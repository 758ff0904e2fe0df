/**
 * `invocables run <id> --follow` across a service restart: the event stream ends when the service shuts down, and
 * the command line connects again, as an `EventSource` would, until the run ends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { childSandbox, type ChildSandbox } from '../support/childService.js';
import { REPO_ROOT } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

const ITEMS = 60;

/** A port free now, so that the restarted service listens where the command line follows the first one. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('command line: following a run across a service restart', function () {
  this.timeout(180_000);
  let sandbox: ChildSandbox;
  let failed = false;

  before(async () => {
    sandbox = await childSandbox('invocables-cli-follow-', ['marker-items.js'], { engine: 'sqlite' });
    await sandbox.seedRecords(ITEMS);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') failed = true;
  });

  after(async () => {
    await sandbox?.cleanup(failed);
  });

  it('connects again to the restarted service and exits 0 once the run Completed', async () => {
    // One item at a time, each at least 100 ms: the run outlasts the restart.
    const env = sandbox.env({ PORT: String(await freePort()), MARKER_DELAY_MS: '100', ITEM_CONCURRENCY: '1', SHUTDOWN_TIMEOUT_MS: '1000' });
    const first = await sandbox.start(env);
    const location = await sandbox.startRunOverAll(first, 'test.MarkerItems');
    const id = location.split('/').pop() ?? '';

    const cli = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/invocables.js'), 'run', id, '--follow'], {
      cwd: REPO_ROOT,
      env: { ...process.env, INVOCABLES_URL: first.url, INVOCABLES_USER: 'admin', INVOCABLES_PASSWORD: env['ADMIN_PASSWORD'], INVOCABLES_TOKEN: '', INVOCABLES_TENANT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const cliExited = once(cli, 'exit') as Promise<[number | null]>;
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor('the progress bar', async () => (stderr.includes('items |') ? true : undefined), { timeoutMs: 60_000, intervalMs: 50 });

    first.child.kill('SIGTERM');
    await first.exited;
    const before = await sandbox.storedItems(location, 'Completed');
    expect(before.length, 'the run ended before the restart: nothing to reconnect to').to.be.below(ITEMS);
    expect(cli.exitCode, `the command line stopped with the service: ${stderr}`).to.equal(null);

    await sandbox.start(env);
    const [code] = await cliExited;
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(new RegExp(`^Run ${id} Completed$`, 'm'));
    expect(stdout).to.contain(`items: ${ITEMS} of ${ITEMS} processed, 0 failed`);
    expect(stderr.split('\n').filter((line) => line.includes('items |')).at(-1)).to.match(new RegExp(`100% \\| ${ITEMS}/${ITEMS} items \\| 0 failed \\| Completed$`));
  });
});
