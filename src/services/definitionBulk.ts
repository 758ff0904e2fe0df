/**
 * Bulk administration of definitions (OSID JobBatchAdminSession's createJobs, updateJobs, deleteJobs, aliasJobs):
 * the entries of one request, one after another in the order sent, each answered on its own. A domain error of an
 * entry (invalid, not found, stale revision) is its answer; anything else (the store failing) fails the request,
 * as the OSID's OPERATION_FAILED.
 */
import type { BulkEntry, BulkRequest, BulkResponse } from '../domain/bulkAdmin.js';
import { DomainError } from '../domain/errors.js';
import type { TenantId } from '../domain/types.js';
import type { DefinitionService, Precondition } from './definitionService.js';

function atRevision(revision: number | undefined): { precondition?: Precondition } {
  return revision === undefined ? {} : { precondition: (current) => current.core.revision === revision };
}

async function apply(definitions: DefinitionService, tenant: TenantId, request: BulkRequest, actor: string): Promise<Omit<BulkResponse, 'formId' | 'operation'>> {
  switch (request.operation) {
    case 'create':
      return { csid: (await definitions.create(tenant, request.definition, actor)).csid };
    case 'update': {
      const updated = await definitions.update(tenant, request.id, request.update, { actor, ...atRevision(request.revision) });
      return { csid: updated.csid };
    }
    case 'delete':
      return { csid: await definitions.delete(tenant, request.id, atRevision(request.revision)) };
    case 'alias':
      return { alias: request.alias, ...(await definitions.alias(tenant, request.alias, request.id)) };
  }
}

export async function applyBulk(definitions: DefinitionService, tenant: TenantId, entries: readonly BulkEntry[], actor: string): Promise<BulkResponse[]> {
  const responses: BulkResponse[] = [];
  for (const { formId, operation, request } of entries) {
    if (request instanceof DomainError) {
      responses.push({ formId, operation, error: request });
      continue;
    }
    try {
      responses.push({ formId, operation, ...(await apply(definitions, tenant, request, actor)) });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      responses.push({ formId, operation, error: err });
    }
  }
  return responses;
}
