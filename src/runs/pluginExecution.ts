/**
 * Calling plugin code safely: every call gets an `AbortSignal` and a time limit, and whatever a plugin throws
 * (or however long it hangs) becomes a coded error instead of a crash or a stuck request.
 */
import { DomainError } from '../domain/errors.js';

/** What `ctx.reject(message)` creates: the plugin says the request is wrong (answered 400). */
export class PluginRejection extends Error {
  override readonly name = 'PluginRejection';
}

/**
 * Runs `work` with a signal that aborts when `timeoutMs` passes or `parent` aborts, and settles no later than
 * that: a plugin that ignores its signal is left behind, its result discarded. A caller that must stop this one
 * call (a run item lost to another worker) gives the `controller` to abort it with: its own controller rather than
 * a parent signal of its own, since a listener on a fresh signal per call costs more than the call.
 */
export async function withTimeLimit<T>(
  work: (signal: AbortSignal) => Promise<T>,
  options: { timeoutMs: number; what: string; parent?: AbortSignal; controller?: AbortController },
): Promise<T> {
  const controller = options.controller ?? new AbortController();
  // Created only when the time is up: an error's stack trace costs more than a fast plugin call.
  const timer = setTimeout(
    () => controller.abort(new DomainError('PLUGIN_TIMEOUT', `${options.what} did not finish within ${options.timeoutMs} ms`)),
    options.timeoutMs,
  );
  const onParentAbort = () => controller.abort(options.parent?.reason);
  options.parent?.addEventListener('abort', onParentAbort, { once: true });
  if (options.parent?.aborted) onParentAbort();
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  try {
    // Promise.resolve().then() turns a synchronous throw into a rejection like any other.
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), aborted]);
  } finally {
    clearTimeout(timer);
    options.parent?.removeEventListener('abort', onParentAbort);
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error && err.message !== '') return err.message;
  return typeof err === 'string' && err !== '' ? err : 'no error message provided';
}

/** The coded error a plugin failure is reported as; domain errors (e.g. a timeout, a 404 from a service call) pass. */
export function pluginFailure(err: unknown, className: string): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof PluginRejection) return new DomainError('PLUGIN_REJECTED', err.message);
  return new DomainError('PLUGIN_FAILED', `Plugin '${className}' failed: ${messageOf(err)}`, [], { cause: err });
}

/**
 * Runs `processOne` over `items` with at most `concurrency` in flight, never stopping at a failure: each
 * item is handed to `processOne`, which must not throw for a failing item.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  processOne: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  // Workers share one iterator, so a new item is pulled only when a worker is free: memory stays bounded.
  const worker = async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      await processOne(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
