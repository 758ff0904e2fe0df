// Runs: the tenant's runs with status filters, each with its live progress, counts and duration.
import { apiList } from '../api.js';
import { formatDuration, formatTime, h, pager, table } from '../dom.js';
import { liveProgress } from '../progress.js';

export const RUN_STATUSES = ['Queued', 'InProgress', 'Completed', 'CompletedWithErrors', 'Failed', 'Cancelled'];

function filterForm(query) {
  return h('form', {
    class: 'filters',
    onsubmit: (event) => {
      event.preventDefault();
      const values = new URLSearchParams();
      for (const [key, value] of new FormData(event.target)) if (value !== '') values.set(key, value);
      location.hash = `#/runs?${values}`;
    },
  },
  h('label', {}, 'Status', h('select', { name: 'status' }, h('option', { value: '' }, 'any'),
    RUN_STATUSES.map((status) => h('option', { value: status, selected: query.get('status') === status }, status)))),
  query.get('definition') ? h('input', { type: 'hidden', name: 'definition', value: query.get('definition') }) : '',
  h('button', { type: 'submit' }, 'Filter'),
  query.get('definition') ? h('a', { href: '#/runs' }, ' all definitions') : '');
}

export async function runsView(query, signal) {
  const params = new URLSearchParams({ pgSz: '20', pgNum: query.get('pgNum') ?? '0' });
  for (const key of ['status', 'definition']) if (query.get(key)) params.set(key, query.get(key));
  const { list, items } = await apiList(`/runs?${params}`);
  const pageQuery = new URLSearchParams(query);
  return [
    h('h1', {}, 'Runs'),
    filterForm(query),
    table(['Job', 'Status', 'Progress', 'Items failed', 'Cancelled', 'Started by', 'Created', 'Duration'], items, (run) => [
      h('a', { href: `#/runs/${run.id}` }, run.definitionName ?? run.definitionCsid),
      run.status,
      liveProgress(run, signal),
      Number(run.noOfItemsFailed) > 0 ? h('a', { href: `#/runs/${run.id}?itemStatus=Failed` }, run.noOfItemsFailed) : '0',
      run.noOfItemsCancelled,
      run.createdBy,
      formatTime(run.createdAt),
      formatDuration(run.createdAt, run.completedAt),
    ], 'No runs match.'),
    pager(list, (page) => {
      pageQuery.set('pgNum', String(page));
      return `#/runs?${pageQuery}`;
    }),
  ];
}
