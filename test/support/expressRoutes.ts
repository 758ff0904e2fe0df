/**
 * The routes an Express 5 app serves, read from its router stack: every `METHOD path` a route layer answers, with
 * the paths of the routers it is mounted in, `:name` written `{name}` as OpenAPI does. Middleware that is not a
 * router (helmet, authentication, a third party's app such as oidc-provider's) is not a route and is not listed.
 */
import type { Express } from 'express';

/** What Express 5's router (the `router` package, 2.x) keeps of a layer; not part of its typings. */
interface Layer {
  /** The path given to `use` or `route`, e.g. `/batch` or `/:csid`. */
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

export interface ServedRoute {
  /** Upper case, e.g. `GET`. */
  method: string;
  /** With `{param}` templates and no trailing slash, e.g. `/cspace-services/batch/{csid}`. */
  path: string;
}

function pathOf(raw: unknown): string {
  if (typeof raw !== 'string') throw new Error(`A route or mount path that is not a string (${String(raw)}) cannot be described`);
  return raw === '/' ? '' : raw.replace(/:(\w+)/g, '{$1}');
}

function walk(stack: readonly Layer[], prefix: string, routes: ServedRoute[]): void {
  for (const layer of stack) {
    if (layer.route !== undefined) {
      const path = `${prefix}${pathOf(layer.route.path)}` || '/';
      for (const method of Object.keys(layer.route.methods).filter((name) => name !== '_all')) {
        routes.push({ method: method.toUpperCase(), path });
      }
    } else if (layer.handle.stack !== undefined) {
      walk(layer.handle.stack, `${prefix}${pathOf(layer.rawPath)}`, routes);
    }
  }
}

export function servedRoutes(app: Express): ServedRoute[] {
  const routes: ServedRoute[] = [];
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '', routes);
  return routes;
}
