/**
 * What runs follow on SQLite (`runs.follows`, a JSON array of ids, and `runs.doc_type_key`, migration 13): the runs a
 * new run follows, their statuses for `waitDecision`, and the waiting runs that follow a run. Called inside the run
 * store's write transactions, so a new run's decision and its insert are one atomic step.
 */
import { ACTIVE_RUN_STATUSES, type FollowedRun, type RunId, type RunStatus } from '../../domain/runs.js';
import type { TenantId } from '../../domain/types.js';
import { docTypeKey, followedRuns, unknownFollowed } from '../runRules.js';
import type { NewRun } from '../runTypes.js';
import { sqlList } from './runSql.js';
import type { StatementCache } from './statements.js';

const ACTIVE = sqlList(ACTIVE_RUN_STATUSES);

const FOLLOW_SQL = {
  // Of the ids given (a JSON array), those not stored in the tenant.
  unknownRuns: 'SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM runs WHERE tenant_id = ?)',
  // The tenant's active runs of the given doc types (a JSON array of keys), oldest first: what a new run follows.
  activeOfDocTypes: `SELECT id FROM runs WHERE tenant_id = @tenantId AND status IN ${ACTIVE}
      AND doc_type_key IN (SELECT value FROM json_each(@docTypes))
    ORDER BY created_at, id`,
  // The followed runs (a JSON array of ids) with their statuses, in order; a purged one has none.
  statuses: `SELECT followed.value AS id, runs.status AS status
    FROM json_each(@follows) AS followed LEFT JOIN runs ON runs.id = followed.value AND runs.tenant_id = @tenantId
    ORDER BY followed.key`,
  // Who created the runs given (a JSON array of ids) that the tenant still has.
  creators: `SELECT runs.id AS id, runs.created_by AS createdBy FROM json_each(@ids) AS given
    JOIN runs ON runs.id = given.value AND runs.tenant_id = @tenantId`,
  // Active runs are few: the status index finds the waiting ones, whose short lists are read. Named, since the
  // statistics cannot tell the planner that few runs wait (it took the tenant's index, and read all its runs).
  followers: `SELECT id FROM runs INDEXED BY runs_by_status WHERE status = 'Waiting' AND tenant_id = ?
      AND EXISTS (SELECT 1 FROM json_each(runs.follows) WHERE value = ?)
    ORDER BY created_at, id`,
} as const;

type FollowStatements = { [K in keyof typeof FOLLOW_SQL]: ReturnType<StatementCache['prepare']> };

export class SqliteRunFollows {
  readonly #sql: FollowStatements;

  constructor(statements: StatementCache) {
    this.#sql = Object.fromEntries(Object.entries(FOLLOW_SQL).map(([name, text]) => [name, statements.prepare(text)])) as FollowStatements;
  }

  /** The runs a new run follows, those it names checked to be in the tenant (see `NewRun.after`). */
  forNewRun(tenant: TenantId, input: NewRun): RunId[] {
    const after = input.after ?? [];
    const missing = after.length === 0 ? [] : (this.#sql.unknownRuns.pluck().all(JSON.stringify(after), tenant) as string[]);
    if (missing.length > 0) throw unknownFollowed(missing);
    const docTypes = (input.afterDocTypes ?? []).map((type) => docTypeKey(type));
    const ordered = docTypes.length === 0 ? [] : (this.#sql.activeOfDocTypes.pluck().all({ tenantId: tenant, docTypes: JSON.stringify(docTypes) }) as string[]);
    return followedRuns(after, ordered);
  }

  /** The statuses of the runs `follows` names, in order, for `waitDecision`. */
  statuses(tenant: TenantId, follows: readonly string[]): FollowedRun[] {
    if (follows.length === 0) return [];
    const rows = this.#sql.statuses.all({ follows: JSON.stringify(follows), tenantId: tenant }) as Array<{ id: string; status: string | null }>;
    return rows.map((row) => ({ id: row.id as RunId, status: (row.status ?? undefined) as RunStatus | undefined }));
  }

  /** The waiting runs that follow run `id`, oldest first. */
  followers(tenant: TenantId, id: string): RunId[] {
    return this.#sql.followers.pluck().all(tenant, id) as RunId[];
  }

  /** Who created each of the runs `ids` names that the tenant still has. */
  creators(tenant: TenantId, ids: readonly string[]): Map<RunId, string> {
    if (ids.length === 0) return new Map();
    const rows = this.#sql.creators.all({ ids: JSON.stringify(ids), tenantId: tenant }) as Array<{ id: RunId; createdBy: string }>;
    return new Map(rows.map((row) => [row.id, row.createdBy]));
  }
}
