import type { Collection, Filter } from 'mongodb';
import type { LinkScope, ResultLink } from '../../domain/resultLinks.js';
import type { TenantId } from '../../domain/types.js';
import { newLinkId, requireString } from '../queryRules.js';
import type { NewResultLink, ResultLinkStore } from '../resultLinkTypes.js';

/** `_id` is the link id. `MongoRunStore.purge` deletes a purged run's links. */
export interface ResultLinkDocument {
  _id: string;
  tenantId: string;
  runId: string;
  scope: LinkScope;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
}

function toLink(document: ResultLinkDocument): ResultLink {
  const { _id, tenantId, ...facts } = document;
  return { id: _id, tenant: tenantId as TenantId, ...facts };
}

export class MongoResultLinkStore implements ResultLinkStore {
  readonly #links: Collection<ResultLinkDocument>;

  constructor(links: Collection<ResultLinkDocument>) {
    this.#links = links;
  }

  #ofRun(tenant: TenantId, runId: string): Filter<ResultLinkDocument> {
    return { tenantId: requireString(tenant, 'tenant'), runId: requireString(runId, 'runId') };
  }

  async create(tenant: TenantId, link: NewResultLink, now: Date): Promise<ResultLink> {
    const document: ResultLinkDocument = {
      _id: newLinkId(),
      tenantId: requireString(tenant, 'tenant'),
      runId: requireString(link.runId, 'runId'),
      scope: link.scope,
      createdBy: link.createdBy,
      createdAt: now,
      expiresAt: link.expiresAt,
    };
    await this.#links.insertOne(document);
    return toLink(document);
  }

  async get(tenant: TenantId, id: string): Promise<ResultLink | undefined> {
    const document = await this.#links.findOne({ _id: requireString(id, 'id'), tenantId: requireString(tenant, 'tenant') });
    return document === null ? undefined : toLink(document);
  }

  async list(tenant: TenantId, runId: string): Promise<ResultLink[]> {
    return (await this.#links.find(this.#ofRun(tenant, runId)).sort({ createdAt: -1, _id: -1 }).toArray()).map(toLink);
  }

  async delete(tenant: TenantId, runId: string, id: string): Promise<boolean> {
    return (await this.#links.deleteOne({ ...this.#ofRun(tenant, runId), _id: requireString(id, 'id') })).deletedCount > 0;
  }
}
