/**
 * `POST /cspace-services/batch/{csid}/invoke` (and CollectionSpace's deprecated `POST /batch/{csid}`): runs the
 * definition's plugin with an `invocationContext`.
 *
 * Every invocation is a run. As in CollectionSpace, the request waits for its run however long it takes and answers
 * `invocationResults` (unless the server sets a limit, `INVOKE_WAIT_MS`). Only a client that asks, with `Prefer`
 * (RFC 7240) `respond-async` or `wait=N`, is answered 202 with the run's `Location` and document: at once, or once
 * N seconds have passed. A client that goes away stops nobody but itself: its run goes on.
 *
 * `POST /batch/{csid}/runs` creates an open run (items added later, then closed).
 *
 * All three take an `Idempotency-Key` (or a `clientRequestId` in the context): a repeat gets the first answer.
 */
import { Router, type RequestHandler, type Response } from 'express';
import { decodeInvocationContext, encodeInvocationResults, encodeRunDocument } from '../../codec/index.js';
import type { IdempotencyService } from '../../services/idempotencyService.js';
import type { RunService, RunView } from '../../services/runService.js';
import { idempotent, readRequestTree } from '../idempotency.js';
import { invokePreferences, preferenceApplied } from '../invokePreferences.js';
import { sendTree } from '../negotiation.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';

export interface InvokeRouterOptions {
  runs: RunService;
  /** Starting and opening runs with an `Idempotency-Key` (src/http/idempotency.ts). */
  idempotency: IdempotencyService;
  /** Where run documents live, e.g. `/cspace-services/runs`. @defaultValue '/cspace-services/runs' */
  runsPath?: string;
}

/**
 * How often TCP probes a connection whose invoke is still waiting: NATs and load balancers drop connections that
 * carry nothing for a few minutes, and a long synchronous invoke carries nothing until its answer.
 */
const WAITING_KEEPALIVE_MS = 30_000;

/** Aborted when the client goes away before its answer is out; the run itself goes on. */
function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}

export function invokeRouter({ runs, idempotency, runsPath = '/cspace-services/runs' }: InvokeRouterOptions, router: Router = Router()): Router {
  const invoke: RequestHandler<{ csid: string }> = async (req, res) => {
    const payload = decodeInvocationContext(readRequestTree(req, res));
    const caller = callerOf(res);
    const preferences = invokePreferences(req);
    const answerAsync = (run: RunView) => {
      res.location(`${runsPath}/${run.id}`);
      const applied = preferenceApplied(preferences, true);
      if (applied !== undefined) res.set('Preference-Applied', applied);
      sendTree(res, 202, encodeRunDocument(run));
    };
    if (preferences.respondAsync && preferences.waitMs === undefined) {
      answerAsync(await runs.start(caller, req.params.csid, payload));
      return;
    }
    req.socket.setKeepAlive(true, WAITING_KEEPALIVE_MS);
    const gone = clientGone(res);
    const outcome = await runs.invoke(caller, req.params.csid, payload, { waitMs: preferences.waitMs, signal: gone });
    if (gone.aborted) return;
    if (outcome.finished) {
      const applied = preferenceApplied(preferences, false);
      if (applied !== undefined) res.set('Preference-Applied', applied);
      sendTree(res, 200, encodeInvocationResults(outcome.results));
      return;
    }
    // Past the wait (the client's, the server's limit, or shutdown) the run goes on in the background.
    answerAsync(outcome.run);
  };
  const mayInvoke = requirePermission<{ csid: string }>('invoke', 'invoke');
  const once = idempotent(idempotency);
  router.post('/:csid/invoke', mayInvoke, once, invoke);
  router.post('/:csid/runs', mayInvoke, once, async (req, res) => {
    const run = await runs.startOpen(callerOf(res), req.params.csid, decodeInvocationContext(readRequestTree(req, res)));
    res.location(`${runsPath}/${run.id}`);
    sendTree(res, 201, encodeRunDocument(run));
  });
  router.post('/:csid', mayInvoke, once, invoke);
  return router;
}
