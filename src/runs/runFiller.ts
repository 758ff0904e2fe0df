/**
 * Queues the rest of a filling run's items (see `Run.filling`) while its first ones run: the context's keys,
 * chunk by chunk, under a fill lease that the heartbeat renews. The run's items are the context's keys in context
 * order (its first ones, then each filler's chunks in turn), so a filler — the first, or one taking over after a
 * crash — goes over the keys from the top and queues those after the run's last items, without looking any key up
 * in the store.
 */
import type { Logger } from 'pino';
import type { TenantId } from '../domain/types.js';
import type { Clock } from '../store/queryRules.js';
import type { RunStore } from '../store/runTypes.js';
import { yieldToIo } from './pauses.js';

/** The most pages of the run's items a pass looks for at once (a window doubles each time none of it is met). */
const MAX_WINDOW_PAGES = 32;

export interface RunFillerOptions {
  tenant: TenantId;
  runId: string;
  /** The session's owner id: the fill lease is held under it. */
  owner: string;
  /** When a lease taken or renewed now ends: the session's, so the fill lease lasts as long as its items' leases. */
  leaseEnd: () => Date;
  /** Keys per store transaction. */
  chunkSize: number;
  /** Every key of the run's context, in order. */
  keys: () => AsyncIterable<string>;
  /** Aborted on cancel, or when shutdown gives up waiting. */
  signal: AbortSignal;
  /** Shutdown has begun: queue nothing more. */
  stopping: () => boolean;
}

export interface RunFillerDeps {
  runs: RunStore;
  now: Clock;
  logger: Logger;
  /** Called when filling ended, so watchers see the run's final item count. */
  onFilled: () => void;
}

export class RunFiller {
  readonly #deps: RunFillerDeps;
  readonly #options: RunFillerOptions;
  #task: Promise<void> | undefined;
  #running = false;
  /** Claimers waiting for the next items. */
  #waiting: Array<() => void> = [];

  constructor(deps: RunFillerDeps, options: RunFillerOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  /** Starts filling here when no one else is (or whoever was has lost the lease); nothing when already filling. */
  async take(): Promise<void> {
    if (this.#running) return;
    const { runs, now } = this.#deps;
    const { tenant, runId, owner } = this.#options;
    if (!(await runs.claimFill(tenant, runId, owner, this.#options.leaseEnd(), now()))) return;
    this.#running = true;
    this.#task = this.#fill()
      .catch((err: unknown) => this.#deps.logger.warn({ err }, 'queuing the run items failed; they are queued again from the top'))
      .finally(() => {
        this.#running = false;
        this.#itemsAdded();
      });
  }

  /** Extends the fill lease while filling (the heartbeat). */
  async renew(): Promise<void> {
    if (!this.#running) return;
    const { tenant, runId, owner } = this.#options;
    await this.#deps.runs.claimFill(tenant, runId, owner, this.#options.leaseEnd(), this.#deps.now());
  }

  /** Resolves when items were added, or after `ms` (someone else fills, or a dead filler's lease is to be taken over). */
  async nextItems(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#waiting.push(resolve)),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
    ]);
    clearTimeout(timer);
  }

  /**
   * Waits for filling here to stop (it stops on cancel and shutdown). With `lapse`, a lease held here ends now, so
   * another process (or the restart) goes on filling without waiting for it to expire.
   */
  async stop(lapse: boolean): Promise<void> {
    await this.#task;
    if (!lapse || this.#task === undefined) return;
    const { tenant, runId, owner } = this.#options;
    await this.#deps.runs.claimFill(tenant, runId, owner, new Date(0), this.#deps.now());
  }

  #itemsAdded(): void {
    for (const resume of this.#waiting.splice(0)) resume();
  }

  async #fill(): Promise<void> {
    const { runs, logger } = this.#deps;
    const { tenant, runId, chunkSize } = this.#options;
    const items = (await runs.listItems(tenant, runId, { paging: { pageNum: 0, pageSize: 1 } })).totalItems;
    // Pages of `chunkSize` items, from the last: the window of the run's items a pass looks for among the keys.
    let end = Math.ceil(items / chunkSize);
    let pages = 1;
    for (;;) {
      const start = Math.max(0, end - pages);
      const pass = await this.#queueAfter(await this.#keysOfPages(start, end));
      if (pass === 'stopped') return;
      if (pass === 'queued') break;
      // None of the window's records is there any more (deleted since they were queued): look for the ones before.
      logger.warn({ items: (end - start) * chunkSize }, "none of the run's last items is among its records; looking further back");
      end = start;
      pages = Math.min(2 * pages, MAX_WINDOW_PAGES);
    }
    const run = await runs.endFill(tenant, runId, this.#options.owner);
    logger.info({ items: run?.counts.posted }, 'run items queued');
    this.#deps.onFilled();
  }

  /** The keys of the run's items on pages `start` (inclusive) to `end` of `chunkSize` items, in seq order. */
  async #keysOfPages(start: number, end: number): Promise<Set<string>> {
    const { tenant, runId, chunkSize } = this.#options;
    const keys = new Set<string>();
    for (let pageNum = start; pageNum < end; pageNum++) {
      const page = await this.#deps.runs.listItems(tenant, runId, { paging: { pageNum, pageSize: chunkSize } });
      for (const item of page.items) keys.add(item.key);
    }
    return keys;
  }

  /**
   * One pass over the context's keys: those before the first of `window` met are in the run already, and after it
   * every key not in `window` is new (the window holds the run's last items), so it is queued. `unplaced` when no
   * key of a non-empty window was met.
   */
  async #queueAfter(window: ReadonlySet<string>): Promise<'queued' | 'stopped' | 'unplaced'> {
    const { runs, now } = this.#deps;
    const { tenant, runId, owner, chunkSize, signal, stopping } = this.#options;
    let placed = window.size === 0;
    let chunk: string[] = [];
    let skipped = 0;
    const append = async (): Promise<boolean> => {
      const added = await runs.fill(tenant, runId, owner, chunk, this.#options.leaseEnd(), now());
      chunk = [];
      this.#itemsAdded();
      await yieldToIo();
      return added !== undefined;
    };
    for await (const key of this.#options.keys()) {
      if (signal.aborted || stopping()) return 'stopped';
      const inWindow = window.has(key);
      placed ||= inWindow;
      if (inWindow || !placed) {
        // Keys passed over cost no store call, so the pass lets I/O through now and then on its own.
        if (++skipped % chunkSize === 0) await yieldToIo();
        continue;
      }
      chunk.push(key);
      if (chunk.length >= chunkSize && !(await append())) return 'stopped';
    }
    if (!placed) return 'unplaced';
    if (chunk.length > 0 && !(await append())) return 'stopped';
    return 'queued';
  }
}
