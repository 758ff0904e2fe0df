/**
 * The caller's own account, as cspace-ui reads it at login (`JpaStorageUtils.getAccountPermissions`,
 * `getAccountRoles`):
 * - `GET /cspace-services/accounts/{id}/accountperms`: the account and all its permissions in the request's tenant,
 *   under CollectionSpace's resource names;
 * - `GET /cspace-services/accounts/{id}/accountroles`: the account and the roles it holds in that tenant.
 *
 * `0` is the caller, as in CollectionSpace; so is the caller's own account id (here their username), which
 * CollectionSpace also accepts. Any other id is refused alike, whether it exists or not: one account never reads
 * another's rights or roles, and the answer reveals no usernames.
 */
import { Router } from 'express';
import { encodeAccountPermissionDocument, encodeAccountRoleDocument, RECORD_SERVICES } from '../../codec/index.js';
import {
  accountPermissions,
  BATCH_INVOKE_TARGET,
  serviceTarget,
  transitionTarget,
  type PermissionTarget,
} from '../../domain/accountPermission.js';
import type { Caller, Resource } from '../../domain/access.js';
import { accountRoles } from '../../domain/accountRole.js';
import { ForbiddenError } from '../../domain/errors.js';
import { WORKFLOW_TRANSITIONS, type WorkflowTransition } from '../../domain/workflow.js';
import type { AuthService } from '../../services/auth/authService.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';
import { callerOf } from '../requestContext.js';

/** CollectionSpace's id for the calling account (`JpaStorageUtils.CS_CURRENT_USER`). */
const CURRENT_ACCOUNT = '0';

/** A service with soft delete: the service itself and each of its workflow transitions. */
function withWorkflow(serviceName: string, resource: Resource): PermissionTarget[] {
  const transitions = Object.keys(WORKFLOW_TRANSITIONS) as WorkflowTransition[];
  return [serviceTarget(serviceName, resource), ...transitions.map((transition) => transitionTarget(serviceName, resource, transition))];
}

/**
 * Every resource this service guards, under the names cspace-ui looks for. `runs` and `admin` have no
 * CollectionSpace counterpart and keep their own names (cspace-ui passes over names it does not know).
 */
const ALL_TARGETS: readonly PermissionTarget[] = [
  ...withWorkflow('batch', 'definitions'),
  BATCH_INVOKE_TARGET,
  ...RECORD_SERVICES.flatMap(({ service }) => withWorkflow(service, 'records')),
  serviceTarget('relations', 'records'),
  serviceTarget('runs', 'runs'),
  serviceTarget('admin', 'admin'),
];

/** @throws ForbiddenError unless `accountId` names the caller's own account; `what` says what was asked. */
function checkOwnAccount(accountId: string, caller: Caller, what: string): void {
  if (accountId !== CURRENT_ACCOUNT && accountId !== caller.user) {
    throw new ForbiddenError(`You are not allowed to read another account's ${what}`);
  }
}

export function accountsRouter(deps: { auth: Pick<AuthService, 'rolesHeld'> }): Router {
  const router = Router();
  router
    .route('/:accountId/accountperms')
    .get((req, res) => {
      const caller = callerOf(res);
      checkOwnAccount(req.params.accountId, caller, 'permissions');
      sendTree(res, 200, encodeAccountPermissionDocument(accountPermissions(caller, ALL_TARGETS)));
    })
    .all(methodNotAllowed(['GET']));
  router
    .route('/:accountId/accountroles')
    .get(async (req, res) => {
      const caller = callerOf(res);
      checkOwnAccount(req.params.accountId, caller, 'roles');
      sendTree(res, 200, encodeAccountRoleDocument(accountRoles(caller, await deps.auth.rolesHeld(caller))));
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
