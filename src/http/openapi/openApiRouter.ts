/**
 * `GET {root}/openapi.json`: the description, open to anyone (it holds no data, and a client generator must read it
 * before it can log in). Built once: what the app serves does not change while it runs.
 */
import { Router } from 'express';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { buildOpenApiDocument, type DescribedFeatures } from './openApiDocument.js';

export const OPENAPI_PATH = '/openapi.json';

/**
 * Mount it at `{root}${OPENAPI_PATH}`: by its whole path, so that no other request under the root walks into it.
 * @param root the service root, which the description's paths start with
 */
export function openApiRouter(root: string, features: DescribedFeatures): Router {
  const body = JSON.stringify(buildOpenApiDocument(root, features));
  const router = Router();
  router
    .route('/')
    .get((_req, res) => {
      res.type('application/json').send(body);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
