/**
 * `POST /cspace-services/batch/{csid}/invoke` (and CollectionSpace's deprecated `POST /batch/{csid}`): runs the
 * definition's plugin with an `invocationContext` and answers `invocationResults`.
 */
import { Router, type RequestHandler } from 'express';
import { decodeInvocationContext, encodeInvocationResults } from '../../codec/index.js';
import type { InvocationService } from '../../services/invocationService.js';
import { readTree, sendTree } from '../negotiation.js';
import { callerOf } from '../requestContext.js';

export function invokeRouter({ invocations }: { invocations: InvocationService }): Router {
  const invoke: RequestHandler<{ csid: string }> = async (req, res) => {
    const payload = decodeInvocationContext(readTree(req));
    const result = await invocations.invoke(callerOf(res), req.params.csid, payload);
    sendTree(res, 200, encodeInvocationResults(result));
  };
  const router = Router();
  router.post('/:csid/invoke', invoke);
  router.post('/:csid', invoke);
  return router;
}
