/** The ways a run's worker pauses without holding the process up. */

/**
 * Lets pending I/O (HTTP above all) through: the store and plugins that settle at once would otherwise keep the
 * event loop in microtasks for a whole run.
 */
export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
