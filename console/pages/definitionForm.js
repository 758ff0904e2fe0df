// Creating and editing a definition: the API validates, and its answer's details are shown at their fields.
import { api, ApiError } from '../api.js';
import { h, showProblem } from '../dom.js';
import { MODES, readDefinition } from './definitions.js';
import { loadedPlugins } from './plugins.js';

const PART = 'batch_common';
const BATCH_NS = 'http://collectionspace.org/services/batch';

/** A labelled field whose errors the API reports at `batch_common/<name>`. */
function field(name, label, control, hint) {
  return h('div', { class: 'field', dataset: { path: `${PART}/${name}` } }, h('label', { for: name }, label), control,
    hint === undefined ? '' : h('small', {}, hint));
}

const splitList = (text) => text.split(',').map((value) => value.trim()).filter((value) => value !== '');

/** The `batch_common` part of the form's values; on update, emptied lists are sent empty so that they clear. */
function batchCommon(form, updating) {
  const values = new FormData(form);
  const list = (name, element) => {
    const entries = splitList(String(values.get(name) ?? ''));
    return entries.length > 0 || updating ? { [element]: entries } : undefined;
  };
  return {
    '@xmlns:ns2': BATCH_NS,
    name: String(values.get('name')),
    notes: String(values.get('notes')),
    className: String(values.get('className')),
    forDocTypes: list('forDocTypes', 'forDocType'),
    forRoles: list('forRoles', 'roleDisplayName'),
    createsNewFocus: values.get('createsNewFocus') === 'on',
    ...Object.fromEntries(MODES.map(({ mode, flag }) => [flag, values.getAll('modes').includes(mode)])),
  };
}

/** `#/definitions/new` and `#/definitions/{csid}/edit`. */
export async function definitionFormView(csid) {
  const [existing, plugins] = await Promise.all([csid === undefined ? undefined : readDefinition(csid), loadedPlugins()]);
  const common = existing?.common ?? {};
  const classNames = plugins?.map((plugin) => plugin.className) ?? [];
  const className = classNames.length > 0
    ? h('select', { id: 'className', name: 'className' }, h('option', { value: '' }, 'choose a plugin'),
      [...new Set([...classNames, ...(common.className ? [common.className] : [])])].map((name) =>
        h('option', { value: name, selected: name === common.className }, name)))
    : h('input', { id: 'className', name: 'className', value: common.className ?? '' });

  const form = h('form', { class: 'definition', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const document = { document: { '@name': 'batch', 'ns2:batch_common': batchCommon(form, existing !== undefined) } };
    try {
      if (existing === undefined) {
        const { headers } = await api('/batch', { method: 'POST', body: document });
        location.hash = `#/definitions/${headers.get('Location').split('/').pop()}`;
      } else {
        await api(`/batch/${encodeURIComponent(existing.csid)}`, { method: 'PUT', body: document, headers: { 'If-Match': existing.etag } });
        location.hash = `#/definitions/${existing.csid}`;
      }
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      showProblem(form, error);
    }
  } },
  h('div', { role: 'alert' }),
  field('name', 'Name', h('input', { id: 'name', name: 'name', value: common.name ?? '' })),
  field('className', 'Plugin (class name)', className),
  h('fieldset', { class: 'field', dataset: { path: `${PART}/modes` } }, h('legend', {}, 'Modes'),
    MODES.map(({ mode, flag, label }) => h('span', { dataset: { path: `${PART}/${flag}` } }, h('label', {},
      h('input', { type: 'checkbox', name: 'modes', value: mode, checked: common[flag] === 'true' }), ` ${label}`)))),
  field('forDocTypes', 'Doc types', h('input', { id: 'forDocTypes', name: 'forDocTypes', value: existing?.forDocTypes.join(', ') ?? '' }),
    'comma-separated, e.g. CollectionObject; none: any'),
  field('forRoles', 'Roles allowed', h('input', { id: 'forRoles', name: 'forRoles', value: existing?.forRoles.join(', ') ?? '' }),
    'comma-separated role display names; none: anyone who may invoke'),
  field('createsNewFocus', 'Creates a new record to show', h('input', { type: 'checkbox', id: 'createsNewFocus', name: 'createsNewFocus', checked: common.createsNewFocus === 'true' })),
  field('notes', 'Notes', h('textarea', { id: 'notes', name: 'notes' }, common.notes ?? '')),
  h('button', { type: 'submit' }, existing === undefined ? 'Create' : 'Save'));
  return [h('h1', {}, existing === undefined ? 'New definition' : `Edit ${common.name}`), form];
}
