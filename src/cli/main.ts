/**
 * `invocables`: the command line client of the service (bin/invocables.js runs it). It talks JSON to the REST API
 * only, with the credentials of the environment (settings.ts), and exits with a code scripts can test (exitCodes.ts).
 */
import { Command, CommanderError, Option } from 'commander';
import { RUN_STATUSES } from '../domain/runs.js';
import { INVOCATION_MODES } from '../domain/types.js';
import { ApiClient, ApiError } from './apiClient.js';
import * as commands from './commands.js';
import { EXIT } from './exitCodes.js';
import { Output } from './output.js';
import { cliSettings, UsageError } from './settings.js';

const program = new Command('invocables')
  .description('Invoke batch jobs and follow their runs on an Invocables service.')
  .addHelpText(
    'after',
    `
Environment:
  INVOCABLES_URL       the service, default http://localhost:8080
  INVOCABLES_TOKEN     an API token; or else
  INVOCABLES_USER, INVOCABLES_PASSWORD
  INVOCABLES_TENANT    another tenant of the user (X-Tenant-Id)

Exit codes:
  0    done; for a command about one run, the run Completed
  1    the run did not complete (CompletedWithErrors, Failed, Cancelled, still active)
  2    wrong usage
  3    the service refused the request or could not be reached
  130  Ctrl-C while waiting for a run, which goes on`,
  )
  .option('--json', 'print one JSON document per line on stdout: the API document of the run, or the list items')
  .exitOverride()
  .showHelpAfterError();

/** Runs a command with the environment's settings; its answer is the exit code. */
function action<A extends unknown[]>(command: (context: commands.CommandContext, ...args: A) => Promise<number>) {
  return async (...args: A) => {
    const context = { api: new ApiClient(cliSettings()), out: new Output(program.opts().json === true) };
    process.exitCode = await command(context, ...args);
  };
}

const collect = (value: string, previous: string[]) => [...previous, value];

program
  .command('definitions')
  .description('list the batch job definitions')
  .option('--doctype <type>', 'only those for this document type')
  .addOption(new Option('--mode <mode>', 'only those enabling this mode').choices(INVOCATION_MODES))
  .action(action(commands.definitions));

program
  .command('invoke')
  .description('invoke a batch job (by csid or alias) and wait for its run to end, printing how it ended')
  .argument('<definition>', 'the definition csid, or one of its aliases')
  .option('--single <csid>', 'run on one record')
  .option('--list <csid...>', 'run on these records')
  .option('--group <csid>', 'run on the members of a Group record')
  .option('--nocontext', 'run without a context (on the records the job is for)')
  .option('--doctype <type>', 'the document type of the records (default: the first the job is for)')
  .option('--param <key=value>', 'a parameter; repeat for more (a key given twice has several values)', collect, [])
  .option('--async', 'do not wait: print the run id as soon as the run is started')
  .option('--follow', 'show a progress bar (on stderr) until the run ends')
  .action(action(commands.invoke));

program
  .command('runs')
  .description('list runs, newest first')
  .addOption(new Option('--status <status>', 'only runs in this status').choices(RUN_STATUSES))
  .option('--definition <csid>', 'only runs of this definition')
  .option('--page-size <n>', 'runs per page', '40')
  .option('--page <n>', 'page number, from 0', '0')
  .action(action(commands.runs));

program
  .command('run')
  .description('show a run: status, counts, results and failed items')
  .argument('<id>', 'the run id')
  .option('--follow', 'show a progress bar (on stderr) until the run ends')
  .action(action(commands.run));

program.command('cancel').description('cancel a run').argument('<id>', 'the run id').action(action(commands.cancel));

program
  .command('rerun')
  .description('run a finished run again')
  .argument('<id>', 'the run id')
  .option('--failed', 'only the items that did not complete (Failed and Cancelled)')
  .option('--follow', 'show a progress bar (on stderr) until the run ends')
  .action(action(commands.rerun));

/** The error in one line (and one per detail) on stderr, and its exit code. */
function failed(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (err instanceof UsageError) {
    process.stderr.write(`invocables: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof ApiError) {
    const status = err.status === 0 ? '' : `${err.status} ${err.code}: `;
    process.stderr.write(`invocables: ${status}${err.message}\n${err.details.map(({ path, message }) => `  ${path}: ${message}\n`).join('')}`);
    return EXIT.requestFailed;
  }
  process.stderr.write(`invocables: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.requestFailed;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = failed(err);
}
