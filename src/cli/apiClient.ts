/**
 * The REST API as the command line uses it: JSON both ways, the credentials and tenant of the settings on every
 * request, and the service's error document turned into an `ApiError` carrying its status, code and message.
 */
import type { CliSettings } from './settings.js';

/** The API's root path on the service. */
const SERVICE_ROOT = '/cspace-services';

/** The service answered with an error (its error document), or could not be reached (`status` 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ReadonlyArray<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** JSON answers carry every value as a string and a single repeated element as an object: this undoes the latter. */
export function asList<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

export type Query = Record<string, string | undefined>;

export class ApiClient {
  constructor(private readonly settings: CliSettings) {}

  /** The absolute URL of `pathname` under the API root, with `query`'s set values. */
  url(pathname: string, query: Query = {}): URL {
    const url = new URL(`${this.settings.baseUrl.pathname.replace(/\/$/, '')}${SERVICE_ROOT}${pathname}`, this.settings.baseUrl);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    return url;
  }

  /** Sends the request and answers its response as it came (for a stream), or throws an `ApiError`. */
  async fetch(pathname: string, init: RequestInit & { query?: Query } = {}): Promise<Response> {
    const { query, ...rest } = init;
    const url = this.url(pathname, query);
    const headers = new Headers(rest.headers);
    headers.set('Authorization', this.settings.authorization);
    if (!headers.has('Accept')) headers.set('Accept', 'application/json');
    if (this.settings.tenant !== undefined) headers.set('X-Tenant-Id', this.settings.tenant);
    let res: Response;
    try {
      res = await fetch(url, { ...rest, headers });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(0, 'UNREACHABLE', `Cannot reach the service at ${url.origin}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    if (res.ok) return res;
    throw await errorOf(res);
  }

  /** The JSON document at `pathname`. */
  async get(pathname: string, query?: Query): Promise<any> {
    return bodyOf(await this.fetch(pathname, { query: query ?? {} }));
  }

  /** Posts `body` as JSON (or nothing); answers the JSON document of the answer. */
  async post(pathname: string, body?: unknown, options: { query?: Query; headers?: Record<string, string> } = {}): Promise<any> {
    const res = await this.fetch(pathname, {
      method: 'POST',
      query: options.query ?? {},
      headers: { ...(body !== undefined && { 'Content-Type': 'application/json' }), ...options.headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return bodyOf(res);
  }
}

async function bodyOf(res: Response): Promise<any> {
  const text = await res.text();
  return text === '' ? undefined : JSON.parse(text);
}

/** The error document's code, message and details, or the bare status when the answer holds none. */
async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  let error: any;
  try {
    error = JSON.parse(text).error;
  } catch {
    error = undefined;
  }
  if (error === undefined) return new ApiError(res.status, 'HTTP_ERROR', `${res.status} ${res.statusText}`.trim());
  const details = asList<{ path: string; message: string }>(error.details?.detail);
  return new ApiError(res.status, String(error.code), String(error.message), details);
}
