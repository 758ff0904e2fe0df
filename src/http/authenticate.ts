/**
 * The authentication middleware of every route that needs credentials: reads HTTP Basic or Bearer credentials and
 * `X-Tenant-Id`, asks the AuthService, and either sets the caller or answers 401 (with `WWW-Authenticate`),
 * 403 (a tenant the caller may not use) or 429 (too many failed logins, with `Retry-After`). Nothing in a
 * refusal says whether the user, the token or the requested resource exists.
 */
import type { Request, RequestHandler } from 'express';
import type { AuthRequest, AuthService, Credentials } from '../services/auth/authService.js';
import { quoted } from '../domain/errors.js';
import { HttpProblem } from './problems.js';
import { setCaller } from './requestContext.js';

export const AUTH_REALM = 'invocables';
export const TENANT_HEADER = 'X-Tenant-Id';
/**
 * One header per scheme: Chromium does not read several challenges from one header (it takes
 * `Basic realm="…", Bearer` for a malformed Basic challenge), so it would never ask a person who opens an API URL
 * for the API's login. (The console signs in with OAuth, and its requests send no browser credentials, so no prompt.)
 * Clients that join the headers read `Basic realm="invocables", Bearer` as before.
 */
const CHALLENGE = [`Basic realm="${AUTH_REALM}"`, 'Bearer'];

/** Longest Authorization header read; anything longer cannot be one of ours. */
const MAX_AUTHORIZATION_LENGTH = 4096;

/** The credentials in an `Authorization` header, `undefined` when absent, malformed or of another scheme. */
export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(header);
  if (match === null) return undefined;
  const [, scheme = '', value = ''] = match;
  if (scheme.toLowerCase() === 'bearer') return { scheme: 'bearer', token: value };
  if (scheme.toLowerCase() !== 'basic' || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { scheme: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function authRequest(req: Request): AuthRequest {
  const tenant = req.get(TENANT_HEADER)?.trim();
  return {
    credentials: parseAuthorization(req.get('authorization')),
    address: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    ...(tenant !== undefined && tenant !== '' && { tenant }),
  };
}

export function authenticate(auth: AuthService): RequestHandler {
  return async (req, res, next) => {
    const outcome = await auth.authenticate(authRequest(req));
    switch (outcome.kind) {
      case 'authenticated':
        setCaller(res, outcome.caller);
        next();
        return;
      case 'unauthenticated':
        throw new HttpProblem('UNAUTHENTICATED', 'Authentication required: send valid Basic credentials or a Bearer token', [], {
          'WWW-Authenticate': CHALLENGE,
        });
      case 'throttled':
        throw new HttpProblem('TOO_MANY_REQUESTS', 'Too many failed logins; try again later', [], {
          'Retry-After': String(outcome.retryAfterSeconds),
        });
      case 'tenant-refused':
        throw new HttpProblem('FORBIDDEN', `You may not act in tenant ${quoted(outcome.tenant)}`);
    }
  };
}
