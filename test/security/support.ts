/**
 * Helpers for the security suite: acting as another user or in another tenant through the real HTTP API, and
 * creating tenants, roles, users and tokens through the admin endpoints.
 */
import { expect } from 'chai';
import { JSON_TYPE } from '../support/api.js';
import { TEST_ADMIN, type TestAuth, type TestService } from '../support/testService.js';

export const TENANT_B = 'museum-b';

/** The same service, but every request authenticates with `auth` (and acts in `tenant`, when given). */
export function actingAs(service: TestService, auth: TestAuth, tenant?: string): TestService {
  return {
    ...service,
    request: (pathname, init = {}) => {
      const headers = new Headers(init.headers);
      if (tenant !== undefined) headers.set('X-Tenant-Id', tenant);
      return service.request(pathname, { ...init, auth: init.auth === undefined ? auth : init.auth, headers });
    },
  };
}

async function postJson(client: TestService, pathname: string, body: unknown, expected = 201): Promise<any> {
  const res = await client.request(pathname, {
    method: 'POST',
    headers: { 'Content-Type': JSON_TYPE, Accept: JSON_TYPE },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).to.equal(expected);
  return res.json();
}

/** Creates tenant `id` as the test administrator, who becomes its administrator too. */
export async function createTenant(service: TestService, id = TENANT_B): Promise<TestService> {
  await postJson(service, '/cspace-services/admin/tenants', { tenant: { id, name: `Tenant ${id}` } });
  return actingAs(service, TEST_ADMIN, id);
}

/** A role granting CollectionSpace action letters per resource, e.g. `{ definitions: 'RL' }`. */
export async function createRole(admin: TestService, name: string, grants: Record<string, string>, displayName = name): Promise<void> {
  const permission = Object.entries(grants).map(([resource, actionGroup]) => ({ resource, actionGroup }));
  await postJson(admin, '/cspace-services/admin/roles', { role: { name, displayName, permissions: { permission } } });
}

export async function createUser(admin: TestService, username: string, roles: string[], password = `${username}-password`) {
  await postJson(admin, '/cspace-services/admin/users', { user: { username, password, roles: { role: roles } } });
  return { username, password };
}

/** Makes `username` a member of `admin`'s tenant holding `roles` there. */
export async function addMembership(admin: TestService, username: string, roles: string[]): Promise<void> {
  const res = await admin.request(`/cspace-services/admin/users/${username}/membership`, {
    method: 'PUT',
    headers: { 'Content-Type': JSON_TYPE },
    body: JSON.stringify({ roles: { role: roles } }),
  });
  expect(res.status, await res.clone().text()).to.equal(200);
}

export async function createToken(admin: TestService, username: string, label = 'test'): Promise<{ id: string; token: string }> {
  const body = await postJson(admin, '/cspace-services/admin/tokens', { token: { label, username } });
  return { id: body.token.id, token: body.token.token };
}

/** The list items of a JSON common list. */
export async function listItems(client: TestService, pathname: string): Promise<Array<Record<string, string>>> {
  const res = await client.request(pathname, { headers: { Accept: JSON_TYPE } });
  expect(res.status, await res.clone().text()).to.equal(200);
  const list = ((await res.json()) as any)['ns2:abstract-common-list'];
  return [list['list-item'] ?? []].flat();
}
