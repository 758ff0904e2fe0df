/**
 * `GET {root}/openapi.json`: the description, open to anyone (it holds no data, and a client generator must read it
 * before it can log in). Built once: what the app serves does not change while it runs.
 */
import { Router } from 'express';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { buildOpenApiDocument, type DescribedFeatures } from './openApiDocument.js';

export const OPENAPI_PATH = '/openapi.json';

/** @param root where the router is mounted, the service root */
export function openApiRouter(root: string, features: DescribedFeatures): Router {
  const body = JSON.stringify(buildOpenApiDocument(root, features));
  const router = Router();
  router
    .route(OPENAPI_PATH)
    .get((_req, res) => {
      res.type('application/json').send(body);
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
