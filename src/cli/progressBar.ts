/**
 * The progress bar shown on stderr while a run is followed (cli-progress). On a terminal it redraws in place; when
 * stderr is a file or a pipe (a CI log, cron mail) it writes one line every few seconds and a last one at the end.
 */
import cliProgress from 'cli-progress';
import type { RunProgress } from './followRun.js';

/** How often the bar writes a line when stderr is no terminal. */
const NOT_TTY_LINE_EVERY_MS = 2000;

export interface RunProgressBar {
  show(progress: RunProgress): void;
  /** Draws the last state and leaves the bar on its line. */
  stop(): void;
}

export function runProgressBar(): RunProgressBar {
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {percent}% | {value}/{total} items | {failed} failed | {status}',
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: NOT_TTY_LINE_EVERY_MS,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    show(progress) {
      // The run's own percentage: it counts a final run as 100 % whatever its items, as the API does.
      const payload = { percent: progress.percentCompleted, failed: progress.noOfItemsFailed, status: progress.status };
      // A big run's total grows while its items are queued.
      const total = Math.max(progress.noOfItemsPosted, 1);
      if (!started) {
        bar.start(total, progress.noOfItemsProcessed, payload);
        started = true;
        return;
      }
      bar.setTotal(total);
      bar.update(progress.noOfItemsProcessed, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
