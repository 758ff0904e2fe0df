/**
 * The README as a tested tutorial: every `sh` example in it runs, in order, in one bash session, against a fresh
 * service with the shipped plugins, exactly as written (only the address `localhost:8080` is the test service's).
 * A command that fails, a variable that was never set, or a curl answered with an HTTP error stops the walkthrough
 * and fails the test, naming the README line of the example. Examples marked `<!-- not run: why -->` are listed
 * with their reason.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { useChildSandbox } from '../support/childService.js';
import { readmeShellExamples, shellExamples, walkthroughScript } from '../support/readmeExamples.js';
import { SHIPPED_PLUGINS_DIR } from '../support/testService.js';

describe('the README walkthrough', function () {
  this.timeout(180_000);
  const sandbox = useChildSandbox('invocables-readme-', []);

  it('reads sh blocks and the reasons some are not run', () => {
    const examples = shellExamples(['```sh', 'echo 1', '```', '', '<!-- not run: needs a second host -->', '', '```sh', 'echo 2', '```', '```xml', '<a/>', '```'].join('\n'));
    expect(examples).to.deep.equal([
      { line: 1, text: 'echo 1' },
      { line: 7, text: 'echo 2', notRun: 'needs a second host' },
    ]);
  });

  it('runs every example in order against a real service', async () => {
    const examples = await readmeShellExamples();
    const notRun = examples.filter((example) => example.notRun !== undefined);
    for (const example of notRun) console.log(`      README line ${example.line} is not run: ${example.notRun}`);
    const run = examples.filter((example) => example.notRun === undefined);
    expect(run.length, 'examples to run').to.be.greaterThan(20);

    const env = sandbox().env({ PLUGINS_DIR: SHIPPED_PLUGINS_DIR });
    const service = await sandbox().start(env);
    const address = new URL(service.url).host;
    const script = path.join(sandbox().dir, 'walkthrough.sh');
    await writeFile(script, walkthroughScript(run).replaceAll('localhost:8080', address));

    const bash = spawn('bash', [script], { cwd: sandbox().dir, env: { PATH: process.env['PATH'], HOME: sandbox().dir, PW: env['ADMIN_PASSWORD'] } });
    let output = '';
    bash.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    bash.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = await once(bash, 'exit');
    const lastExample = [...output.matchAll(/### README line (\d+)/g)].pop()?.[1];
    expect(code, `the walkthrough stopped in the example at README line ${lastExample}:\n${output.slice(-3000)}`).to.equal(0);
    expect(lastExample, 'the last example ran').to.equal(String(run.at(-1)?.line));
  });
});
