/** What the command line's exit code says, for scripts and process managers. */
export const EXIT = {
  /** Done; for a command about one run, that run `Completed`. */
  ok: 0,
  /** The run did not (or not yet) complete: `CompletedWithErrors`, `Failed`, `Cancelled`, or still active. */
  runNotCompleted: 1,
  /** The command was called wrongly (unknown option, missing argument, no credentials). */
  usage: 2,
  /** The service refused the request (its status and message are printed) or could not be reached. */
  requestFailed: 3,
  /** Ctrl-C (SIGINT) while waiting for a run, which goes on: 128 + 2, as shells report it. */
  interrupted: 130,
} as const;
