/**
 * Which run ids a caller is shown where one run names others (the runs it follows, README "Ordered runs"). Whoever
 * may list the tenant's runs (`runs` `L`) could find every id anyway and is shown them all; anyone else is shown the
 * ids of the runs they created and only a count of the others, so that invoking (which needs no `runs` right) or
 * reading a run by its id reveals no id of another user's run. Pure: the caller looks up who created which run.
 */
import { holdsPermission, type Caller } from './access.js';
import { followedRunLabel, type RunId } from './runs.js';

/** Who is looking. */
export type RunViewer = Pick<Caller, 'user' | 'permissions'>;

/** Whether `viewer` is shown the id of every run of the tenant (they may list them all). */
export function seesEveryRun(viewer: RunViewer): boolean {
  return holdsPermission(viewer.permissions, 'runs', 'list');
}

/** Run ids as one viewer is shown them: those they may see, and how many others there are. */
export interface ShownRunIds {
  runIds: RunId[];
  others: number;
}

/** Splits `ids` (in order) into those `visible` keeps and a count of the rest. */
export function shownRunIds(ids: readonly RunId[], visible: ReadonlySet<RunId>): ShownRunIds {
  const runIds = ids.filter((id) => visible.has(id));
  return { runIds, others: ids.length - runIds.length };
}

/** How a status text names a followed run the viewer may not see. */
const UNSEEN_RUN_LABEL = 'another run';

/** `statusText` without the ids of `hidden` runs (a run failed by a run it follows names that run). */
export function statusTextShown(statusText: string, hidden: readonly RunId[]): string {
  return hidden.reduce((text, id) => text.replaceAll(followedRunLabel(id), UNSEEN_RUN_LABEL), statusText);
}

/**
 * The runs of `ids` a viewer who may not list runs is shown: those `creators` (who created each run still stored)
 * says are theirs; a purged run, whose creator is unknown, is counted.
 */
export function visibleRuns(viewer: RunViewer, ids: readonly RunId[], creators: ReadonlyMap<RunId, string>): Set<RunId> {
  return new Set(ids.filter((id) => creators.get(id) === viewer.user));
}

/** A run's followed runs as one viewer is shown them, beside its `after` (then holding only the ids they may see). */
export interface FollowsShown {
  /** How many runs it follows the viewer may not see. */
  afterOthers?: number;
  /** While it is `Waiting`: the runs it still waits for that the viewer may see… */
  waitingFor?: RunId[];
  /** …and how many others. */
  waitingForOthers?: number;
}
