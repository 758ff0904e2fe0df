/**
 * `GET /cspace-services/servicegroups/{type}/tags`, which cspace-ui reads at login after the account's roles and
 * rejects the login without (it tolerates only a 403). The tags describe this service's configuration, not a
 * tenant's data, so any authenticated caller may read them. A type no service here has is a 404, as in
 * CollectionSpace.
 */
import { Router } from 'express';
import { encodeServiceTagList, serviceTagsOf } from '../../codec/index.js';
import { NotFoundError } from '../../domain/errors.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';

export function serviceGroupsRouter(): Router {
  const router = Router();
  router
    .route('/:serviceType/tags')
    .get((req, res) => {
      const tags = serviceTagsOf(req.params.serviceType);
      if (tags === undefined) throw new NotFoundError('Service group', req.params.serviceType);
      sendTree(res, 200, encodeServiceTagList(tags));
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
