// Definitions: the list with the API's own filters, and one definition's detail.
import { api, apiList, asArray, allowed } from '../api.js';
import { formatTime, h, pager, table } from '../dom.js';

export const MODES = [
  { mode: 'single', flag: 'supportsSingleDoc', label: 'single record' },
  { mode: 'list', flag: 'supportsDocList', label: 'list of records' },
  { mode: 'group', flag: 'supportsGroup', label: 'group' },
  { mode: 'nocontext', flag: 'supportsNoContext', label: 'no context' },
];

const FILTERS = ['doctype', 'mode', 'classname', 'name', 'deleted', 'sortBy'];

/** The API query of the filter form's values: `name` becomes an advanced search, `deleted` the workflow filter. */
function listQuery(query) {
  const params = new URLSearchParams({ pgSz: '40', pgNum: query.get('pgNum') ?? '0' });
  for (const key of ['doctype', 'mode', 'classname', 'sortBy']) if (query.get(key)) params.set(key, query.get(key));
  const name = query.get('name');
  if (name) params.set('as', `(batch_common:name ILIKE "%${name.replace(/["\\]/g, '')}%")`);
  if (query.get('deleted') === 'only') params.set('wf_only_deleted', 'true');
  else if (query.get('deleted') !== 'all') params.set('wf_deleted', 'false');
  return params;
}

function filterForm(query) {
  const input = (name, label, attributes = {}) =>
    h('label', {}, label, h('input', { name, value: query.get(name) ?? '', ...attributes }));
  const select = (name, label, options) => h('label', {}, label, h('select', { name },
    options.map(([value, text]) => h('option', { value, selected: (query.get(name) ?? '') === value }, text))));
  return h('form', {
    class: 'filters',
    onsubmit: (event) => {
      event.preventDefault();
      const values = new URLSearchParams();
      for (const [key, value] of new FormData(event.target)) if (FILTERS.includes(key) && value !== '') values.set(key, String(value));
      location.hash = `#/definitions?${values}`;
    },
  },
  input('name', 'Name contains'),
  input('doctype', 'Doc type', { placeholder: 'CollectionObject' }),
  select('mode', 'Mode', [['', 'any'], ...MODES.map(({ mode, label }) => [mode, label])]),
  input('classname', 'Class name'),
  select('deleted', 'Deleted', [['', 'hide'], ['all', 'show too'], ['only', 'only']]),
  select('sortBy', 'Sort by', [['', 'last updated'], ['name', 'name']]),
  h('button', { type: 'submit' }, 'Filter'));
}

export async function definitionsView(query) {
  const [{ list, items }, mayCreate] = await Promise.all([apiList(`/batch?${listQuery(query)}`), allowed('batch', 'C')]);
  const pageQuery = new URLSearchParams(query);
  return [
    h('h1', {}, 'Batch job definitions'),
    mayCreate ? h('p', {}, h('a', { class: 'button', href: '#/definitions/new' }, 'New definition')) : '',
    filterForm(query),
    table(['Name', 'State', 'Updated'], items, (item) => [
      h('a', { href: `#/definitions/${item.csid}` }, item.name),
      item.workflowState,
      formatTime(item.updatedAt),
    ], 'No definitions match.'),
    pager(list, (page) => {
      pageQuery.set('pgNum', String(page));
      return `#/definitions?${pageQuery}`;
    }),
  ];
}

/** A stored definition as the JSON API answers it: its `batch_common`, core part and ETag. */
export async function readDefinition(csid) {
  const { data, headers } = await api(`/batch/${encodeURIComponent(csid)}`);
  const common = data.document['ns2:batch_common'];
  return {
    csid,
    etag: headers.get('ETag'),
    common,
    core: data.document['ns2:collectionspace_core'],
    forDocTypes: asArray(common.forDocTypes?.forDocType),
    forRoles: asArray(common.forRoles?.roleDisplayName),
    modes: MODES.filter(({ flag }) => common[flag] === 'true').map(({ mode }) => mode),
  };
}

export async function definitionView(csid) {
  const [definition, mayUpdate, mayInvoke] = await Promise.all([readDefinition(csid), allowed('batch', 'U'), allowed('batch/invoke', 'C')]);
  const { common, core } = definition;
  const row = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return [
    h('h1', {}, common.name),
    h('p', { class: 'actions' },
      mayInvoke && core.workflowState !== 'deleted' ? h('a', { class: 'button', href: `#/definitions/${csid}/invoke` }, 'Invoke') : '',
      mayUpdate ? h('a', { class: 'button', href: `#/definitions/${csid}/edit` }, 'Edit') : '',
      h('a', { class: 'button', href: `#/runs?definition=${csid}` }, 'Its runs')),
    h('dl', {},
      row('Class name', common.className),
      row('Notes', common.notes ?? ''),
      row('Modes', definition.modes.join(', ') || 'none'),
      row('Doc types', definition.forDocTypes.join(', ') || 'any'),
      row('Roles', definition.forRoles.join(', ') || 'any'),
      row('Creates new focus', common.createsNewFocus === 'true' ? 'yes' : 'no'),
      row('State', core.workflowState),
      row('Updated', `${formatTime(core.updatedAt)} by ${core.updatedBy}`),
      row('csid', csid)),
  ];
}
