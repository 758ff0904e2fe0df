// Choosing the records an invocation acts on, from the records list of a doc type: one (single, group) or many
// (list), across pages, or every record of the type at once.
import { apiList } from './api.js';
import { formatTime, h, show } from './dom.js';

const PAGE_SIZE = 100;
/** The API's largest page: "select all" reads the list in pages this big. */
const LARGEST_PAGE = 2500;

/** `{ element, selected() }`: the picker, and the csids chosen in it (in the order chosen). */
export function recordPicker(docType, { many }) {
  const chosen = new Set();
  const status = h('p', { class: 'picked', 'aria-live': 'polite' });
  const rows = h('div', { class: 'records' });
  const element = h('div', { class: 'picker' }, status, rows);
  const path = `/records/${encodeURIComponent(docType)}?wf_deleted=false&sortBy=createdAt`;
  const updateStatus = (total) => {
    status.textContent = `${chosen.size} of ${total} ${docType} record(s) chosen`;
  };

  async function showPage(pgNum) {
    const { list, items } = await apiList(`${path}&pgSz=${PAGE_SIZE}&pgNum=${pgNum}`);
    const total = Number(list.totalItems);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const choice = (csid) => h('input', {
      type: many ? 'checkbox' : 'radio', name: 'record', value: csid, checked: chosen.has(csid), 'aria-label': csid,
      onchange: (event) => {
        if (!many) chosen.clear();
        if (event.target.checked) chosen.add(csid);
        else chosen.delete(csid);
        updateStatus(total);
      },
    });
    show(rows,
      many ? h('p', {},
        h('button', { type: 'button', onclick: async () => {
          for (let page = 0; page * LARGEST_PAGE < total; page += 1) {
            const all = await apiList(`${path}&pgSz=${LARGEST_PAGE}&pgNum=${page}`);
            for (const item of all.items) chosen.add(item.csid);
          }
          await showPage(pgNum);
        } }, `Select all ${total}`), ' ',
        h('button', { type: 'button', onclick: () => { chosen.clear(); showPage(pgNum); } }, 'Select none')) : '',
      items.length === 0 ? h('p', { class: 'empty' }, `No ${docType} records.`)
        : h('ul', { class: 'record-list' }, items.map((item) =>
          h('li', {}, h('label', {}, choice(item.csid), ` ${item.csid}`, h('small', {}, ` updated ${formatTime(item.updatedAt)}`))))),
      h('p', { class: 'pager' },
        pgNum > 0 ? h('button', { type: 'button', onclick: () => showPage(pgNum - 1) }, '‹ previous') : '',
        ` page ${pgNum + 1} of ${pages} `,
        pgNum + 1 < pages ? h('button', { type: 'button', onclick: () => showPage(pgNum + 1) }, 'next ›') : ''));
    updateStatus(total);
  }

  showPage(0).catch((error) => show(rows, h('p', { class: 'problem' }, error.message)));
  return { element, selected: () => [...chosen] };
}
