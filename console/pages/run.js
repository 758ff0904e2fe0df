// One run: its status, counts and live progress; its results, item errors and items (paged, by status); cancel
// and rerun for those allowed.
import { allowed, api, ApiError, apiList, asArray } from '../api.js';
import { formatDuration, formatTime, h, pager, show, table } from '../dom.js';
import { isActive, liveProgress } from '../progress.js';

const ITEM_STATUSES = ['New', 'Processing', 'Completed', 'Failed', 'Cancelled'];
const ITEMS_PAGE_SIZE = 50;

function counts(run) {
  return `${run.noOfItemsProcessed} of ${run.noOfItemsPosted} processed, ${run.noOfItemsFailed} failed, ` +
    `${run.noOfItemsAffected} affected, ${run.noOfItemsCancelled} cancelled`;
}

/** A button that posts to the run and shows the run again, or shows why the service refused. */
function action(label, path, problem) {
  return h('button', { type: 'button', onclick: async () => {
    try {
      await api(path, { method: 'POST' });
      dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      show(problem, error.message);
    }
  } }, label);
}

async function actions(run) {
  const problem = h('span', { role: 'alert' });
  if (!(await allowed('runs', 'U'))) return [];
  const path = `/runs/${encodeURIComponent(run.id)}`;
  const unfinished = Number(run.noOfItemsFailed) + Number(run.noOfItemsCancelled) > 0;
  return h('p', { class: 'actions' },
    isActive(run) ? action('Cancel', `${path}/cancel`, problem) : '',
    !isActive(run) && run.canReRun === 'true' ? action('Rerun all', `${path}/rerun`, problem) : '',
    !isActive(run) && run.canReRun === 'true' && unfinished ? action('Rerun failed', `${path}/rerun?only=failed`, problem) : '',
    problem);
}

function resultsList(results) {
  return h('dl', { class: 'results' }, Object.entries(results).filter(([key]) => !key.startsWith('@'))
    .flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, typeof value === 'string' ? value : JSON.stringify(value))]));
}

/**
 * The run's results: inline, or, when stored apart (too large to inline), read from its results link on demand,
 * through the API so that the tenant header goes with the request.
 */
function resultsSection(run) {
  if (run.resultsLink !== undefined) {
    const holder = h('div', {}, h('button', { type: 'button', onclick: async () => {
      try {
        const { data } = await api(`/runs/${encodeURIComponent(run.id)}/results`);
        show(holder, resultsList(data['ns2:invocationResults']));
      } catch (error) {
        show(holder, h('p', { class: 'problem' }, error.message));
      }
    } }, `Show results (${run.resultsSize} bytes)`));
    return [h('h2', {}, 'Results'), holder];
  }
  return run.invocationResults === undefined ? '' : [h('h2', {}, 'Results'), resultsList(run.invocationResults)];
}

/** `jobItemErrors`: the failed items' records and errors, as the run document carries them. */
function itemErrors(run) {
  const errors = asArray(run.jobItemErrors?.itemError);
  if (errors.length === 0) return '';
  return [h('h2', {}, 'Item errors'), table(['Record', 'Error'], errors, (error) => [error.csid, error.message])];
}

async function itemsSection(run, query) {
  const status = query.get('itemStatus') ?? '';
  const params = new URLSearchParams({ pgSz: String(ITEMS_PAGE_SIZE), pgNum: query.get('pgNum') ?? '0' });
  if (status !== '') params.set('status', status);
  const { list, items } = await apiList(`/runs/${encodeURIComponent(run.id)}/items?${params}`);
  const hrefWith = (changes) => {
    const next = new URLSearchParams(query);
    for (const [key, value] of Object.entries(changes)) if (value === '') next.delete(key); else next.set(key, value);
    return `#/runs/${run.id}?${next}`;
  };
  return [
    h('h2', {}, 'Items'),
    h('p', { class: 'filters' }, 'Show: ', ['', ...ITEM_STATUSES].map((value) =>
      value === status ? h('strong', {}, value || 'all') : h('a', { href: hrefWith({ itemStatus: value, pgNum: '' }) }, value || 'all')).flatMap((link) => [link, ' '])),
    table(['#', 'Record', 'Status', 'Attempts', 'Note or error', 'Updated'], items, (item) => [
      item.seq, item.csid, item.status, item.attempts,
      item.error === undefined ? item.note ?? '' : h('details', { class: 'item-error' }, h('summary', {}, item.errorCode ?? 'error'), h('pre', {}, item.error)),
      formatTime(item.updatedAt),
    ], 'No items.'),
    pager(list, (page) => hrefWith({ pgNum: String(page) })),
  ];
}

export async function runView(id, query, signal) {
  const { data } = await api(`/runs/${encodeURIComponent(id)}`);
  const run = data['ns2:run'];
  const statusLine = h('p', { class: 'status' }, `${run.status}: ${run.statusText ?? ''}`);
  const refresh = () => dispatchEvent(new HashChangeEvent('hashchange'));
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return [
    h('h1', {}, `Run of `, h('a', { href: `#/definitions/${run.definitionCsid}` }, run.definitionName ?? run.definitionCsid)),
    statusLine,
    liveProgress(run, signal, refresh),
    await actions(run),
    h('dl', {},
      row('Items', counts(run)),
      row('Started by', run.createdBy),
      row('Created', formatTime(run.createdAt)),
      row('Duration', formatDuration(run.startedAt ?? run.createdAt, run.completedAt)),
      row('Mode', `${run.invocationContext?.mode ?? ''} ${run.invocationContext?.docType ?? ''}`),
      row('Reruns', run.reruns ?? '0'),
      row('id', run.id)),
    resultsSection(run),
    itemErrors(run),
    await itemsSection(run, query),
  ];
}
