/**
 * `GET /cspace-services/batch/export` and `POST /cspace-services/batch/import`: a tenant's definitions as one
 * document, and that document stored into a tenant (this installation's or another's) with a per-definition
 * report. Mounted before the invoke router, whose deprecated `POST /batch/{csid}` would take `import` for a csid.
 */
import { Router } from 'express';
import { decodeDefinitionImport, encodeDefinitionExport, encodeImportReport } from '../../codec/index.js';
import { holdsPermission } from '../../domain/access.js';
import { MAX_IMPORT_DEFINITIONS, parseDupeRule } from '../../domain/definitionTransfer.js';
import { ForbiddenError, ValidationError } from '../../domain/errors.js';
import type { DefinitionTransfer } from '../../services/definitionTransfer.js';
import { parseDefinitionListQuery } from '../definitionListQuery.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { requirePermission } from '../requirePermission.js';
import { callerOf } from '../requestContext.js';

/** The list parameters `csid` cannot be combined with: it selects by itself. */
const LIST_PARAMS = ['doctype', 'mode', 'inv', 'classname', 'combine', 'as', 'wf_deleted', 'wf_only_deleted', 'sortBy', 'pgSz', 'pgNum'];

/** The `csid` parameters, each once; at most as many as an import takes, and no list filter beside them. */
function selectedCsids(query: Record<string, unknown>): string[] {
  // Express 5's query parser gives a string, or an array of them when repeated.
  const csids = [...new Set([query.csid ?? []].flat().map((csid) => String(csid).trim()).filter((csid) => csid !== ''))];
  if (csids.length > MAX_IMPORT_DEFINITIONS) {
    throw new ValidationError(`An export names at most ${MAX_IMPORT_DEFINITIONS} csids`, [
      { path: 'csid', message: `is given ${csids.length} times` },
    ]);
  }
  const combined = LIST_PARAMS.filter((param) => query[param] !== undefined);
  if (csids.length > 0 && combined.length > 0) {
    throw new ValidationError('csid selects the definitions to export by itself', [
      { path: 'csid', message: `cannot be combined with ${combined.join(', ')}` },
    ]);
  }
  return csids;
}

export function definitionTransferRouter(transfer: DefinitionTransfer, router: Router = Router()): Router {

  router
    .route('/export')
    .get(requirePermission('definitions', 'list'), requirePermission('definitions', 'read'), async (req, res) => {
      const { tenant } = callerOf(res);
      const csids = selectedCsids(req.query);
      // Without csids, the list filters select; a page holds every match up to the largest page unless pgSz says less.
      const page =
        csids.length > 0
          ? await transfer.exportSelected(tenant, csids)
          : await transfer.exportMatching(tenant, parseDefinitionListQuery({ pgSz: '0', ...req.query }));
      sendTree(res, 200, encodeDefinitionExport(page));
    })
    .all(methodNotAllowed(['GET']));

  router
    .route('/import')
    .post(requirePermission('definitions', 'create'), async (req, res) => {
      const caller = callerOf(res);
      const dupe = parseDupeRule(req.query.dupe);
      if (dupe === 'update' && !holdsPermission(caller.permissions, 'definitions', 'update')) {
        throw new ForbiddenError('You are not allowed to update definitions (dupe=update)');
      }
      const results = await transfer.import(caller.tenant, decodeDefinitionImport(readTree(req)), { dupe, actor: caller.user });
      const failed = results.some(({ outcome }) => outcome.status === 'failed');
      sendTree(res, failed ? 207 : 200, encodeImportReport(results));
    })
    .all(methodNotAllowed(['POST']));

  return router;
}
