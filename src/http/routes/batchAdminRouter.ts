/**
 * Bulk administration of batch job definitions (OSID JobBatchAdminSession), mounted at `/batch` ahead of the
 * invocation and definition routers, so that `bulk` and `forms` (like the transfer router's `export` and `import`) are never taken for a csid: `POST bulk` (create, update, delete and alias entries, one response each; idempotent with a key, src/http/idempotency.ts), `DELETE /?confirm=all` (every definition of the tenant) and the forms (`GET forms/create`, `GET forms/update?csid=…`).
 */
import { Router, type RequestHandler, type Response } from 'express';
import { decodeBatchBulk, encodeBatchForms, encodeBulkResponses } from '../../codec/index.js';
import { holdsPermission } from '../../domain/access.js';
import { BULK_ENTRY_LIMIT, BULK_OPERATION_ACTIONS, isBulkOperation, type BulkEntry, type BulkResponse } from '../../domain/bulkAdmin.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import { applyBulk } from '../../services/definitionBulk.js';
import type { DefinitionService } from '../../services/definitionService.js';
import type { IdempotencyService } from '../../services/idempotencyService.js';
import { idempotent, readRequestTree } from '../idempotency.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { sendTree } from '../negotiation.js';
import { STATUS_BY_CODE } from '../problems.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';

/** An entry's status: what the same request alone would have been answered. */
function bulkStatus(response: BulkResponse): number {
  if (response.error !== undefined) return STATUS_BY_CODE[response.error.code];
  return response.operation === 'create' ? 201 : 200;
}

/** `csid=a&csid=b`: 1 to `BULK_ENTRY_LIMIT` csids or aliases. */
function csidsOf(value: unknown): string[] {
  const csids = (Array.isArray(value) ? value : [value]).filter((csid): csid is string => typeof csid === 'string' && csid !== '');
  if (csids.length === 0 || csids.length > BULK_ENTRY_LIMIT) {
    throw new ValidationError(`Name 1 to ${BULK_ENTRY_LIMIT} definitions, each as a csid= parameter`, [
      { path: 'csid', message: `must be given 1 to ${BULK_ENTRY_LIMIT} times` },
    ]);
  }
  return csids;
}

/** Where `mayApplyBulk` leaves the entries it decoded. */
const ENTRIES_KEY = 'bulkEntries';

/**
 * Decodes the entries and checks the rights every one needs, or nothing is done: a refusal is of the whole
 * request, not of some entries. Before `idempotent`, so that a key never answers someone who may not do it now.
 */
const mayApplyBulk: RequestHandler = (req, res, next) => {
  const caller = callerOf(res);
  const entries = decodeBatchBulk(readRequestTree(req, res));
  for (const { operation } of entries) {
    if (isBulkOperation(operation) && !holdsPermission(caller.permissions, 'definitions', BULK_OPERATION_ACTIONS[operation])) {
      throw new ForbiddenError(`You are not allowed to ${BULK_OPERATION_ACTIONS[operation]} definitions`);
    }
  }
  res.locals[ENTRIES_KEY] = entries;
  next();
};

function entriesOf(res: Response): BulkEntry[] {
  return res.locals[ENTRIES_KEY] as BulkEntry[];
}

export function batchAdminRouter(definitions: DefinitionService, idempotency: IdempotencyService, router: Router = Router()): Router {
  // Without the confirmation a slip of a client (a DELETE meant for one definition, its csid lost) deletes nothing.
  router.delete('/', requirePermission('definitions', 'delete'), async (req, res) => {
    if (req.query['confirm'] !== 'all') {
      throw new ValidationError('Deleting every batch job of the tenant needs confirm=all', [{ path: 'confirm', message: "must be 'all'" }]);
    }
    const outcomes = await definitions.deleteAll(callerOf(res).tenant);
    sendTree(res, 200, encodeBulkResponses(outcomes.map((outcome) => ({ operation: 'delete', ...outcome })), bulkStatus));
  });

  router
    .route('/bulk')
    .post(mayApplyBulk, idempotent(idempotency), async (_req, res) => {
      const caller = callerOf(res);
      const responses = await applyBulk(definitions, caller.tenant, entriesOf(res), caller.user);
      sendTree(res, 200, encodeBulkResponses(responses, bulkStatus));
    })
    .all(methodNotAllowed(['POST']));

  router
    .route('/forms/create')
    .get(requirePermission('definitions', 'create'), (_req, res) => {
      sendTree(res, 200, encodeBatchForms('create', definitions.loadedPlugins()));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/forms/update')
    .get(requirePermission('definitions', 'update'), async (req, res) => {
      const forms = await definitions.updateForms(callerOf(res).tenant, csidsOf(req.query['csid']));
      sendTree(res, 200, encodeBatchForms('update', definitions.loadedPlugins(), forms));
    })
    .all(methodNotAllowed(['GET']));
  return router;
}
