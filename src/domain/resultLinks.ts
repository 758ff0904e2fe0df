/**
 * Links to a run's results (seed 002's `publishLink` with its `publishLinkAccessScope`): the run's creator shares
 * its results with a scope. `private`: whoever may read the run's results as usual (`runs` `R`); `tenant`: any
 * user acting in the run's tenant; `public`: anyone holding the signed URL, no login. Every link expires; deleting
 * it (revoking) or purging its run ends it.
 */
import { DomainError } from './errors.js';
import type { TenantId } from './types.js';

export const LINK_SCOPES = ['private', 'tenant', 'public'] as const;
export type LinkScope = (typeof LINK_SCOPES)[number];

export function isLinkScope(value: unknown): value is LinkScope {
  return typeof value === 'string' && (LINK_SCOPES as readonly string[]).includes(value);
}

export interface ResultLink {
  id: string;
  tenant: TenantId;
  runId: string;
  scope: LinkScope;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
}

/** Lifetimes a link may be given, in seconds: a day unless asked, never more than 30 days. */
export const LINK_LIFETIME = { defaultSeconds: 86_400, maxSeconds: 30 * 86_400 } as const;

/** Links one run may have at once, expired ones included until revoked or purged with the run. */
export const MAX_LINKS_PER_RUN = 20;

export function isLinkExpired(link: Pick<ResultLink, 'expiresAt'>, now: Date): boolean {
  return link.expiresAt.getTime() <= now.getTime();
}

/**
 * Every way a link can fail to open (unknown, another tenant's, revoked, expired, a bad or altered signature, its run
 * purged) gets this one answer, so that nothing about links can be probed.
 */
export function linkGone(id: string): DomainError {
  return new DomainError('NOT_FOUND', `No result link '${id}', or it no longer opens`);
}
