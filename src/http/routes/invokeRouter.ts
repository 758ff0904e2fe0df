/**
 * `POST /cspace-services/batch/{csid}/invoke` (and CollectionSpace's deprecated `POST /batch/{csid}`): runs the
 * definition's plugin with an `invocationContext`.
 *
 * Every invocation is a run. Without `Prefer: respond-async` (RFC 7240) the request waits for its run
 * (`INVOKE_WAIT_MS`) and answers `invocationResults`; past that wait, or with `respond-async`, it answers 202 with the
 * run's `Location` and document. `POST /batch/{csid}/runs` creates an open run (items added later, then closed).
 */
import { Router, type Request, type RequestHandler } from 'express';
import { decodeInvocationContext, encodeInvocationResults, encodeRunDocument } from '../../codec/index.js';
import type { RunService } from '../../services/runService.js';
import { readTree, sendTree } from '../negotiation.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';

export interface InvokeRouterOptions {
  runs: RunService;
  /** Where run documents live, e.g. `/cspace-services/runs`. @defaultValue '/cspace-services/runs' */
  runsPath?: string;
}

/** Whether the request's `Prefer` header asks for `respond-async`. */
export function prefersAsync(req: Request): boolean {
  const prefer = req.get('prefer');
  if (prefer === undefined) return false;
  return prefer.split(',').some((token) => token.split(';')[0]?.trim().toLowerCase() === 'respond-async');
}

export function invokeRouter({ runs, runsPath = '/cspace-services/runs' }: InvokeRouterOptions): Router {
  const invoke: RequestHandler<{ csid: string }> = async (req, res) => {
    const payload = decodeInvocationContext(readTree(req));
    const caller = callerOf(res);
    if (prefersAsync(req)) {
      const run = await runs.start(caller, req.params.csid, payload);
      res.location(`${runsPath}/${run.id}`).set('Preference-Applied', 'respond-async');
      sendTree(res, 202, encodeRunDocument(run));
      return;
    }
    const outcome = await runs.invoke(caller, req.params.csid, payload);
    if (outcome.finished) {
      sendTree(res, 200, encodeInvocationResults(outcome.results));
      return;
    }
    // Past the synchronous wait the run goes on in the background, as if `respond-async` had been asked for.
    res.location(`${runsPath}/${outcome.run.id}`);
    sendTree(res, 202, encodeRunDocument(outcome.run));
  };
  const mayInvoke = requirePermission<{ csid: string }>('invoke', 'invoke');
  const router = Router();
  router.post('/:csid/invoke', mayInvoke, invoke);
  router.post('/:csid/runs', mayInvoke, async (req, res) => {
    const run = await runs.startOpen(callerOf(res), req.params.csid, decodeInvocationContext(readTree(req)));
    res.location(`${runsPath}/${run.id}`);
    sendTree(res, 201, encodeRunDocument(run));
  });
  router.post('/:csid', mayInvoke, invoke);
  return router;
}
