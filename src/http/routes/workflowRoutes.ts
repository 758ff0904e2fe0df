/**
 * The workflow sub-resource a batch job and a record share (CollectionSpace's `cs_default` life cycle, as cspace-ui
 * uses it): `GET /:csid/workflow` and `PUT /:csid/workflow/{transition}`. Each transition asks for the right its
 * effect needs (a soft delete is a delete, an undelete an update); any other name falls through to the last route,
 * refused (400) before anything is read. The body of a transition PUT is ignored, as CollectionSpace ignores it.
 */
import type { Request, RequestHandler, Router } from 'express';
import { encodeWorkflowDocument } from '../../codec/index.js';
import type { Resource } from '../../domain/access.js';
import type { CoreFields } from '../../domain/types.js';
import { TRANSITION_ACTIONS } from '../../domain/workflow.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf, type Caller } from '../requestContext.js';

type TransitionParams = { csid: string; transition?: string };

export interface WorkflowAccess {
  /** The right that guards the documents (`definitions`, `records`). */
  resource: Resource;
  /** The document's core as it is now. */
  read(caller: Caller, req: Request<{ csid: string }>): Promise<CoreFields>;
  /** Follows `transition` and answers the document's core after it. */
  follow(caller: Caller, req: Request<TransitionParams>, transition: string): Promise<CoreFields>;
  /** Headers to answer beside the moved document (a record's new ETag). */
  headersOf?(core: CoreFields): Record<string, string>;
}

export function mountWorkflowRoutes(router: Router, access: WorkflowAccess): void {
  router
    .route('/:csid/workflow')
    .get(requirePermission(access.resource, 'read'), async (req: Request<{ csid: string }>, res) => {
      sendTree(res, 200, encodeWorkflowDocument(await access.read(callerOf(res), req)));
    })
    .all(methodNotAllowed(['GET']));
  const follow =
    (name?: string): RequestHandler<TransitionParams> =>
    async (req, res) => {
      const core = await access.follow(callerOf(res), req, name ?? req.params.transition ?? '');
      if (access.headersOf !== undefined) res.set(access.headersOf(core));
      sendTree(res, 200, encodeWorkflowDocument(core));
    };
  for (const [name, action] of Object.entries(TRANSITION_ACTIONS)) {
    router.put(`/:csid/workflow/${name}`, requirePermission<TransitionParams>(access.resource, action), follow(name));
  }
  router.put('/:csid/workflow/:transition', follow());
}
