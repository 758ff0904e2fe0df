/**
 * Queues the rest of a filling run's items (see `Run.filling`) while its first ones run: the context's keys,
 * chunk by chunk, under a fill lease that the heartbeat renews. Keys already in the run are skipped, so a worker
 * taking over after a crash starts again from the top without doubling anything.
 */
import type { Logger } from 'pino';
import type { TenantId } from '../domain/types.js';
import type { Clock } from '../store/queryRules.js';
import type { RunStore } from '../store/runTypes.js';
import { yieldToIo } from './pauses.js';

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
    const { runs, now, logger } = this.#deps;
    const { tenant, runId, owner, chunkSize, signal, stopping } = this.#options;
    let chunk: string[] = [];
    const append = async (): Promise<boolean> => {
      const added = await runs.fill(tenant, runId, owner, chunk, this.#options.leaseEnd(), now());
      chunk = [];
      this.#itemsAdded();
      await yieldToIo();
      return added !== undefined;
    };
    for await (const key of this.#options.keys()) {
      if (signal.aborted || stopping()) return;
      chunk.push(key);
      if (chunk.length >= chunkSize && !(await append())) return;
    }
    if (chunk.length > 0 && !(await append())) return;
    const run = await runs.endFill(tenant, runId, owner);
    logger.info({ items: run?.counts.posted }, 'run items queued');
    this.#deps.onFilled();
  }
}
