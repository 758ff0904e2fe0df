// A run's live progress bar: drawn from the run as read, then moved by the run's event stream until it ends.
import { followRun } from './api.js';
import { h } from './dom.js';

const ACTIVE = new Set(['Queued', 'InProgress']);

export function isActive(run) {
  return ACTIVE.has(run.status);
}

function label(run) {
  const failed = Number(run.noOfItemsFailed) > 0 ? `, ${run.noOfItemsFailed} failed` : '';
  return `${run.percentCompleted} % (${run.noOfItemsProcessed} of ${run.noOfItemsPosted}${failed})`;
}

/**
 * A `<progress>` with its label for `run`; while the run is active it follows the event stream, calls `onEnd`
 * with the final counts when the run ends, and stops when `signal` aborts (the view was left).
 */
export function liveProgress(run, signal, onEnd = () => {}) {
  const bar = h('progress', { max: 100, value: Number(run.percentCompleted), 'aria-label': 'progress' });
  const text = h('span', { class: 'progress-label' }, label(run));
  const element = h('span', { class: 'progress', dataset: { status: run.status } }, bar, text);
  if (isActive(run)) {
    followRun(run.id, (progress, ended) => {
      bar.value = progress.percentCompleted;
      text.textContent = label(progress);
      element.dataset.status = progress.status;
      if (ended) onEnd(progress);
    }, signal).catch((error) => {
      if (error.name !== 'AbortError') text.textContent = `${label(run)}: no live progress (${error.message})`;
    });
  }
  return element;
}
