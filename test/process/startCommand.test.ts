/**
 * Under a process manager or as a container's command, the documented start commands stop cleanly on SIGTERM and
 * SIGINT sent to the pid they give: `npm start` (whose script `exec`s node, so that npm's child is the service and
 * not a shell that would not pass the signal on) and the production command `node dist/src/main.js`. The start log
 * says what the service listens on (`HOST`).
 *
 * The service is built once, as `npm start`'s `prestart` builds it but without its type check (`npm test` has
 * type-checked the same sources), into a directory of the test's own with the project's package.json (its start
 * script) and node_modules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT, SHIPPED_PLUGINS_DIR } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

interface Started {
  child: ChildProcess;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The service's pid, from its start log (npm's child when started through npm). */
  servicePid: number;
  url: string;
  listeningMessage: string;
  log: () => Array<Record<string, any>>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('process managers: the documented start commands', function () {
  this.timeout(300_000);
  let build: string;

  before(async () => {
    build = await mkdtemp(path.join(os.tmpdir(), 'invocables-start-command-'));
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    // Emitted without type checking (the same JavaScript): `npm test` type-checks src before mocha starts.
    const compiler = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--noCheck', '--outDir', path.join(build, 'dist')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    compiler.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(compiler, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the build failed: ${output}`);
    await copyFile(path.join(REPO_ROOT, 'package.json'), path.join(build, 'package.json'));
    await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(build, 'node_modules'));
  });

  after(async () => {
    if (build !== undefined) await rm(build, { recursive: true, force: true });
  });

  async function start(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
    const dataDir = path.join(build, `data-${Date.now()}`);
    await mkdir(dataDir);
    const child = spawn(command, args, {
      cwd: build,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, PLUGINS_DIR: SHIPPED_PLUGINS_DIR, WATCH_PLUGINS: 'false', ADMIN_PASSWORD: 'start-command-password', MONGODB_URI: '', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const log = () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, any>);
    const listening = await waitFor(
      'the service to listen',
      async () => {
        if (child.exitCode !== null) throw new Error(`${command} exited ${child.exitCode}: ${stderr}`);
        return log().find((line) => typeof line.msg === 'string' && line.msg.startsWith('invocables listening'));
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    return { child, exited, servicePid: listening.pid, url: listening.url, listeningMessage: listening.msg, log };
  }

  /** Sends `signal` to the pid the command gave, and checks that the service shut down and exited. */
  async function stopsCleanly(started: Started, signal: NodeJS.Signals): Promise<void> {
    const res = await fetch(new URL('/health', started.url));
    expect(res.status).to.equal(200);
    started.child.kill(signal);
    const [code] = await started.exited;
    expect(code, `${signal}: exit code`).to.equal(0);
    const messages = started.log().map((line) => line.msg);
    expect(started.log().find((line) => line.msg === 'shutting down')?.reason).to.equal(signal);
    expect(messages).to.include('stopped');
    expect(alive(started.servicePid), 'the service process is still running').to.equal(false);
  }

  it('npm start: SIGTERM to npm stops the service, which listens on every interface by default', async () => {
    const started = await start('npm', ['start', '--ignore-scripts']);
    expect(started.servicePid).to.not.equal(started.child.pid);
    expect(started.listeningMessage).to.match(/^invocables listening on all interfaces \((::|0\.0\.0\.0)\) port \d+$/);
    await stopsCleanly(started, 'SIGTERM');
  });

  it('npm start: SIGINT to npm stops the service too', async () => {
    await stopsCleanly(await start('npm', ['start', '--ignore-scripts']), 'SIGINT');
  });

  it('node dist/src/main.js with HOST=127.0.0.1: listens there, says so, and stops on SIGTERM', async () => {
    const started = await start(process.execPath, ['dist/src/main.js'], { HOST: '127.0.0.1' });
    expect(started.servicePid).to.equal(started.child.pid);
    const port = new URL(started.url).port;
    expect(started.listeningMessage).to.equal(`invocables listening on 127.0.0.1 port ${port}`);
    expect(started.url).to.equal(`http://127.0.0.1:${port}`);
    await stopsCleanly(started, 'SIGTERM');
  });
});
