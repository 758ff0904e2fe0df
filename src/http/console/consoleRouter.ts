/**
 * The web console (`/cspace-services/console`): its shell page and its static script and style files, served to
 * anyone (they hold nothing of the service's data), and `account`, the signed-in caller's name and tenants, behind
 * the API's authentication. The console signs in through the OAuth sign-in page as its own client and calls the JSON
 * API from the same origin with its Bearer token; it holds no logic of the service's own.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import { routeNotFound } from '../errorHandler.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { callerOf } from '../requestContext.js';
import { consolePage, type ConsoleSignIn } from './consolePage.js';

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

export interface ConsoleRouterDeps {
  /** Where the router is mounted, e.g. `/cspace-services/console`. */
  basePath: string;
  /** The API's authentication, for `account`. */
  authenticate: RequestHandler;
  signIn: ConsoleSignIn;
}

export function consoleRouter(deps: ConsoleRouterDeps): Router {
  const router = Router();
  const assetsPath = `${deps.basePath}/assets`;
  router
    .route('/')
    .get((_req, res) => {
      res.type('html').set('Cache-Control', 'no-store').send(consolePage(assetsPath, deps.signIn));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/account')
    // No API answers which tenants a user may act in; the console's tenant switcher needs them.
    .get(deps.authenticate, (_req, res) => {
      const { user, tenant, tenants } = callerOf(res);
      res.set('Cache-Control', 'no-store').json({ user, tenant, tenants });
    })
    .all(methodNotAllowed(['GET']));
  // A file that is not there is a 404 to anyone: nothing under /assets needs credentials, so no 401 says otherwise.
  router.use('/assets', express.static(assetsDir(), { index: false, redirect: false }), routeNotFound);
  return router;
}
