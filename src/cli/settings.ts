/**
 * Where the command line finds the service and who it is there: from the environment only, so that no secret is
 * ever written on a command line (where `ps` and shell histories show it).
 */

export interface CliSettings {
  /** The service's root, e.g. `http://localhost:8080`. `INVOCABLES_URL` @defaultValue 'http://localhost:8080' */
  baseUrl: URL;
  /** The `Authorization` header: `INVOCABLES_TOKEN` (an API token, as Bearer) or else `INVOCABLES_USER` and `INVOCABLES_PASSWORD` (Basic). */
  authorization: string;
  /** `X-Tenant-Id` for users of several tenants. `INVOCABLES_TENANT` @defaultValue unset: the user's default tenant */
  tenant: string | undefined;
}

const DEFAULT_URL = 'http://localhost:8080';

/** A problem with how the command was called or configured: exit code 2 (see exitCodes.ts). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function value(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const raw = env[key];
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}

function baseUrl(env: NodeJS.ProcessEnv): URL {
  const raw = value(env, 'INVOCABLES_URL')?.trim() ?? DEFAULT_URL;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (url === undefined || !['http:', 'https:'].includes(url.protocol)) {
    throw new UsageError(`INVOCABLES_URL must be the service's http(s) URL, such as ${DEFAULT_URL}, got '${raw}'`);
  }
  // The API lives under /cspace-services: a URL naming it works as well as the bare service URL.
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/cspace-services$/, '');
  return url;
}

function authorization(env: NodeJS.ProcessEnv): string {
  const token = value(env, 'INVOCABLES_TOKEN')?.trim();
  if (token !== undefined) return `Bearer ${token}`;
  const user = value(env, 'INVOCABLES_USER')?.trim();
  const password = value(env, 'INVOCABLES_PASSWORD');
  if (user === undefined || password === undefined) {
    throw new UsageError('Set INVOCABLES_TOKEN (an API token), or INVOCABLES_USER and INVOCABLES_PASSWORD');
  }
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export function cliSettings(env: NodeJS.ProcessEnv = process.env): CliSettings {
  return { baseUrl: baseUrl(env), authorization: authorization(env), tenant: value(env, 'INVOCABLES_TENANT')?.trim() };
}
