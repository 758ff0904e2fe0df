// The inputs of a plugin's params, generated from its `paramsSchema` (JSON Schema): one field per property, typed
// by the schema, required ones marked, and the conditions under which others become required written beside them.
import { h } from './dom.js';

const PARAMS_PATH = 'invocationContext/params';

/**
 * "required when format is csv" notes, from draft-07's `dependencies` (property lists) and `if`/`then` with
 * `required`, the conditions plugins' schemas (compiled as draft-07) can state.
 */
function conditions(schema) {
  const notes = new Map();
  const add = (key, note) => notes.set(key, [...(notes.get(key) ?? []), note]);
  for (const [key, dependents] of Object.entries(schema.dependencies ?? {})) {
    if (Array.isArray(dependents)) for (const dependent of dependents) add(dependent, `required when ${key} is given`);
  }
  for (const rule of [schema, ...(schema.allOf ?? [])]) {
    if (rule.if === undefined || rule.then?.required === undefined) continue;
    const when = Object.entries(rule.if.properties ?? {})
      .map(([key, condition]) => (condition.const !== undefined ? `${key} is ${condition.const}` : `${key} is given`)).join(' and ');
    for (const key of rule.then.required) add(key, `required when ${when || 'the condition holds'}`);
  }
  return notes;
}

function input(key, property) {
  const id = `param-${key}`;
  const common = { id, name: key, dataset: { param: key } };
  if (property.enum !== undefined) {
    return h('select', common, h('option', { value: '' }, ''), property.enum.map((value) =>
      h('option', { value: String(value), selected: value === property.default }, String(value))));
  }
  switch (property.type) {
    case 'boolean':
      return h('select', common, h('option', { value: '' }, ''),
        ['true', 'false'].map((value) => h('option', { value, selected: String(property.default) === value }, value)));
    case 'integer':
    case 'number':
      return h('input', { ...common, type: 'number', step: property.type === 'integer' ? '1' : 'any', value: property.default ?? '' });
    case 'array':
      return h('textarea', { ...common, rows: 3, dataset: { param: key, many: 'true' } }, (property.default ?? []).join('\n'));
    default:
      return h('input', { ...common, value: property.default ?? '' });
  }
}

/**
 * `{ element, params() }`: the fields, and their values as the invocation context's `params` (a repeated key per
 * value of a many-valued param; empty fields left out). Without a schema, free `key=value` lines.
 */
export function paramsForm(schema) {
  if (schema === undefined || schema.properties === undefined) {
    const lines = h('textarea', { id: 'param-lines', rows: 3, placeholder: 'key=value, one per line' });
    return {
      element: h('div', { class: 'field', dataset: { path: PARAMS_PATH } }, h('label', { for: 'param-lines' }, 'Params'), lines),
      params: () => lines.value.split('\n').filter((line) => line.includes('=')).map((line) => {
        const equals = line.indexOf('=');
        return { key: line.slice(0, equals).trim(), value: line.slice(equals + 1).trim() };
      }),
    };
  }
  const required = new Set(schema.required ?? []);
  const notes = conditions(schema);
  const element = h('fieldset', { class: 'params', dataset: { path: PARAMS_PATH } }, h('legend', {}, 'Params'),
    Object.entries(schema.properties).map(([key, property]) => h('div', { class: 'field', dataset: { path: `${PARAMS_PATH}/${key}` } },
      h('label', { for: `param-${key}` }, property.title ?? key, required.has(key) ? h('span', { class: 'required', title: 'required' }, ' *') : ''),
      input(key, property),
      h('small', {}, [property.description, ...(notes.get(key) ?? []), property.type === 'array' ? 'one value per line' : undefined]
        .filter((text) => text !== undefined).join('; ')))));
  return {
    element,
    params: () => [...element.querySelectorAll('[data-param]')].flatMap((control) => {
      const values = control.dataset.many === 'true' ? control.value.split('\n').map((line) => line.trim()) : [control.value];
      return values.filter((value) => value !== '').map((value) => ({ key: control.dataset.param, value }));
    }),
  };
}
