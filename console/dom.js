// Building the console's views: elements from data, never HTML strings, so nothing a record or a plugin says is
// ever taken for markup.

/** `h('a', { href: '#/runs' }, 'Runs')`: an element with attributes (`on*` functions become listeners) and children. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  element.append(...children.flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false));
  return element;
}

/** Replaces what `parent` holds with `children`. */
export function show(parent, ...children) {
  parent.replaceChildren(...children.flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false));
}

/** A table with a header row and one row per item (`row(item)` gives its cells). */
export function table(headings, items, row, empty = 'Nothing to show.') {
  if (items.length === 0) return h('p', { class: 'empty' }, empty);
  return h('table', {}, h('thead', {}, h('tr', {}, headings.map((heading) => h('th', {}, heading)))),
    h('tbody', {}, items.map((item) => h('tr', {}, row(item).map((cell) => h('td', {}, cell))))));
}

/** Previous and next links over a CollectionSpace list (`pageNum`, `pageSize`, `totalItems`). */
export function pager(list, hrefFor) {
  const pageNum = Number(list.pageNum);
  const pageSize = Number(list.pageSize);
  const total = Number(list.totalItems);
  const pages = pageSize > 0 ? Math.max(1, Math.ceil(total / pageSize)) : 1;
  return h('p', { class: 'pager' },
    pageNum > 0 ? h('a', { href: hrefFor(pageNum - 1) }, '‹ previous') : '',
    ` page ${pageNum + 1} of ${pages} (${total} in all) `,
    pageNum + 1 < pages ? h('a', { href: hrefFor(pageNum + 1) }, 'next ›') : '');
}

export function formatTime(value) {
  return value === undefined ? '' : new Date(value).toLocaleString();
}

/** How long from `start` to `end` (or to now, while running), e.g. `2 min 5 s`. */
export function formatDuration(start, end) {
  if (start === undefined) return '';
  const seconds = Math.max(0, Math.round(((end === undefined ? Date.now() : Date.parse(end)) - Date.parse(start)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Shows an API error: each detail next to the form field whose `data-path` is its path, the rest (and the
 * message) in the form's alert box.
 */
export function showProblem(form, error) {
  for (const old of form.querySelectorAll('.field-error')) old.remove();
  const alert = form.querySelector('[role=alert]');
  const unplaced = [];
  for (const detail of error.details) {
    const field = form.querySelector(`[data-path="${CSS.escape(detail.path)}"]`);
    if (field === null) unplaced.push(`${detail.path}: ${detail.message}`);
    else field.append(h('span', { class: 'field-error' }, detail.message));
  }
  show(alert, error.message, unplaced.length > 0 ? h('ul', {}, unplaced.map((line) => h('li', {}, line))) : '');
}
