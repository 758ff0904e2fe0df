/**
 * Whether the store can take writes, as one state the whole service reads: `/health`, the HTTP error table (a
 * write refused while the store is unavailable answers 503), the run worker (it pauses) and the log (one line per
 * fault and one when it clears). Engines report faults here as they meet them; their probe (`setProbe`) looks again.
 */
import { EventEmitter } from 'node:events';
import { StoreUnavailableError, type StoreProblem } from '../domain/errors.js';

/** How often the store is probed: all the time on the embedded store (`watch`: a stat per file), while unhealthy on MongoDB. */
export const STORE_PROBE_INTERVAL_MS = 1_000;

export class StoreHealth extends EventEmitter<{ fault: [StoreProblem]; cleared: [StoreProblem] }> {
  /** One problem per part of the store (the database, Agenda's file), so one part clearing leaves another's. */
  readonly #problems = new Map<string, StoreProblem>();
  #probe: () => void | Promise<void> = () => {};
  #classify: (source: string, error: unknown) => { part: string; problem: StoreProblem } | undefined = () => undefined;
  #probing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Probing goes on while healthy too (`watch`). */
  #always = false;

  /** The first problem, when there is any. */
  get problem(): StoreProblem | undefined {
    return this.#problems.values().next().value;
  }

  problemOf(part: string): StoreProblem | undefined {
    return this.#problems.get(part);
  }

  get healthy(): boolean {
    return this.#problems.size === 0;
  }

  /** What looks for faults and tries recovery: the engine's, set once when the store opens. */
  setProbe(probe: () => void | Promise<void>): void {
    this.#probe = probe;
  }

  /** How the engine tells its faults among errors met outside its own calls (see `report`); set once at open. */
  setClassifier(classify: (source: string, error: unknown) => { part: string; problem: StoreProblem } | undefined): void {
    this.#classify = classify;
  }

  /**
   * Records `error`, met by `source` outside the store's own calls (Agenda's writes to its file, say), when it is a
   * store fault; answers whether it was, so the caller does not log it again at every retry.
   */
  report(source: string, error: unknown): boolean {
    const found = this.#classify(source, error);
    if (found === undefined) return false;
    this.fault(found.part, found.problem, error);
    return true;
  }

  /** Probes now (as `/health` does) and answers the problem left, if any. Probes never overlap. */
  async check(): Promise<StoreProblem | undefined> {
    this.#probing ??= (async () => {
      try {
        await this.#probe();
      } finally {
        this.#probing = undefined;
      }
    })();
    await this.#probing.catch(() => undefined);
    return this.problem;
  }

  /** Probes every `STORE_PROBE_INTERVAL_MS` from now on, not only while unhealthy (a cheap probe: SQLite's). */
  watch(): void {
    this.#always = true;
    this.#startTimer();
  }

  #startTimer(): void {
    this.#timer ??= setInterval(() => void this.check(), STORE_PROBE_INTERVAL_MS).unref();
  }

  /** Records `problem` for `part`; logs (via `fault`) only when it is new, not on every refused write. */
  fault(part: string, problem: StoreProblem, cause?: unknown): StoreUnavailableError {
    const known = this.#problems.get(part);
    this.#problems.set(part, problem);
    if (known?.kind !== problem.kind) {
      this.emit('fault', problem);
      this.#startTimer();
    }
    return new StoreUnavailableError(problem, cause === undefined ? undefined : { cause });
  }

  /** The part works again. */
  clear(part: string): void {
    const known = this.#problems.get(part);
    if (known === undefined) return;
    this.#problems.delete(part);
    this.emit('cleared', known);
    if (this.#problems.size === 0 && !this.#always) this.#stopTimer();
  }

  /** Resolves once the store is healthy again (probing meanwhile), or when `signal` aborts. */
  async untilHealthy(signal: AbortSignal): Promise<void> {
    if (this.healthy || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.off('cleared', onCleared);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onCleared = () => {
        if (this.healthy) done();
      };
      this.on('cleared', onCleared);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops probing for good (the store closes). */
  stop(): void {
    this.#always = false;
    this.#stopTimer();
  }

  #stopTimer(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
