/**
 * Helpers for the Agenda backend conformance suite: wait on events instead of sleeping, and build job
 * parameters without repeating agenda's required fields.
 */
import type { EventEmitter } from 'node:events';
import type { JobParameters } from 'agenda';

export interface WaitOptions<A extends unknown[]> {
  /** How many matching events to wait for. @defaultValue 1 */
  count?: number;
  /** @defaultValue 5000 */
  timeoutMs?: number;
  /** Only events whose arguments pass count. */
  filter?: (...args: A) => boolean;
}

/**
 * Resolves with the arguments of each matching event once `count` have fired. Call it before triggering the
 * work, so an event emitted synchronously by the trigger is not missed.
 */
export function waitForEvents<A extends unknown[] = unknown[]>(
  emitter: EventEmitter,
  event: string,
  options: WaitOptions<A> = {},
): Promise<A[]> {
  const count = options.count ?? 1;
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const seen: A[] = [];
    const listener = (...args: unknown[]): void => {
      const typed = args as A;
      if (options.filter && !options.filter(...typed)) return;
      seen.push(typed);
      if (seen.length >= count) {
        clearTimeout(timer);
        emitter.off(event, listener);
        resolve(seen);
      }
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} "${event}" event(s); saw ${seen.length}`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** A due, normal job with empty data; override what the test is about. */
export function jobParams<DATA = unknown>(name: string, overrides: Partial<JobParameters<DATA>> = {}): JobParameters<DATA> {
  return {
    name,
    priority: 0,
    nextRunAt: new Date(Date.now() - 1000),
    type: 'normal',
    data: {} as DATA,
    ...overrides,
  };
}

/** A promise plus the function that settles it, for holding a job handler open. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export function secondsFromNow(seconds: number): Date {
  return new Date(Date.now() + seconds * 1000);
}
