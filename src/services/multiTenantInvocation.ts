/**
 * Seed 003's multi-tenant batch: one request starts a background run of the same job (found by `className`, as
 * csids differ per tenant) in each listed tenant the caller may act in, as the user is in that tenant (their roles
 * there): each start passes the whole invoke rule (`RunService.start`). Each tenant succeeds or fails on its own;
 * a problem in one never stops the others.
 */
import type { Logger } from 'pino';
import type { MultiTenantInvocation, MultiTenantOutcome } from '../codec/multiTenantDocument.js';
import { holdsInvokePermission, type Caller } from '../domain/access.js';
import { DomainError, quoted, ValidationError } from '../domain/errors.js';
import { repeatedValues } from '../domain/lists.js';
import type { TenantId } from '../domain/types.js';
import type { DefinitionStore } from '../store/types.js';
import type { RunService } from './runService.js';

export interface MultiTenantDeps {
  runs: RunService;
  definitions: DefinitionStore;
  /** The caller a user is in another tenant, or `undefined` when they may not act there. */
  callerIn(username: string, tenant: string): Promise<Caller | undefined>;
  logger: Logger;
}

export async function invokeAcrossTenants(
  deps: MultiTenantDeps,
  caller: Caller,
  request: MultiTenantInvocation,
): Promise<MultiTenantOutcome> {
  const [repeated] = repeatedValues(request.tenants);
  if (repeated !== undefined) {
    throw new ValidationError('A tenant is listed twice', [{ path: 'multitenantInvocation/tenants/tenant', message: `${quoted(repeated)} is repeated` }]);
  }
  // Run ids belong to one tenant; runs posted in several follow each tenant's own order (`RUN_ORDER`) instead.
  if ((request.context.after ?? []).length > 0) {
    throw new ValidationError('A run started in several tenants cannot follow runs by id: run ids belong to one tenant', [
      { path: 'multitenantInvocation/invocationContext/after', message: 'is not accepted here' },
    ]);
  }
  const outcome: MultiTenantOutcome = { posted: [], problems: [] };
  for (const tenant of request.tenants) {
    const problem = (message: string) => outcome.problems.push({ tenant, message });
    // Unknown tenants and tenants the caller may not use get the same answer, so the answer reveals neither.
    const tenantCaller = caller.tenants.includes(tenant as TenantId) ? await deps.callerIn(caller.user, tenant) : undefined;
    if (tenantCaller === undefined) {
      problem(`Unable to find tenant by identifier: ${tenant}.`);
      continue;
    }
    // Also checked by `start`; first here so that the job lookup below says nothing to a user who may not invoke.
    if (!holdsInvokePermission(tenantCaller.permissions)) {
      problem('You are not allowed to invoke batch jobs in this tenant.');
      continue;
    }
    const page = await deps.definitions.list(tenantCaller.tenant, {
      className: request.className,
      paging: { pageNum: 0, pageSize: 1 },
    });
    const definition = page.items[0];
    if (definition === undefined) {
      problem(`No batch job with className ${quoted(request.className)} in this tenant.`);
      continue;
    }
    try {
      const run = await deps.runs.start(tenantCaller, definition.csid, request.context);
      outcome.posted.push({ tenant, runId: run.id });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      deps.logger.info({ tenant, code: err.code }, 'multi-tenant invocation refused in one tenant');
      problem(err.message);
    }
  }
  return outcome;
}
