/**
 * The command line as a user runs it (`npx invocables`, or bin/invocables.js, which it runs), spawned against a real
 * service on a real store, over the REST API only. Exit codes: 0 only when the run Completed, 1 when it did not, 2
 * for wrong usage, 3 when the service refused.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { createRecord, definitionFor, getJson, JSON_TYPE, relate } from '../support/api.js';
import { REPO_ROOT, startTestService, TEST_ADMIN, tempDir, type TestService } from '../support/testService.js';
import { waitFor } from '../support/waitFor.js';

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const RECORD_ITEMS = path.join(REPO_ROOT, 'test/fixtures/plugins/runs');
/** What `npx invocables` runs (package.json `bin`). */
const BIN = path.join(REPO_ROOT, 'bin/invocables.js');

describe('command line: npx invocables', function () {
  this.timeout(120_000);
  let service: TestService;
  let plugins: { dir: string; cleanup: () => Promise<void> };
  let job: string;
  let good: string[];
  let bad: string;

  /** The environment a user of this service sets, with `env`. */
  const cliEnv = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...process.env,
    INVOCABLES_URL: service.url,
    INVOCABLES_USER: TEST_ADMIN.username,
    INVOCABLES_PASSWORD: TEST_ADMIN.password,
    INVOCABLES_TOKEN: '',
    INVOCABLES_TENANT: '',
    ...env,
  });

  /** Runs `command args` as a user would, with the environment's settings for this service (and `env`). */
  async function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    const child = spawn(command, args, { cwd: REPO_ROOT, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    return { code, stdout, stderr };
  }

  const cli = (args: string[], env?: NodeJS.ProcessEnv) => run(process.execPath, [BIN, ...args], env);
  const json = (result: CliResult) => JSON.parse(result.stdout) as any;
  const apiRun = async (id: string) => (await getJson(service, `/cspace-services/runs/${id}`))['ns2:run'];

  before(async () => {
    plugins = await tempDir('invocables-cli-plugins-');
    for (const file of ['record-items.js', 'package.json']) await copyFile(path.join(RECORD_ITEMS, file), path.join(plugins.dir, file));
    service = await startTestService({ pluginsDir: plugins.dir });
    job = await definitionFor(service, 'test.RecordItems');
    good = [await createRecord(service, 'CollectionObject', { objectNumber: 'g1' }), await createRecord(service, 'CollectionObject', { objectNumber: 'g2' })];
    bad = await createRecord(service, 'CollectionObject', { objectNumber: 'b1', fail: 'yes' });
  });

  after(async () => {
    await service?.stop();
    await plugins?.cleanup();
  });

  it('npx invocables definitions: lists the definitions, as a table or as JSON', async () => {
    const listed = await run('npx', ['invocables', 'definitions']);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout.split('\n')[0]).to.match(/^CSID\s+NAME$/);
    expect(listed.stdout).to.match(new RegExp(`^${job}\\s+Record items$`, 'm'));
    const asJson = await cli(['--json', 'definitions']);
    expect(json(asJson).map((item: any) => [item.csid, item.name])).to.deep.equal([[job, 'Record items']]);
  });

  it('invoke --follow: a progress bar on stderr up to 100 %, the run on stdout, exit 0 when it Completed', async () => {
    const result = await cli(['invoke', job, '--list', ...good, '--follow']);
    expect(result.code, result.stderr).to.equal(0);
    const [first] = result.stdout.split('\n');
    const id = /^Run (\S+) Completed$/.exec(first ?? '')?.[1] ?? '';
    expect(result.stdout).to.contain('items: 2 of 2 processed, 0 failed, 2 affected, 0 cancelled (100%)');
    const barLines = result.stderr.split('\n').filter((line) => line.includes('items |'));
    expect(barLines.at(-1)).to.match(/ 100% \| 2\/2 items \| 0 failed \| Completed$/);
    const stored = await apiRun(id);
    expect([stored.status, stored.noOfItemsProcessed]).to.deep.equal(['Completed', '2']);
  });

  it('invoke --group: runs on the members of a Group record', async () => {
    const group = await createRecord(service, 'Group', { title: 'two good ones' });
    for (const member of good) await relate(service, { csid: group, docType: 'Group' }, 'affects', { csid: member, docType: 'CollectionObject' });
    const result = await cli(['invoke', job, '--group', group]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('items: 2 of 2 processed, 0 failed, 2 affected');
  });

  it('invoke (waiting): exit 1 when an item failed, naming it and why; no bar without --follow', async () => {
    const result = await cli(['invoke', job, '--list', good[0] ?? '', bad]);
    expect(result.code, result.stderr).to.equal(1);
    expect(result.stdout).to.match(/^Run \S+ CompletedWithErrors$/m);
    expect(result.stdout).to.contain(`failed ${bad}: Plugin 'test.RecordItems' failed: record b1 refuses`);
    expect(result.stderr).to.equal('');
  });

  it('invoke --async --json, run --follow, rerun --failed: the exit code follows the run to Completed', async () => {
    const started = await cli(['--json', 'invoke', job, '--nocontext', '--async', '--param', 'note=a', '--param', 'note=b']);
    expect(started.code, started.stderr).to.equal(0);
    const { id } = json(started);
    expect(json(started).invocationContext.params.param).to.deep.equal([
      { key: 'note', value: 'a' },
      { key: 'note', value: 'b' },
    ]);

    const followed = await cli(['--json', 'run', id, '--follow']);
    expect(followed.code, followed.stderr).to.equal(1);
    expect([json(followed).status, json(followed).noOfItemsFailed]).to.deep.equal(['CompletedWithErrors', '1']);

    // The record is mended; rerunning the failed item completes the run.
    const mended = await service.request(`/cspace-services/records/CollectionObject/${bad}`, {
      method: 'PUT',
      headers: { 'Content-Type': JSON_TYPE },
      body: JSON.stringify({ document: { '@name': 'CollectionObject', fail: 'no' } }),
    });
    expect(mended.status).to.equal(200);
    const rerun = await cli(['rerun', id, '--failed', '--follow']);
    expect(rerun.code, rerun.stderr).to.equal(0);
    expect(rerun.stdout).to.match(new RegExp(`^Run ${id} Completed$`, 'm'));
    const stored = await apiRun(id);
    expect([stored.status, stored.reruns, stored.noOfItemsFailed]).to.deep.equal(['Completed', '1', '0']);

    const shown = await cli(['run', id]);
    expect(shown.code).to.equal(0);
    const completed = await cli(['--json', 'runs', '--status', 'Completed']);
    expect(completed.code).to.equal(0);
    expect(json(completed).map((item: any) => item.id)).to.include(id);
    expect(new Set(json(completed).map((item: any) => item.status))).to.deep.equal(new Set(['Completed']));
  });

  it("cancel: cancels an open run (exit 0); a second cancel is refused with the service's reason (exit 3)", async () => {
    const opened = await service.request(`/cspace-services/batch/${job}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject' } }),
    });
    expect(opened.status).to.equal(201);
    const id = ((await opened.json()) as any)['ns2:run'].id as string;
    const cancelled = await cli(['cancel', id]);
    expect(cancelled.code, cancelled.stderr).to.equal(0);
    expect(cancelled.stdout).to.match(new RegExp(`^Run ${id} Cancelled$`, 'm'));
    expect((await apiRun(id)).status).to.equal('Cancelled');
    const again = await cli(['cancel', id]);
    expect(again.code).to.equal(3);
    expect(again.stderr).to.match(/^invocables: 409 CONFLICT: .*already finished/);
    const shown = await cli(['run', id]);
    expect(shown.code, 'a Cancelled run is not Completed').to.equal(1);
  });

  it('Ctrl-C while following stops the waiting, not the run: exit 130, and how to follow it again', async () => {
    const opened = await service.request(`/cspace-services/batch/${job}/runs`, {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ 'ns2:invocationContext': { mode: 'list', docType: 'CollectionObject' } }),
    });
    const id = ((await opened.json()) as any)['ns2:run'].id as string;
    const child = spawn(process.execPath, [BIN, 'run', id, '--follow'], { cwd: REPO_ROOT, env: cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit') as Promise<[number | null]>;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor('the progress bar', async () => (stderr.includes('items |') ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).to.equal(130);
    expect(stderr).to.contain(`invocables: stopped waiting; run ${id} goes on (follow it with 'invocables run ${id} --follow')`);
    expect((await apiRun(id)).status).to.equal('InProgress');
  });

  it('credentials: an API token from INVOCABLES_TOKEN; wrong ones exit 3 with the 401, none exit 2', async () => {
    const created = await service.request('/cspace-services/admin/tokens', {
      method: 'POST',
      headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
      body: JSON.stringify({ token: { label: 'cli test', username: TEST_ADMIN.username } }),
    });
    expect(created.status).to.equal(201);
    const token = ((await created.json()) as any).token.token as string;
    const withToken = await cli(['runs'], { INVOCABLES_TOKEN: token, INVOCABLES_USER: '', INVOCABLES_PASSWORD: '' });
    expect(withToken.code, withToken.stderr).to.equal(0);
    expect(withToken.stdout).to.match(/^ID\s+STATUS\s+ITEMS/);

    const wrong = await cli(['runs'], { INVOCABLES_PASSWORD: 'not-the-password' });
    expect(wrong.code).to.equal(3);
    expect(wrong.stderr).to.match(/^invocables: 401 UNAUTHENTICATED: /);
    const none = await cli(['runs'], { INVOCABLES_USER: '', INVOCABLES_PASSWORD: '' });
    expect(none.code).to.equal(2);
    expect(none.stderr.trim()).to.equal('invocables: Set INVOCABLES_TOKEN (an API token), or INVOCABLES_USER and INVOCABLES_PASSWORD');
  });

  it('wrong usage exits 2 before anything is asked of the service: no context, an unknown status, a bad --param', async () => {
    const runsBefore = (await getJson(service, '/cspace-services/runs'))['ns2:abstract-common-list'].totalItems;
    const noContext = await cli(['invoke', job]);
    expect(noContext.code).to.equal(2);
    expect(noContext.stderr).to.contain('Say what to run the job on: one of --single <csid>, --list <csid...>, --group <csid>, --nocontext');
    const twoContexts = await cli(['invoke', job, '--nocontext', '--list', bad]);
    expect(twoContexts.code).to.equal(2);
    const badParam = await cli(['invoke', job, '--nocontext', '--param', 'novalue']);
    expect(badParam.code).to.equal(2);
    expect(badParam.stderr).to.contain("--param must be key=value, got 'novalue'");
    const badStatus = await cli(['runs', '--status', 'Done']);
    expect(badStatus.code).to.equal(2);
    expect(badStatus.stderr).to.contain("argument 'Done' is invalid");
    expect((await getJson(service, '/cspace-services/runs'))['ns2:abstract-common-list'].totalItems).to.equal(runsBefore);
  });

  it('INVOCABLES_TENANT acts in another tenant of the user, whose records are its own; INVOCABLES_URL may name /cspace-services', async () => {
    const created = await service.request('/cspace-services/admin/tenants', {
      method: 'POST',
      headers: { 'Content-Type': 'application/xml' },
      body: '<tenant><id>museum-b</id><name>Museum B</name></tenant>',
    });
    expect(created.status).to.equal(201);
    const inB = { INVOCABLES_TENANT: 'museum-b', INVOCABLES_URL: `${service.url}/cspace-services/` };
    const listed = await cli(['--json', 'definitions'], inB);
    expect(listed.code, listed.stderr).to.equal(0);
    const [definition] = json(listed);
    expect(definition.name).to.equal('Record items');
    expect(definition.csid, "museum-b's own definition").to.not.equal(job);

    const elsewhere = await cli(['invoke', definition.csid, '--single', good[0] ?? ''], inB);
    expect(elsewhere.code).to.equal(3);
    expect(elsewhere.stderr).to.match(/^invocables: 404 NOT_FOUND: .*does not exist as CollectionObject/);
    expect(elsewhere.stderr).to.contain(good[0]);
    const home = await cli(['invoke', job, '--single', good[0] ?? '', '--doctype', 'CollectionObject']);
    expect(home.code, home.stderr).to.equal(0);
    expect(home.stdout).to.contain('items: 1 of 1 processed, 0 failed, 1 affected');
  });

  it('a service that refuses the invocation: exit 3 with its status, code, message and details', async () => {
    const result = await cli(['invoke', job, '--list', 'no-such-record']);
    expect(result.code).to.equal(3);
    expect(result.stderr).to.match(/^invocables: 404 NOT_FOUND: .*'no-such-record'/);
    expect(result.stderr).to.contain("  invocationContext/csid: 'no-such-record' was not found");
  });
});
