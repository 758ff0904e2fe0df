/**
 * What cspace-ui reads at login: the caller's own permissions and roles (src/http/routes/accountsRouter.ts) and the
 * service group tags (serviceGroupsRouter.ts).
 */
import { TAG_LIST_SPEC } from '../../../codec/index.js';
import { named } from '../namedSchemas.js';
import { documentAnswer, operation, pathParameter, type Paths } from '../operation.js';
import { commonList, element, oneOrMany, textFields } from '../schemas.js';

const TAG = 'Accounts';
const ACCOUNT_ID = pathParameter('accountId', '`0` (CollectionSpace\'s "the caller") or the caller\'s own username; any other is refused (403)');
const ACCOUNT = textFields(['accountId', 'screenName', 'userId', 'tenantId']);

export function accountPaths(root: string): Paths {
  return {
    [`${root}/accounts/{accountId}/accountperms`]: {
      get: operation({
        id: 'getAccountPermissions',
        summary: "The caller's account and all its permissions in the tenant, under CollectionSpace's resource names",
        tag: TAG,
        parameters: [ACCOUNT_ID],
        responses: {
          200: documentAnswer(
            'The `account_permission` document',
            named('AccountPermission', element('ns2:account_permission', textFields(['@xmlns:ns2'], { account: ACCOUNT, permission: oneOrMany(textFields(['permissionId', 'resourceName', 'actionGroup'])) }))),
          ),
        },
      }),
    },
    [`${root}/accounts/{accountId}/accountroles`]: {
      get: operation({
        id: 'getAccountRoles',
        summary: 'The caller\'s account and the roles it holds in the tenant',
        tag: TAG,
        parameters: [ACCOUNT_ID],
        responses: {
          200: documentAnswer(
            'The `account_role` document',
            named('AccountRole', element('ns2:account_role', textFields(['@xmlns:ns2'], { account: ACCOUNT, role: oneOrMany(textFields(['roleId', 'roleName', 'displayName', 'tenantId'])) }))),
          ),
        },
      }),
    },
    [`${root}/servicegroups/{serviceType}/tags`]: {
      get: operation({
        id: 'getServiceGroupTags',
        summary: 'The tags of the services of a type (`object`, `procedure`), as cspace-ui reads them at login',
        tag: TAG,
        parameters: [pathParameter('serviceType', 'A service type')],
        responses: { 200: documentAnswer('The tags', commonList(TAG_LIST_SPEC)) },
        errors: [404],
      }),
    },
  };
}
