/**
 * The answer of CollectionSpace's `GET accounts/{id}/accountperms`: the `account_permission` part on its own, as
 * the root element (`<ns2:account_permission xmlns:ns2="http://collectionspace.org/services/authorization">`),
 * which cspace-ui reads at login as `data['ns2:account_permission']`.
 */
import type { AccountPermission } from '../domain/accountPermission.js';
import { ACCOUNT_PERMISSION_PART_KEY, accountPermissionPart } from './documentEnvelope.js';
import type { DocTree } from './tree.js';

export function encodeAccountPermissionDocument(accountPermission: AccountPermission): DocTree {
  return { [ACCOUNT_PERMISSION_PART_KEY]: accountPermissionPart(accountPermission) };
}
