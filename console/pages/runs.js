// Runs: the tenant's runs with status filters, each with its live progress, counts and duration.
import { api, apiList, asArray } from '../api.js';
import { formatDuration, formatTime, h, pager, show, table } from '../dom.js';
import { liveProgress } from '../progress.js';

const RUN_STATUSES = ['Queued', 'InProgress', 'Completed', 'CompletedWithErrors', 'Failed', 'Cancelled'];

function filterForm(query) {
  return h('form', {
    class: 'filters',
    onsubmit: (event) => {
      event.preventDefault();
      const values = new URLSearchParams();
      for (const [key, value] of new FormData(event.target)) if (value !== '') values.set(key, String(value));
      location.hash = `#/runs?${values}`;
    },
  },
  h('label', {}, 'Status', h('select', { name: 'status' }, h('option', { value: '' }, 'any'),
    RUN_STATUSES.map((status) => h('option', { value: status, selected: query.get('status') === status }, status)))),
  query.get('definition') ? h('input', { type: 'hidden', name: 'definition', value: query.get('definition') }) : '',
  h('button', { type: 'submit' }, 'Filter'),
  query.get('definition') ? h('a', { href: '#/runs' }, ' all definitions') : '');
}

/** Fills `cell` with the run's `jobItemErrors` (which lists leave out), read from the run once it has failures. */
async function showItemErrors(cell, run) {
  if (Number(run.noOfItemsFailed) === 0) {
    show(cell, '0');
    return;
  }
  const { data } = await api(`/runs/${encodeURIComponent(run.id)}`);
  const errors = asArray(data['ns2:run'].jobItemErrors?.itemError);
  show(cell, h('details', { class: 'item-errors' }, h('summary', {}, `${run.noOfItemsFailed} failed`),
    h('ul', {}, errors.map((error) => h('li', {}, error.message))),
    h('a', { href: `#/runs/${run.id}?itemStatus=Failed` }, 'all failed items')));
}

/** One run's cells; its status and errors follow the run until it ends. */
function runCells(run, signal) {
  const status = h('span', {}, run.status);
  const errors = h('span', { class: 'errors' });
  showItemErrors(errors, run).catch((error) => show(errors, error.message));
  const progress = liveProgress(run, signal, (ended) => {
    status.textContent = ended.status;
    showItemErrors(errors, { ...run, ...ended }).catch((error) => show(errors, error.message));
  });
  return [
    h('a', { href: `#/runs/${run.id}` }, run.definitionName ?? run.definitionCsid),
    status,
    progress,
    errors,
    run.noOfItemsCancelled,
    run.createdBy,
    formatTime(run.createdAt),
    formatDuration(run.createdAt, run.completedAt),
  ];
}

export async function runsView(query, signal) {
  const params = new URLSearchParams({ pgSz: '20', pgNum: query.get('pgNum') ?? '0' });
  for (const key of ['status', 'definition']) if (query.get(key)) params.set(key, query.get(key));
  const { list, items } = await apiList(`/runs?${params}`);
  const pageQuery = new URLSearchParams(query);
  return [
    h('h1', {}, 'Runs'),
    filterForm(query),
    table(['Job', 'Status', 'Progress', 'Item errors', 'Cancelled', 'Started by', 'Created', 'Duration'], items,
      (run) => runCells(run, signal), 'No runs match.'),
    pager(list, (page) => {
      pageQuery.set('pgNum', String(page));
      return `#/runs?${pageQuery}`;
    }),
  ];
}
