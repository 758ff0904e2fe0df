/** `/admin`: tenants, users, roles and API tokens (src/http/routes/admin/). Answers are never cached. */
import { ROLE_LIST_SPEC, TENANT_LIST_SPEC, TOKEN_LIST_SPEC, userListSpec, type DocTree } from '../../../codec/index.js';
import type { TenantId } from '../../../domain/types.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, documentBody, emptyAnswer, operation, pathParameter, queryParameter, type OpenApiObject, type Paths } from '../operation.js';
import { PAGING } from '../parameters.js';
import { headers } from '../responses.js';
import { commonList, element, oneOrMany, rootDocument, textFields, type ValidatedSchema } from '../schemas.js';

const TAG = 'Administration';

const TENANT = named('Tenant', element('tenant', textFields([...TENANT_LIST_SPEC.fieldsReturned, 'createdBy'])));
// Which tenant does not matter here: only the names of the list's fields are read.
const USER_LIST_FIELDS = userListSpec('default' as TenantId).fieldsReturned;
const USER = named(
  'User',
  element(
    'user',
    textFields(['username', 'defaultTenant', 'disabled', 'createdAt', 'createdBy', 'updatedAt', 'updatedBy'], {
      roles: { type: 'object', description: 'The roles held in the tenant asked from', properties: { role: oneOrMany({ type: 'string' }) } },
    }),
  ),
);
const ROLE = named(
  'Role',
  element(
    'role',
    textFields([...ROLE_LIST_SPEC.fieldsReturned, 'createdAt', 'updatedBy'], {
      permissions: { type: 'object', properties: { permission: oneOrMany(textFields(['resource', 'actionGroup'])) } },
    }),
  ),
);
const TOKEN = named(
  'Token',
  element(
    'token',
    textFields([...TOKEN_LIST_SPEC.fieldsReturned, 'createdBy'], {
      token: { type: 'string', description: 'The bearer value: in the answer to its creation only' },
    }),
  ),
);

const ROLE_EXAMPLE = {
  role: {
    name: 'runner',
    displayName: 'Runner',
    permissions: {
      permission: [
        { resource: 'definitions', actionGroup: 'RL' },
        { resource: 'records', actionGroup: 'CRUDL' },
        { resource: 'invoke', actionGroup: 'I' },
      ],
    },
  },
};

interface Collection {
  path: string;
  /** Singular noun and operation id stem. */
  what: string;
  name: string;
  document: OpenApiObject;
  fieldsReturned: readonly string[];
  create: ValidatedSchema;
  createExample: DocTree;
  /** List parameters besides paging. */
  filters?: OpenApiObject[];
}

function collection({ path, what, name, document, fieldsReturned, create, createExample, filters = [] }: Collection): Paths {
  return {
    [path]: {
      get: operation({
        id: `list${name}s`,
        summary: `List ${what}s`,
        tag: TAG,
        parameters: [...filters, ...PAGING],
        responses: { 200: documentAnswer(`One page of ${what}s`, commonList({ fieldsReturned })) },
        errors: [400],
      }),
      post: operation({
        id: `create${name}`,
        summary: `Create a ${what}`,
        tag: TAG,
        body: documentBody(rootDocument(create), createExample),
        responses: { 201: documentAnswer(`The ${what}`, document, { headers: headers('Location') }) },
        errors: [409],
      }),
    },
  };
}

/** `POST {path}/disable` and `/enable`. */
function switches(path: string, name: string, what: string, key: OpenApiObject, document: OpenApiObject): Paths {
  return Object.fromEntries(
    (['disable', 'enable'] as const).map((action) => [
      `${path}/${action}`,
      {
        post: operation({
          id: `${action}${name}`,
          summary: `${action === 'disable' ? 'Disable' : 'Enable'} a ${what}`,
          tag: TAG,
          parameters: [key],
          responses: { 200: documentAnswer(`The ${what}`, document) },
          errors: [404],
        }),
      },
    ]),
  );
}

function read(id: string, what: string, key: OpenApiObject, document: OpenApiObject): OpenApiObject {
  return operation({ id, summary: `Read a ${what}`, tag: TAG, parameters: [key], responses: { 200: documentAnswer(`The ${what}`, document) }, errors: [404] });
}

