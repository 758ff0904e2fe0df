/**
 * Links to a run's results (see `src/services/resultLinkService.ts`): `/runs/{id}/links` to create, list and revoke
 * them (mounted in the authenticated API), and `/links/{linkId}/results` to open one (mounted before the API: a
 * public link's signed URL needs no login, the others authenticate here as the API does).
 */
import { Router, type RequestHandler } from 'express';
import {
  decodeResultLinkRequest,
  encodeCommonList,
  encodeInvocationResults,
  encodeResultLinkDocument,
  RESULT_LINK_LIST_SPEC,
  type ResultLinkView,
} from '../../codec/index.js';
import { linkGone } from '../../domain/resultLinks.js';
import type { TenantId } from '../../domain/types.js';
import type { ResultLinkService, SharedLink, SignedAccess } from '../../services/resultLinkService.js';
import { methodNotAllowed } from '../methodNotAllowed.js';
import { readTree, sendTree } from '../negotiation.js';
import { stringParam } from '../queryParams.js';
import { callerOf } from '../requestContext.js';
import { requirePermission } from '../requirePermission.js';

export interface ResultLinksRouterOptions {
  links: ResultLinkService;
  /** Where links open, e.g. `/cspace-services/links`. */
  linksPath: string;
}

/** Where a link opens: a public link's URL carries its tenant, expiry and signature. */
function viewOf({ link, expired, signature }: SharedLink, linksPath: string): ResultLinkView {
  const url = `${linksPath}/${encodeURIComponent(link.id)}/results`;
  const query = signature === undefined ? undefined : new URLSearchParams({ tenant: link.tenant, expires: String(link.expiresAt.getTime()), sig: signature });
  return { ...link, expired, publishLink: query === undefined ? url : `${url}?${query.toString()}` };
}

/** `/runs/{id}/links`: only the run's creator, with `runs` `R` to list and `U` to create or revoke. */
export function runLinksRouter({ links, linksPath }: ResultLinksRouterOptions): Router {
  const router = Router();
  router
    .route('/:id/links')
    .get(requirePermission('runs', 'read'), async (req, res) => {
      const shared = (await links.list(callerOf(res), req.params.id)).map((link) => viewOf(link, linksPath));
      sendTree(res, 200, encodeCommonList({ pageNum: 0, pageSize: shared.length, totalItems: shared.length, items: shared }, RESULT_LINK_LIST_SPEC));
    })
    .post(requirePermission('runs', 'update'), async (req, res) => {
      const shared = await links.create(callerOf(res), req.params.id, decodeResultLinkRequest(readTree(req)));
      res.location(`${req.baseUrl}/${req.params.id}/links/${shared.link.id}`);
      sendTree(res, 201, encodeResultLinkDocument(viewOf(shared, linksPath)));
    })
    .all(methodNotAllowed(['GET', 'POST']));
  router
    .route('/:id/links/:linkId')
    .delete(requirePermission('runs', 'update'), async (req, res) => {
      await links.revoke(callerOf(res), req.params.id, req.params.linkId);
      res.status(204).end();
    })
    .all(methodNotAllowed(['DELETE']));
  return router;
}

/**
 * A signed URL's parts; `'unsigned'` without a signature (a link opened with a login).
 * @throws DomainError NOT_FOUND (`linkGone`) when they cannot be a signed URL's, as a wrong signature would
 */
function signedAccess(id: string, query: Record<string, unknown>): SignedAccess | 'unsigned' {
  const signature = stringParam(query.sig);
  if (signature === undefined) return 'unsigned';
  const tenant = stringParam(query.tenant);
  const expires = stringParam(query.expires);
  if (tenant === undefined || expires === undefined || !/^\d{1,15}$/.test(expires)) throw linkGone(id);
  return { tenant: tenant as TenantId, expiresAt: new Date(Number(expires)), signature };
}

/** `/links/{linkId}/results`: a signed URL opens without a login; without a signature, `authenticateCaller` runs. */
export function linkResultsRouter(links: ResultLinkService, authenticateCaller: RequestHandler): Router {
  const router = Router();
  router
    .route('/:linkId/results')
    .get(
      async (req, res, next) => {
        const access = signedAccess(req.params.linkId, req.query);
        if (access === 'unsigned') {
          next();
          return;
        }
        sendTree(res, 200, encodeInvocationResults(await links.resultsBySignature(req.params.linkId, access)));
      },
      authenticateCaller,
      async (req, res) => sendTree(res, 200, encodeInvocationResults(await links.resultsFor(callerOf(res), req.params.linkId))),
    )
    .all(methodNotAllowed(['GET']));
  return router;
}
