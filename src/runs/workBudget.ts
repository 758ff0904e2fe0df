/**
 * The items in flight in this process, across every run it works on: how much work it takes on is bounded here,
 * not by how many runs it has, so many small runs can go at once without many big ones flooding the plugin
 * threads (each big run would otherwise hand them up to two claims of items).
 *
 * Places are shared fairly: while none is free, each one given back goes to the next run waiting, in turn, so a
 * one-record run waits for at most one item of each busy run, never behind a big run's whole queue.
 */
export class WorkBudget {
  #free: number;
  /** Waiters by run, in turn order: the run served last goes to the back. */
  readonly #waiting = new Map<object, Array<() => void>>();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a work budget holds at least one item, not ${limit}`);
    this.#free = limit;
  }

  /** Places taken now (one handed to a waiter is taken as it is handed over). */
  get inFlight(): number {
    return this.limit - this.#free;
  }

  /**
   * Takes a place for one item of `run`: `true` at once when one is free (no promise, as this runs once per item),
   * else a promise of `true` once the run's turn comes, or of `false` when `signal` aborts first (nothing was taken).
   */
  take(run: object, signal: AbortSignal): true | Promise<boolean> {
    if (this.#free > 0) {
      this.#free -= 1;
      return true;
    }
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const granted = () => {
        signal.removeEventListener('abort', aborted);
        resolve(true);
      };
      const aborted = () => {
        const queue = this.#waiting.get(run);
        const at = queue?.indexOf(granted) ?? -1;
        if (queue !== undefined && at >= 0) queue.splice(at, 1);
        if (queue?.length === 0) this.#waiting.delete(run);
        resolve(false);
      };
      signal.addEventListener('abort', aborted, { once: true });
      const queue = this.#waiting.get(run);
      if (queue === undefined) this.#waiting.set(run, [granted]);
      else queue.push(granted);
    });
  }

  /** Gives a place back: to the run next in turn when runs wait, else to the free ones. */
  give(): void {
    for (const [run, queue] of this.#waiting) {
      const next = queue.shift() as () => void;
      this.#waiting.delete(run);
      if (queue.length > 0) this.#waiting.set(run, queue);
      next();
      return;
    }
    this.#free += 1;
  }
}
