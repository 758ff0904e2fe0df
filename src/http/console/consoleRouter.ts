/**
 * The web console (`/cspace-services/console`), mounted behind the API's authentication so that it asks for the
 * same login: its shell page, then its static script and style files. The console holds no logic of the service's
 * own: the browser calls the JSON API from the same origin with the credentials it signed in with.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router } from 'express';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { callerOf } from '../requestContext.js';
import { consolePage } from './consolePage.js';

/**
 * The `console/` folder of the package: found upwards from this module, which runs from `src/` under tsx and from
 * `dist/src/` once built.
 */
function assetsDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('The console assets are missing: no package.json above the console router');
    dir = parent;
  }
  return path.join(dir, 'console');
}

/** @param basePath where the router is mounted, e.g. `/cspace-services/console` */
export function consoleRouter(basePath: string): Router {
  const router = Router();
  const assetsPath = `${basePath}/assets`;
  router
    .route('/')
    .get((_req, res) => {
      res.type('html').set('Cache-Control', 'no-store').send(consolePage(callerOf(res), assetsPath));
    })
    .all(methodNotAllowed(['GET']));
  router.use('/assets', express.static(assetsDir(), { index: false, redirect: false }));
  return router;
}
