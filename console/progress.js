// A run's live progress bar: drawn from the run as read, then moved by the run's event stream until it ends.
import { ApiError, followRun } from './api.js';
import { h } from './dom.js';

const ACTIVE = new Set(['Queued', 'InProgress']);
/**
 * Event streams followed at once. A browser opens at most 6 HTTP/1.1 connections to a host, and each stream holds
 * one: past this, a run waits for another's stream to end, so that the console's other requests still get through.
 */
const MAX_STREAMS = 4;
let streams = 0;
const waiting = [];

/** Runs `follow` once a stream slot is free (unless `signal` aborts first), and frees the slot after. */
async function inSlot(follow, signal) {
  signal.throwIfAborted();
  if (streams >= MAX_STREAMS) {
    await new Promise((resolve, reject) => {
      const leave = () => {
        waiting.splice(waiting.indexOf(start), 1);
        reject(signal.reason);
      };
      const start = () => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      waiting.push(start);
      signal.addEventListener('abort', leave, { once: true });
    });
  }
  streams += 1;
  try {
    await follow();
  } finally {
    streams -= 1;
    waiting.shift()?.();
  }
}

/** How long to wait before following a run again after its stream closed or failed. */
const RECONNECT_MS = 2000;

function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * Follows the run's stream until the run ends, again after a stream that closed or failed on the way (a service
 * restart, a dropped connection), as EventSource would; a refusal of the service (the run is gone) ends it.
 */
async function followToEnd(id, onProgress, signal) {
  for (;;) {
    try {
      if (await followRun(id, onProgress, signal)) return;
    } catch (error) {
      if (error instanceof ApiError || signal.aborted) throw error;
    }
    await pause(RECONNECT_MS, signal);
  }
}

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
 * @param {Record<string, string>} run the run as a list or the run document shows it
 * @param {AbortSignal} signal
 * @param {(progress: Record<string, unknown>) => void} [onEnd]
 */
export function liveProgress(run, signal, onEnd = () => {}) {
  const bar = h('progress', { max: 100, value: Number(run.percentCompleted), 'aria-label': 'progress' });
  const text = h('span', { class: 'progress-label' }, label(run));
  const element = h('span', { class: 'progress', dataset: { status: run.status } }, bar, text);
  if (isActive(run)) {
    inSlot(() => followToEnd(run.id, (progress, ended) => {
      bar.value = progress.percentCompleted;
      text.textContent = label(progress);
      element.dataset.status = progress.status;
      if (ended) onEnd(progress);
    }, signal), signal).catch((error) => {
      if (error.name !== 'AbortError') text.textContent = `${label(run)}: no live progress (${error.message})`;
    });
  }
  return element;
}
