/**
 * What each command does, over the REST API only; each answers its exit code (exitCodes.ts). A command about one
 * run exits 0 only when that run `Completed`, except those that only start or stop one (`invoke --async`,
 * `rerun` without `--follow`, `cancel`), which exit 0 once the service accepted.
 */
import { RUN_STATUS } from '../domain/runs.js';
import { asList, type ApiClient, type Query } from './apiClient.js';
import { EXIT } from './exitCodes.js';
import { followRun } from './followRun.js';
import { invocationContext, type ContextOptions } from './invocationContext.js';
import { runLines, table, type Output } from './output.js';
import { runProgressBar } from './progressBar.js';

export interface CommandContext {
  api: ApiClient;
  out: Output;
}

/** The largest page the API serves: lists are read whole, a page at a time. */
const PAGE_SIZE = 2500;

const runPath = (id: string) => `/runs/${encodeURIComponent(id)}`;

async function getRun(api: ApiClient, id: string): Promise<any> {
  return (await api.get(runPath(id)))['ns2:run'];
}

function showRun(out: Output, run: any): number {
  out.print(() => runLines(run), run);
  return run.status === RUN_STATUS.Completed ? EXIT.ok : EXIT.runNotCompleted;
}

/**
 * Waits for the run to end, with a progress bar on stderr when `bar`, then shows it. Ctrl-C stops the waiting, not
 * the run: that is said, with how to follow it again.
 */
async function awaitRun({ api, out }: CommandContext, id: string, bar: boolean): Promise<number> {
  const progressBar = bar ? runProgressBar() : undefined;
  const interrupted = () => {
    progressBar?.stop();
    process.stderr.write(`invocables: stopped waiting; run ${id} goes on (follow it with 'invocables run ${id} --follow')\n`);
    process.exit(EXIT.interrupted);
  };
  process.once('SIGINT', interrupted);
  try {
    await followRun(api, id, (progress) => progressBar?.show(progress));
  } finally {
    process.off('SIGINT', interrupted);
    progressBar?.stop();
  }
  return showRun(out, await getRun(api, id));
}

/** A started run: its id and where to look, or, when waited for, how it ended. */
async function started(ctx: CommandContext, run: any, wait: 'no' | 'quiet' | 'bar'): Promise<number> {
  if (wait !== 'no') return awaitRun(ctx, run.id, wait === 'bar');
  ctx.out.print(() => [`Run ${run.id} ${run.status}: follow it with 'invocables run ${run.id} --follow'`], run);
  return EXIT.ok;
}

/** Every item of a list, page by page. */
async function listAll(api: ApiClient, pathname: string, query: Query): Promise<any[]> {
  const items: any[] = [];
  for (let pageNum = 0; ; pageNum += 1) {
    const list = (await api.get(pathname, { ...query, pgSz: String(PAGE_SIZE), pgNum: String(pageNum) }))['ns2:abstract-common-list'];
    items.push(...asList(list['list-item']));
    if ((pageNum + 1) * PAGE_SIZE >= Number(list.totalItems)) return items;
  }
}

export async function definitions({ api, out }: CommandContext, options: { doctype?: string; mode?: string }): Promise<number> {
  const items = await listAll(api, '/batch', { doctype: options.doctype, mode: options.mode, sortBy: 'name' });
  out.print(() => (items.length === 0 ? ['No definitions.'] : table([['CSID', 'NAME'], ...items.map((item) => [item.csid, item.name])])), items);
  return EXIT.ok;
}

export interface InvokeOptions extends Omit<ContextOptions, 'docType'> {
  doctype?: string;
  async?: boolean;
  follow?: boolean;
}

/** The first document type the job is for: what `--single`, `--list` and `--group` act on unless `--doctype` says. */
async function defaultDocType(api: ApiClient, definition: string): Promise<string | undefined> {
  const common = (await api.get(`/batch/${encodeURIComponent(definition)}`)).document['ns2:batch_common'];
  return asList<string>(common.forDocTypes?.forDocType)[0];
}

export async function invoke(ctx: CommandContext, definition: string, options: InvokeOptions): Promise<number> {
  const context = { ...options, docType: options.doctype };
  // Checked before anything is asked of the service.
  invocationContext(context);
  const docType = options.doctype ?? (options.nocontext === true ? undefined : await defaultDocType(ctx.api, definition));
  const body = invocationContext({ ...context, ...(docType !== undefined && { docType }) });
  // Always a background run: the run's status, which decides the exit code, is known only from the run.
  const answer = await ctx.api.post(`/batch/${encodeURIComponent(definition)}/invoke`, body, { headers: { Prefer: 'respond-async' } });
  return started(ctx, answer['ns2:run'], options.follow === true ? 'bar' : options.async === true ? 'no' : 'quiet');
}

export async function runs({ api, out }: CommandContext, options: { status?: string; definition?: string; pageSize: string; page: string }): Promise<number> {
  const query = { status: options.status, definition: options.definition, pgSz: options.pageSize, pgNum: options.page };
  const list = (await api.get('/runs', query))['ns2:abstract-common-list'];
  const items = asList<any>(list['list-item']);
  out.print(
    () => [
      ...(items.length === 0
        ? []
        : table([
            ['ID', 'STATUS', 'ITEMS', 'FAILED', 'CREATED', 'JOB'],
            ...items.map((run) => [run.id, run.status, `${run.noOfItemsProcessed}/${run.noOfItemsPosted}`, run.noOfItemsFailed, run.createdAt, run.definitionName]),
          ])),
      `${items.length} of ${list.totalItems} runs (page ${list.pageNum})`,
    ],
    items,
  );
  return EXIT.ok;
}

export async function run(ctx: CommandContext, id: string, options: { follow?: boolean }): Promise<number> {
  return options.follow === true ? awaitRun(ctx, id, true) : showRun(ctx.out, await getRun(ctx.api, id));
}

export async function cancel({ api, out }: CommandContext, id: string): Promise<number> {
  showRun(out, (await api.post(`${runPath(id)}/cancel`))['ns2:run']);
  return EXIT.ok;
}

export async function rerun(ctx: CommandContext, id: string, options: { failed?: boolean; follow?: boolean }): Promise<number> {
  const answer = await ctx.api.post(`${runPath(id)}/rerun`, undefined, { query: { only: options.failed === true ? 'failed' : undefined } });
  return started(ctx, answer['ns2:run'], options.follow === true ? 'bar' : 'no');
}
