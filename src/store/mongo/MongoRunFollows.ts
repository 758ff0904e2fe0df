/**
 * What runs follow on MongoDB (a run document's `follows` ids and `docTypeKey`): the runs a new run follows, their
 * statuses for `waitDecision`, and the waiting runs that follow a run (index `follows_status`). Without a
 * transaction, a new run is decided just before it is stored; its own wake decides again (`RunStore.resolveWait`).
 */
import type { Collection } from 'mongodb';
import { ACTIVE_RUN_STATUSES, RUN_STATUS, type FollowedRun, type RunId, type RunStatus } from '../../domain/runs.js';
import type { TenantId } from '../../domain/types.js';
import { requireString } from '../queryRules.js';
import { docTypeKey, followedRuns, unknownFollowed } from '../runRules.js';
import type { NewRun } from '../runTypes.js';

/** The run document's fields this class reads (`RunDocument` has them). */
export interface RunFollowsFields {
  _id: string;
  tenantId: string;
  status: RunStatus;
  createdBy: string;
  createdAt: Date;
  docTypeKey?: string | null;
  follows?: string[];
}

const ACTIVE = [...ACTIVE_RUN_STATUSES];

export class MongoRunFollows<T extends RunFollowsFields> {
  readonly #runs: Collection<RunFollowsFields>;

  constructor(runs: Collection<T>) {
    // Seen through the fields read here: the driver's filter types do not narrow a generic document type.
    this.#runs = runs as unknown as Collection<RunFollowsFields>;
  }

  /** The runs a new run follows, those it names checked to be in the tenant (see `NewRun.after`). */
  async forNewRun(tenant: TenantId, input: NewRun): Promise<RunId[]> {
    const tenantId = requireString(tenant, 'tenant');
    const after = (input.after ?? []).map((id) => requireString(id, 'after'));
    if (after.length > 0) {
      const found = await this.#runs.find({ _id: { $in: after }, tenantId }, { projection: { _id: 1 } }).toArray();
      const known = new Set(found.map((doc) => doc._id));
      const missing = after.filter((id) => !known.has(id));
      if (missing.length > 0) throw unknownFollowed(missing);
    }
    const docTypes = (input.afterDocTypes ?? []).map((type) => docTypeKey(requireString(type, 'afterDocTypes')));
    const ordered =
      docTypes.length === 0
        ? []
        : await this.#runs
            .find({ tenantId, status: { $in: ACTIVE }, docTypeKey: { $in: docTypes } }, { projection: { _id: 1 } })
            .sort({ createdAt: 1, _id: 1 })
            .toArray();
    return followedRuns(after, ordered.map((doc) => doc._id));
  }

  /** The statuses of the runs `follows` names, in order, for `waitDecision`; a purged one has none. */
  async statuses(tenant: TenantId, follows: readonly string[]): Promise<FollowedRun[]> {
    if (follows.length === 0) return [];
    const docs = await this.#runs.find({ _id: { $in: [...follows] }, tenantId: requireString(tenant, 'tenant') }, { projection: { status: 1 } }).toArray();
    const statuses = new Map(docs.map((doc) => [doc._id, doc.status]));
    return follows.map((id) => ({ id: id as RunId, status: statuses.get(id) }));
  }

  /** The waiting runs that follow run `id`, oldest first. */
  async followers(tenant: TenantId, id: string): Promise<RunId[]> {
    const docs = await this.#runs
      .find({ status: RUN_STATUS.Waiting, tenantId: requireString(tenant, 'tenant'), follows: requireString(id, 'id') }, { projection: { _id: 1 } })
      .sort({ createdAt: 1, _id: 1 })
      .toArray();
    return docs.map((doc) => doc._id as RunId);
  }

  /** Who created each of the runs `ids` names that the tenant still has. */
  async creators(tenant: TenantId, ids: readonly string[]): Promise<Map<RunId, string>> {
    if (ids.length === 0) return new Map();
    const given = ids.map((id) => requireString(id, 'ids'));
    const docs = await this.#runs.find({ _id: { $in: given }, tenantId: requireString(tenant, 'tenant') }, { projection: { createdBy: 1 } }).toArray();
    return new Map(docs.map((doc) => [doc._id as RunId, doc.createdBy]));
  }
}
