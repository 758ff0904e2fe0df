// Invoking a definition: mode, doc type, the records it acts on, params from the plugin's schema; in the
// background (`Prefer: respond-async`, then the run's page) or waiting for the results.
import { api, ApiError } from '../api.js';
import { h, show, showProblem } from '../dom.js';
import { paramsForm } from '../paramsForm.js';
import { recordPicker } from '../recordPicker.js';
import { MODES, readDefinition } from './definitions.js';
import { loadedPlugins } from './plugins.js';

const INVOCABLE_NS = 'http://collectionspace.org/services/common/invocable';
const CONTEXT = 'invocationContext';

export async function invokeView(csid) {
  const [definition, plugins] = await Promise.all([readDefinition(csid), loadedPlugins()]);
  const plugin = plugins?.find((candidate) => candidate.className === definition.common.className);
  const params = paramsForm(plugin?.paramsSchema);
  const context = h('div', { class: 'field', dataset: { path: `${CONTEXT}/csid` } });
  const results = h('div', { id: 'results' });
  let picker;

  const docTypeControl = definition.forDocTypes.length > 0
    ? h('select', { id: 'docType', name: 'docType' }, definition.forDocTypes.map((docType) => h('option', { value: docType }, docType)))
    : h('input', { id: 'docType', name: 'docType', value: 'CollectionObject' });
  const modeOf = () => new FormData(form).get('mode');

  /** Shows the record picker the mode needs: one record, many, a Group record, or none. */
  function showContext() {
    const mode = modeOf();
    picker = mode === 'nocontext' ? undefined : recordPicker(mode === 'group' ? 'Group' : docTypeControl.value, { many: mode === 'list' });
    show(context, picker === undefined ? h('p', {}, `Every ${docTypeControl.value} record.`) : [h('h3', {}, 'Records'), picker.element]);
  }

  function invocationContext() {
    const mode = modeOf();
    const chosen = picker?.selected() ?? [];
    return {
      'ns2:invocationContext': {
        '@xmlns:ns2': INVOCABLE_NS,
        mode,
        docType: docTypeControl.value,
        ...(mode === 'single' && chosen[0] !== undefined && { singleCSID: chosen[0] }),
        ...(mode === 'list' && chosen.length > 0 && { listCSIDs: { csid: chosen } }),
        ...(mode === 'group' && chosen[0] !== undefined && { groupCSID: chosen[0] }),
        params: { param: params.params() },
      },
    };
  }

  const form = h('form', { class: 'invoke', novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const background = new FormData(form).get('background') === 'on';
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    show(results, background ? '' : h('p', {}, 'Running…'));
    try {
      const { status, headers, data } = await api(`/batch/${encodeURIComponent(csid)}/invoke`, {
        method: 'POST', body: invocationContext(), headers: background ? { Prefer: 'respond-async' } : {},
      });
      if (status === 202) {
        location.hash = `#/runs/${headers.get('Location').split('/').pop()}`;
        return;
      }
      const answer = data?.['ns2:invocationResults'] ?? {};
      show(results, h('h2', {}, 'Results'), h('dl', {}, Object.entries(answer).filter(([key]) => !key.startsWith('@'))
        .flatMap(([key, value]) => [h('dt', {}, key), h('dd', {}, String(value))])));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      show(results);
      showProblem(form, error);
    } finally {
      button.disabled = false;
    }
  } },
  h('div', { role: 'alert' }),
  h('fieldset', { class: 'field', dataset: { path: `${CONTEXT}/mode` } }, h('legend', {}, 'Mode'),
    MODES.filter(({ mode }) => definition.modes.includes(mode)).map(({ mode, label }, index) =>
      h('label', {}, h('input', { type: 'radio', name: 'mode', value: mode, checked: index === 0, onchange: showContext }), ` ${label} `))),
  h('div', { class: 'field', dataset: { path: `${CONTEXT}/docType` } }, h('label', { for: 'docType' }, 'Doc type'), docTypeControl),
  context,
  params.element,
  h('label', { class: 'background' }, h('input', { type: 'checkbox', name: 'background', checked: true }),
    ' Run in the background and follow its progress'),
  h('button', { type: 'submit' }, 'Invoke'));
  docTypeControl.addEventListener('change', showContext);
  if (definition.modes.length > 0) showContext();
  return [h('h1', {}, `Invoke ${definition.common.name}`), plugin?.description ? h('p', {}, plugin.description) : '', form, results];
}
