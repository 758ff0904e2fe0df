/**
 * Follows a run through its server-sent events (`GET /runs/{id}/events`, README "Background runs") until it ends.
 * The stream ends early when the service shuts down; like an `EventSource`, the follower then connects again
 * (to the restarted service, or another one on the same store) until the run's `end` event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { isRunStatus, type RunStatus } from '../domain/runs.js';
import { ApiError, type ApiClient } from './apiClient.js';

/** The compact progress record a `progress` or `end` event carries. */
export interface RunProgress {
  id: string;
  status: RunStatus;
  statusText: string;
  noOfItemsPosted: number;
  noOfItemsProcessed: number;
  noOfItemsFailed: number;
  noOfItemsCancelled: number;
  percentCompleted: number;
}

const FOLLOW = {
  /** Wait before connecting again after the stream ended or the service could not be reached. */
  reconnectMs: 1000,
  /** Attempts in a row that may fail (nothing received) before following gives up: about a minute. */
  maxFailedAttempts: 60,
};

function progressOf(data: string): RunProgress {
  const progress = JSON.parse(data) as RunProgress;
  if (!isRunStatus(progress.status)) throw new Error(`unexpected run event: ${data}`);
  return progress;
}

/** Reads one connection's events; answers the run's last progress once it ended, or `undefined` if the stream ended first. */
async function readEvents(api: ApiClient, id: string, onProgress: (progress: RunProgress) => void): Promise<RunProgress | undefined> {
  const res = await api.fetch(`/runs/${encodeURIComponent(id)}/events`, { headers: { Accept: 'text/event-stream' } });
  if (res.body === null) return undefined;
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const event of events) {
    if (event.event !== 'progress' && event.event !== 'end') continue;
    const progress = progressOf(event.data);
    onProgress(progress);
    if (event.event === 'end') return progress;
  }
  return undefined;
}

/** Calls `onProgress` with each progress of the run; answers its progress once it has ended. */
export async function followRun(
  api: ApiClient,
  id: string,
  onProgress: (progress: RunProgress) => void,
): Promise<RunProgress> {
  let failedAttempts = 0;
  for (;;) {
    let received = false;
    try {
      const ended = await readEvents(api, id, (progress) => {
        received = true;
        onProgress(progress);
      });
      if (ended !== undefined) return ended;
    } catch (err) {
      // An answer about the run itself (unknown, not allowed) will not change by asking again; a lost connection may.
      if (err instanceof ApiError && err.status !== 0 && err.status !== 503) throw err;
      if (!received && ++failedAttempts >= FOLLOW.maxFailedAttempts) throw err;
    }
    if (received) failedAttempts = 0;
    await sleep(FOLLOW.reconnectMs);
  }
}