export function adminPaths(root: string): Paths {
  const admin = `${root}/admin`;
  const tenantId = pathParameter('id', "The tenant's id");
  const username = pathParameter('username', "The user's name");
  const roleName = pathParameter('name', "The role's name");
  const tokenId = pathParameter('id', "The token's id");
  const rolesBody = documentBody(rootDocument('AdminRoles'), { roles: { role: ['runner', 'TENANT_READER'] } });
  const user = `${admin}/users/{username}`;
  return {
    ...collection({
      path: `${admin}/tenants`,
      what: 'tenant',
      name: 'Tenant',
      document: TENANT,
      fieldsReturned: TENANT_LIST_SPEC.fieldsReturned,
      create: 'AdminTenant',
      createExample: { tenant: { id: 'museum-b', name: 'Museum B' } },
    }),
    [`${admin}/tenants/{id}`]: { get: read('getTenant', 'tenant', tenantId, TENANT) },
    ...switches(`${admin}/tenants/{id}`, 'Tenant', 'tenant', tenantId, TENANT),
    ...collection({
      path: `${admin}/users`,
      what: 'user',
      name: 'User',
      document: USER,
      fieldsReturned: USER_LIST_FIELDS,
      create: 'AdminUser',
      createExample: { user: { username: 'alice', password: 'alice-long-password', roles: { role: ['runner'] } } },
    }),
    [user]: { get: read('getUser', 'user', username, USER) },
    ...switches(user, 'User', 'user', username, USER),
    [`${user}/password`]: {
      put: operation({
        id: 'setUserPassword',
        summary: "Set a user's password (a user whose default tenant this is)",
        tag: TAG,
        parameters: [username],
        body: documentBody(element('password', { type: 'string', minLength: 1 }), { password: 'a long new passphrase' }),
        responses: { 204: emptyAnswer('Set') },
        errors: [404],
      }),
    },
    [`${user}/roles`]: {
      put: operation({
        id: 'setUserRoles',
        summary: 'Set the roles a member holds in this tenant',
        tag: TAG,
        parameters: [username],
        body: rolesBody,
        responses: { 200: documentAnswer('The user', USER) },
        errors: [404],
      }),
    },
    [`${user}/membership`]: {
      put: operation({
        id: 'addMember',
        summary: "Make another tenant's user a member of this one, with roles",
        tag: TAG,
        parameters: [username],
        body: rolesBody,
        responses: { 200: documentAnswer('The member', USER) },
        errors: [404, 409],
      }),
      delete: operation({
        id: 'removeMember',
        summary: "Remove another tenant's user from this one",
        tag: TAG,
        parameters: [username],
        responses: { 200: emptyAnswer('Removed') },
        errors: [404, 409],
      }),
    },
    ...collection({
      path: `${admin}/roles`,
      what: 'role',
      name: 'Role',
      document: ROLE,
      fieldsReturned: ROLE_LIST_SPEC.fieldsReturned,
      create: 'AdminRole',
      createExample: ROLE_EXAMPLE,
    }),
    [`${admin}/roles/{name}`]: {
      get: read('getRole', 'role', roleName, ROLE),
      put: operation({
        id: 'updateRole',
        summary: 'Update a role (roles cannot be renamed)',
        tag: TAG,
        parameters: [roleName],
        body: documentBody(rootDocument('AdminRole'), ROLE_EXAMPLE),
        responses: { 200: documentAnswer('The role', ROLE) },
        errors: [404, 409],
      }),
      delete: operation({ id: 'deleteRole', summary: 'Delete a role', tag: TAG, parameters: [roleName], responses: { 200: emptyAnswer('Deleted') }, errors: [404, 409] }),
    },
    ...collection({
      path: `${admin}/tokens`,
      what: 'API token',
      name: 'Token',
      document: TOKEN,
      fieldsReturned: TOKEN_LIST_SPEC.fieldsReturned,
      create: 'AdminToken',
      createExample: { token: { label: 'nightly job', username: 'alice' } },
      filters: [queryParameter('username', "Only this user's tokens")],
    }),
    [`${admin}/tokens/{id}`]: {
      get: read('getToken', 'API token', tokenId, TOKEN),
      delete: operation({ id: 'revokeToken', summary: 'Revoke an API token', tag: TAG, parameters: [tokenId], responses: { 200: documentAnswer('The revoked token', TOKEN) }, errors: [404] }),
    },
  };
}
