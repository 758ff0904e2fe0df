// The console's only way to the service: its JSON API, from the same origin, with the access token of its sign-in
// (console/auth.js) and the tenant chosen in the header.
import { authorizedFetch } from './auth.js';

const ROOT = '/cspace-services';
const TENANT_KEY = 'invocables.console.tenant';

/** @type {{ user: string, tenant: string, tenants: string[] } | undefined} the signed-in account, once read */
let account;

/** Reads who signed in and the tenants they may act in (their default tenant first named). */
export async function loadAccount() {
  const { data } = await api('/console/account');
  account = data;
  return account;
}

/** The tenants the signed-in user may act in. */
export function tenantsOfUser() {
  return account.tenants;
}

/** The tenant chosen in this tab, else the user's default one; none before the account is read. */
export function currentTenant() {
  if (account === undefined) return undefined;
  const chosen = sessionStorage.getItem(TENANT_KEY);
  return chosen !== null && account.tenants.includes(chosen) ? chosen : account.tenant;
}

export function chooseTenant(tenant) {
  sessionStorage.setItem(TENANT_KEY, tenant);
}

/** The request headers of every API call: JSON, and the tenant once the account is read. */
function headersFor(extra) {
  const tenant = currentTenant();
  return { Accept: 'application/json', ...(tenant !== undefined && { 'X-Tenant-Id': tenant }), ...extra };
}

/** The JSON mapping writes a list of one as that one item, and of none as nothing. */
export function asArray(value) {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** An error answer of the API: its status, code, message and details (`path`, `message`). */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message ?? `The service answered ${status}`);
    this.status = status;
    this.code = error.code;
    this.details = asArray(error.details?.detail);
  }
}

/**
 * `api('/runs?status=Failed')`: the parsed answer, its status and headers; throws ApiError on 4xx and 5xx.
 * @param {string} path under the service root
 * @param {{ method?: string, body?: unknown, headers?: Record<string, string> }} [options]
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const response = await authorizedFetch(`${ROOT}${path}`, {
    method,
    headers: headersFor({ ...(body !== undefined && { 'Content-Type': 'application/json' }), ...headers }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, headers: response.headers, data };
}

/** The `list-item`s of a CollectionSpace list answer, with the list itself. */
export async function apiList(path) {
  const { data } = await api(path);
  const list = data['ns2:abstract-common-list'];
  return { list, items: asArray(list['list-item']) };
}

/** The service's health (open to all, outside the API root): store and plugins loaded and failed. */
export async function health() {
  const response = await fetch('/health', { headers: { Accept: 'application/json' } });
  return response.json();
}

const permissionsByTenant = new Map();

/** Whether the caller may do `action` (a letter of CRUDLI) on `resource` (`batch`, `runs`, …) in the tenant. */
export async function allowed(resource, action) {
  const tenant = currentTenant();
  if (!permissionsByTenant.has(tenant)) {
    const { data } = await api('/accounts/0/accountperms');
    const permissions = asArray(data['ns2:account_permission'].permission);
    permissionsByTenant.set(tenant, new Map(permissions.map((permission) => [permission.resourceName, permission.actionGroup])));
  }
  return (permissionsByTenant.get(tenant).get(resource) ?? '').includes(action);
}

/**
 * Follows a run's server-sent events (`progress`, then `end`) until it ends or `signal` aborts; `onProgress`
 * gets each event's run counts. Read with fetch rather than EventSource, which cannot send the tenant header (nor the token).
 * @returns {Promise<boolean>} whether the run ended (else the stream closed first, as at a service restart)
 */
export async function followRun(id, onProgress, signal) {
  const response = await authorizedFetch(`${ROOT}/runs/${encodeURIComponent(id)}/events`, {
    headers: headersFor({ Accept: 'text/event-stream' }),
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, undefined);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const fields = Object.fromEntries(buffer.slice(0, end).split('\n').map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
      }));
      buffer = buffer.slice(end + 2);
      if (fields.event === 'progress' || fields.event === 'end') onProgress(JSON.parse(fields.data), fields.event === 'end');
      if (fields.event === 'end') return true;
    }
  }
}
