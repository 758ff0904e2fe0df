/**
 * Storage of links to runs' results (see `src/domain/resultLinks.ts`). A link belongs to its run: purging the run
 * deletes its links (SQLite's foreign key, MongoDB's purge). Engines implement it in
 * `sqlite/SqliteResultLinkStore.ts` and `mongo/MongoResultLinkStore.ts` and pass `test/store/resultLinkStoreConformance.ts`.
 */
import type { ResultLink } from '../domain/resultLinks.js';
import type { TenantId } from '../domain/types.js';

/** A link's facts as its creator gives them; the store adds its id, tenant and creation time. */
export type NewResultLink = Pick<ResultLink, 'runId' | 'scope' | 'createdBy' | 'expiresAt'>;

export interface ResultLinkStore {
  /** Stores a link under a fresh, unguessable id (128 random bits). The run must exist in this tenant. */
  create(tenant: TenantId, link: NewResultLink, now: Date): Promise<ResultLink>;
  /** The link, or `undefined` when there is none with that id in this tenant. */
  get(tenant: TenantId, id: string): Promise<ResultLink | undefined>;
  /** Every link of the run, newest first (a run has few: `MAX_LINKS_PER_RUN`). */
  list(tenant: TenantId, runId: string): Promise<ResultLink[]>;
  /** Revokes the link by deleting it; `false` when the run has no such link. */
  delete(tenant: TenantId, runId: string, id: string): Promise<boolean>;
}
