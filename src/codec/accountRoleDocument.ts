/**
 * The answer of CollectionSpace's `GET accounts/{id}/accountroles`: `<ns2:account_role
 * xmlns:ns2="http://collectionspace.org/services/authorization">` with one `account` and one `role` per role held,
 * elements in the order of accounts_roles.xsd, which cspace-ui reads as `data['ns2:account_role'].role[].roleName`.
 * No `subject` (CollectionSpace sends it only when a relationship is created) and no `roleRelationshipId` (a row
 * id of CollectionSpace's database, with no counterpart here).
 */
import type { AccountRole } from '../domain/accountRole.js';
import { accountNode } from './documentEnvelope.js';
import { AUTHORIZATION_NAMESPACE, PART_PREFIX } from './namespaces.js';
import type { DocTree } from './tree.js';

const ACCOUNT_ROLE_KEY = `${PART_PREFIX}:account_role`;

export function encodeAccountRoleDocument({ account, roles }: AccountRole): DocTree {
  return {
    [ACCOUNT_ROLE_KEY]: {
      [`@xmlns:${PART_PREFIX}`]: AUTHORIZATION_NAMESPACE,
      account: accountNode(account),
      role: roles.map(({ roleId, roleName, displayName, tenantId }) => ({ roleId, roleName, displayName, tenantId })),
    },
  };
}
