/**
 * Where every path that makes a plugin run asks the invoke rule (`invokeRefusal`, src/domain/access.ts): invokes
 * (at once, in the background, open runs), added items, close, rerun, schedules (created, and at each firing),
 * multi-tenant invokes, and the run worker taking a run up as its creator. It gathers the facts the rule needs (the
 * definition, the user's active runs) and turns a refusal into its error. What passes comes out as an
 * `InvokeGrant`, the only thing `InvocationService.prepare` accepts: no path reaches plugin code unchecked, and no
 * option or missing field says "checked elsewhere".
 */
import { holdsInvokePermission, invokeRefusal, type Caller, type InvokeRefusal } from '../domain/access.js';
import { ForbiddenError, NotFoundError, RunLimitError } from '../domain/errors.js';
import type { StoredDefinition, TenantId } from '../domain/types.js';
import type { RunStore } from '../store/runTypes.js';
import type { DefinitionStore } from '../store/types.js';

/**
 * Who makes a plugin run: a user as authentication (or `AuthService.callerIn`) just found them, enabled and acting
 * in an enabled tenant they belong to, with the roles and permissions they hold there now. Every field is needed by
 * the rule, so none is optional.
 */
export type InvocationCaller = Pick<Caller, 'tenant' | 'user' | 'roles' | 'permissions'>;

declare const granted: unique symbol;

/**
 * `caller` passed the invoke rule for `definition`. Only `InvokeAuthorizer.authorize` makes one: the brand is a
 * type-only symbol this module does not export, so any other grant needs a visible cast.
 */
export interface InvokeGrant {
  readonly caller: InvocationCaller;
  readonly definition: StoredDefinition;
  readonly [granted]: true;
}

export interface InvokeAuthorizerOptions {
  /** Runs one user may have active (Waiting, Queued or InProgress) in a tenant at once; 0: no limit. `MAX_ACTIVE_RUNS_PER_USER` @defaultValue 0 */
  maxActivePerUser: number;
  /** The `Retry-After` a refusal for the active-run limit suggests, in seconds. @defaultValue 30 */
  retryAfterSeconds: number;
}

export const INVOKE_AUTHORIZER_DEFAULTS = { maxActivePerUser: 0, retryAfterSeconds: 30 } as const satisfies InvokeAuthorizerOptions;

export interface InvokeAuthorizerDeps {
  definitions: Pick<DefinitionStore, 'get'>;
  runs: Pick<RunStore, 'list'>;
  options?: Partial<InvokeAuthorizerOptions>;
}

/** Whether the request creates or restarts work (a run, a rerun), to which the active-run limit applies. */
export interface InvokeOccasion {
  startsWork: boolean;
}

export class InvokeAuthorizer {
  readonly #deps: InvokeAuthorizerDeps;
  readonly #options: InvokeAuthorizerOptions;

  constructor(deps: InvokeAuthorizerDeps) {
    this.#deps = deps;
    this.#options = { ...INVOKE_AUTHORIZER_DEFAULTS, ...deps.options };
  }

  /**
   * The grant to run definition `csid` for `caller`.
   * @throws ForbiddenError without the `invoke` permission (before anything is read, so the refusal says nothing of
   *   which jobs exist) or when the definition's restrictions leave the caller out
   * @throws NotFoundError when there is no such definition in the caller's tenant
   * @throws RunLimitError when the request starts work and the caller already has as many active runs as allowed
   */
  async authorize(caller: InvocationCaller, csid: string, occasion: InvokeOccasion): Promise<InvokeGrant> {
    if (!holdsInvokePermission(caller.permissions)) throw refused('invoke-permission', caller);
    const definition = await this.#deps.definitions.get(caller.tenant, csid);
    if (definition === undefined) throw new NotFoundError('Batch job', csid);
    const limit = this.#options.maxActivePerUser;
    const active = occasion.startsWork ? await this.#activeRuns(caller.tenant, caller.user) : undefined;
    const refusal = invokeRefusal(caller, definition.definition, active && { count: active.count, limit });
    switch (refusal) {
      case undefined:
        return { caller, definition } as InvokeGrant;
      case 'active-run-limit':
        throw new RunLimitError(caller.user, active?.latest, this.#options.retryAfterSeconds, limit);
      default:
        throw refused(refusal, caller, definition.definition.name);
    }
  }

  /**
   * The active-run limit alone, for the user a restarted run counts against when someone else restarts it (a
   * rerun acts as the run's creator).
   * @throws RunLimitError when `user` already has as many active runs as allowed, without naming their run: the
   *   requester is someone else, who may not see it
   */
  async refuseOverLimit(tenant: TenantId, user: string): Promise<void> {
    const limit = this.#options.maxActivePerUser;
    if (limit <= 0) return;
    const { count } = await this.#activeRuns(tenant, user);
    if (count >= limit) throw new RunLimitError(user, undefined, this.#options.retryAfterSeconds, limit);
  }

  /** How many runs `user` has active in `tenant`, and the latest one's id (for the refusal); not read when there is no limit. */
  async #activeRuns(tenant: TenantId, user: string): Promise<{ count: number; latest: string | undefined }> {
    if (this.#options.maxActivePerUser <= 0) return { count: 0, latest: undefined };
    const page = await this.#deps.runs.list(tenant, { createdBy: user, activeOnly: true, paging: { pageNum: 0, pageSize: 1 } });
    return { count: page.totalItems, latest: page.items[0]?.id };
  }
}

/** The refusal as its error, naming the user (a schedule or a run shows it to others too), never the roles that would allow it. */
function refused(refusal: Exclude<InvokeRefusal, 'active-run-limit'>, caller: InvocationCaller, job?: string): ForbiddenError {
  return refusal === 'invoke-permission'
    ? new ForbiddenError(`User '${caller.user}' is not allowed to invoke batch jobs in tenant '${caller.tenant}'`)
    : new ForbiddenError(`User '${caller.user}' is not allowed to run the batch job '${job}'`);
}
