/**
 * helmet's security headers, worked out once. helmet reads the request only to call a Content-Security-Policy
 * directive given as a function (a nonce, say); without one it sets the same headers on every response, so the
 * headers it sets on a recording response at start-up are the headers of every response: one middleware sets
 * them instead of helmet's twelve, each working its value out again. Options with such a function are refused
 * at start-up rather than frozen.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

function hasPerRequestDirective(options: HelmetOptions | undefined): boolean {
  const policy = options?.contentSecurityPolicy;
  const directives = typeof policy === 'object' ? Object.values(policy.directives ?? {}) : [];
  return directives.some((value) => typeof value === 'function' || (Array.isArray(value) && value.some((part) => typeof part === 'function')));
}

export function securityHeaders(options?: HelmetOptions): RequestHandler {
  if (hasPerRequestDirective(options)) {
    throw new TypeError('securityHeaders: a Content-Security-Policy directive depends on the request; use helmet itself');
  }
  const headers: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string) => headers.push([name, value]),
    removeHeader: (name: string) => removed.push(name),
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw error;
    finished = true;
  });
  if (!finished) throw new TypeError('securityHeaders: helmet did not finish at once');
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}
