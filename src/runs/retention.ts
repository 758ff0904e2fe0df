/**
 * Run retention: one recurring Agenda job (a `single` job by name, so every process that starts saves the same
 * one) deletes finished runs, and their items, once they are older than the retention period.
 */
import type { Agenda } from 'agenda';
import type { Logger } from 'pino';
import type { RunStore } from '../store/runTypes.js';

export const PURGE_JOB_NAME = 'invocables:purge-runs';

export interface RunRetentionDeps {
  runs: RunStore;
  /** Finished runs are kept this long after they complete; 0 keeps them forever. */
  retentionMs: number;
  /** How often the purge job runs. */
  purgeEveryMs: number;
  logger: Logger;
  now?: () => Date;
}

export class RunRetention {
  readonly #deps: RunRetentionDeps;
  #agenda: Agenda | undefined;

  constructor(deps: RunRetentionDeps) {
    this.#deps = deps;
  }

  /** Defines the purge job on the run executor's Agenda (`RunExecutorDeps.defineJobs`, before it starts). */
  attach(agenda: Agenda): void {
    // The job's data is never read (jobAuthority.ts): what is purged follows from the configured retention alone,
    // so a purge job created or edited through Agendash deletes nothing the retention would not.
    agenda.define(PURGE_JOB_NAME, async () => {
      await this.purgeNow();
    });
    this.#agenda = agenda;
  }

  /** What the job does, callable directly (tests, operators): deletes the runs completed over `retentionMs` ago. */
  async purgeNow(): Promise<number> {
    const { runs, retentionMs, now = () => new Date() } = this.#deps;
    if (retentionMs <= 0) return 0;
    const purged = await runs.purge(new Date(now().getTime() - retentionMs));
    if (purged > 0) this.#deps.logger.info({ purged }, 'finished runs purged');
    return purged;
  }

  /** Saves the recurring job, or removes it when retention is off (a job left by an earlier configuration). */
  async schedule(): Promise<void> {
    const agenda = this.#agenda;
    if (agenda === undefined) throw new Error('RunRetention scheduled before attach(agenda)');
    if (this.#deps.retentionMs <= 0) {
      await agenda.cancel({ name: PURGE_JOB_NAME });
      return;
    }
    await agenda.every(this.#deps.purgeEveryMs, PURGE_JOB_NAME, undefined, { skipImmediate: true });
  }
}
