/**
 * Multi-tenant invocation (seed 003): `<multitenantInvocation>` naming a definition by `className`, the
 * `tenants/tenant*` to run it in, and an `invocationContext`; answered with the run started in each tenant
 * (`postedSuccess`) and what went wrong in the others (`postedProblems`).
 */
import multiTenantSchema from '../../schemas/multitenant-invocation.json' with { type: 'json' };
import { asNode, rootNamed } from './documentEnvelope.js';
import { decodeInvocationContext, INVOCATION_CONTEXT_ELEMENT, type InvocationContextPayload } from './invocationContext.js';
import { createSchemaCheck, validationFailed } from './schemaValidator.js';
import { findChildren, pruneEmpty, type DocTree } from './tree.js';

export const MULTITENANT_ELEMENT = 'multitenantInvocation';

export interface MultiTenantInvocation {
  className: string;
  tenants: string[];
  context: InvocationContextPayload;
}

export interface MultiTenantOutcome {
  posted: Array<{ tenant: string; runId: string }>;
  problems: Array<{ tenant: string; message: string }>;
}

interface MultiTenantWire {
  className: string;
  tenants: { tenant: string[] };
}

const checkMultiTenant = createSchemaCheck<MultiTenantWire>(multiTenantSchema, MULTITENANT_ELEMENT);

export function decodeMultiTenantInvocation(tree: DocTree): MultiTenantInvocation {
  const root = rootNamed(tree, MULTITENANT_ELEMENT);
  const node = asNode(root.value, MULTITENANT_ELEMENT, MULTITENANT_ELEMENT);
  const [context] = findChildren(node, INVOCATION_CONTEXT_ELEMENT);
  if (context === undefined) {
    throw validationFailed(MULTITENANT_ELEMENT, [{ path: `${MULTITENANT_ELEMENT}/${INVOCATION_CONTEXT_ELEMENT}`, message: 'is required' }]);
  }
  const wire = checkMultiTenant(pruneEmpty(node) ?? {});
  return {
    className: wire.className,
    tenants: wire.tenants.tenant,
    context: decodeInvocationContext({ [context.key]: context.value }),
  };
}

export function encodeMultiTenantOutcome(outcome: MultiTenantOutcome): DocTree {
  return {
    multitenantInvocationResults: {
      postedSuccess: { posted: outcome.posted.map(({ tenant, runId }) => ({ tenant, runId })) },
      postedProblems: { problem: outcome.problems.map(({ tenant, message }) => ({ tenant, message })) },
    },
  };
}
