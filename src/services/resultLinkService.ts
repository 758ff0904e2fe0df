/**
 * Sharing a run's results by link (seed 002's `publishLink` and its access scopes; see `src/domain/resultLinks.ts`).
 * Only the run's creator creates, lists and revokes its links; at most `MAX_LINKS_PER_RUN` per run, each expiring
 * within `LINK_LIFETIME.maxSeconds`. Reading through a link serves the run's results as `GET /runs/{id}/results`
 * does, so a purged run's links end with it, and only while the link's creator may still read runs there. Every way a link can fail to open answers the same 404 (`linkGone`).
 */
import { DomainError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { holdsPermission, type Caller } from '../domain/access.js';
import { isLinkExpired, LINK_LIFETIME, linkGone, MAX_LINKS_PER_RUN, type LinkScope, type ResultLink } from '../domain/resultLinks.js';
import type { RunResults } from '../domain/runs.js';
import type { TenantId } from '../domain/types.js';
import type { Clock } from '../store/queryRules.js';
import type { ResultLinkStore } from '../store/resultLinkTypes.js';
import type { RunStore } from '../store/runTypes.js';
import type { LinkSigner } from './resultLinkSigner.js';
import type { RunService } from './runService.js';

export interface ResultLinkDeps {
  links: ResultLinkStore;
  runs: RunStore;
  runService: RunService;
  signer: LinkSigner;
  /** Who `username` is in `tenant` now (`undefined`: disabled, or no longer acting there), as a request would be. */
  callerIn: (username: string, tenant: TenantId) => Promise<Caller | undefined>;
  now: Clock;
}

/** A link with what its URL needs: a public link's signature. */
export interface SharedLink {
  link: ResultLink;
  expired: boolean;
  signature?: string;
}

/** What a public URL carries besides the link's id. */
export interface SignedAccess {
  tenant: TenantId;
  expiresAt: Date;
  signature: string;
}

export class ResultLinkService {
  readonly #deps: ResultLinkDeps;

  constructor(deps: ResultLinkDeps) {
    this.#deps = deps;
  }

  #shared(link: ResultLink): SharedLink {
    return {
      link,
      expired: isLinkExpired(link, this.#deps.now()),
      ...(link.scope === 'public' && { signature: this.#deps.signer.sign(link.tenant, link.id, link.expiresAt) }),
    };
  }

  /** The run, when `caller` created it: only a run's owner shares its results. */
  async #ownRun(caller: Caller, runId: string): Promise<void> {
    const run = await this.#deps.runs.get(caller.tenant, runId);
    if (run === undefined) throw new NotFoundError('Run', runId);
    if (run.createdBy !== caller.user) throw new ForbiddenError(`Only the run's creator (${run.createdBy}) may share or list links to its results`);
  }

  async create(caller: Caller, runId: string, request: { scope: LinkScope; expiresInSeconds: number }): Promise<SharedLink> {
    if (!Number.isInteger(request.expiresInSeconds) || request.expiresInSeconds < 1 || request.expiresInSeconds > LINK_LIFETIME.maxSeconds) {
      throw new ValidationError(`A link expires within 1 to ${LINK_LIFETIME.maxSeconds} seconds`, [
        { path: 'resultLink/expiresIn', message: `must be 1 to ${LINK_LIFETIME.maxSeconds}` },
      ]);
    }
    await this.#ownRun(caller, runId);
    const existing = await this.#deps.links.list(caller.tenant, runId);
    if (existing.length >= MAX_LINKS_PER_RUN) {
      throw new DomainError('CONFLICT', `Run '${runId}' has ${existing.length} links, the most a run may have: revoke one first`);
    }
    const now = this.#deps.now();
    const expiresAt = new Date(now.getTime() + request.expiresInSeconds * 1000);
    const link = await this.#deps.links.create(caller.tenant, { runId, scope: request.scope, createdBy: caller.user, expiresAt }, now);
    return this.#shared(link);
  }

  async list(caller: Caller, runId: string): Promise<SharedLink[]> {
    await this.#ownRun(caller, runId);
    return (await this.#deps.links.list(caller.tenant, runId)).map((link) => this.#shared(link));
  }

  /** Revoking deletes the link: it opens no more, whatever its scope. */
  async revoke(caller: Caller, runId: string, id: string): Promise<void> {
    await this.#ownRun(caller, runId);
    if (!(await this.#deps.links.delete(caller.tenant, runId, id))) throw linkGone(id);
  }

  /**
   * The results behind a link, for a logged-in caller acting in the link's tenant: a `tenant` or `public` link
   * opens for any of them, a `private` one only for callers who may read runs (`runs` `R`), as `/runs/{id}/results`.
   */
  async resultsFor(caller: Caller, id: string): Promise<RunResults> {
    const link = await this.#deps.links.get(caller.tenant, id);
    if (link === undefined || isLinkExpired(link, this.#deps.now())) throw linkGone(id);
    if (link.scope === 'private' && !holdsPermission(caller.permissions, 'runs', 'read')) {
      throw new ForbiddenError('This link is private: opening it needs the right to read runs');
    }
    return this.#resultsOf(link);
  }

  /** The results behind a public link's signed URL, without a login: the signature first, then the stored link. */
  async resultsBySignature(id: string, access: SignedAccess): Promise<RunResults> {
    const { tenant, expiresAt, signature } = access;
    if (!this.#deps.signer.verify(tenant, id, expiresAt, signature) || isLinkExpired({ expiresAt }, this.#deps.now())) throw linkGone(id);
    const link = await this.#deps.links.get(tenant, id);
    // The stored link decides too: revoked (deleted), or not public, or another expiry, it does not open.
    if (link === undefined || link.scope !== 'public' || link.expiresAt.getTime() !== expiresAt.getTime()) throw linkGone(id);
    return this.#resultsOf(link);
  }

  /**
   * A link shares what its creator may read, so it opens only while they still could: an enabled user in an
   * enabled tenant they belong to, with `runs` `R` there. Else a link would outlive the rights it was made with.
   */
  async #resultsOf(link: ResultLink): Promise<RunResults> {
    const creator = await this.#deps.callerIn(link.createdBy, link.tenant);
    if (creator === undefined || !holdsPermission(creator.permissions, 'runs', 'read')) throw linkGone(link.id);
    try {
      return await this.#deps.runService.results(link.tenant, link.runId);
    } catch (err) {
      // A purged run ends its links; one with no results yet says so.
      if (err instanceof NotFoundError) throw linkGone(link.id);
      throw err;
    }
  }
}
