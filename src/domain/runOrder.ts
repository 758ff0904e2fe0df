/**
 * The order in which a tenant's runs of different doc types start when posted together (seed 003's execution order
 * Block → Chain → Wholesaler → Customer): a run of a later doc type follows every run of an earlier one that is
 * still active in its tenant when it is posted (see `Run.after`). Configured with `RUN_ORDER`, for instance
 * `default:Block,Chain,Wholesaler,Customer;*:Person,Organization`, where `*` stands for every tenant not named.
 * Doc types compare in any case, as `forDocTypes` do. Pure: no I/O.
 */
import type { TenantId } from './types.js';

/** Doc types in order, in lower case, by tenant (`*`: every other tenant). */
export type RunOrder = ReadonlyMap<string, readonly string[]>;

export const ANY_TENANT = '*';

/** No order: runs start as soon as they are posted, unless they name runs to follow. */
export const NO_RUN_ORDER: RunOrder = new Map();

/**
 * Reads `RUN_ORDER`: `tenant:DocType,DocType,…` entries separated by `;` (blanks around names ignored).
 * @throws Error saying what is wrong: an entry without `:`, a tenant named twice, a doc type listed twice or blank
 */
export function parseRunOrder(text: string): RunOrder {
  const order = new Map<string, string[]>();
  for (const entry of text.split(';').map((part) => part.trim()).filter((part) => part !== '')) {
    const colon = entry.indexOf(':');
    const tenant = entry.slice(0, colon).trim();
    if (colon < 0 || tenant === '') throw new Error(`'${entry}' is not 'tenant:DocType,DocType,…'`);
    if (order.has(tenant)) throw new Error(`tenant '${tenant}' is given twice`);
    const docTypes = entry.slice(colon + 1).split(',').map((type) => type.trim().toLowerCase());
    if (docTypes.some((type) => type === '')) throw new Error(`'${entry}' has a blank doc type`);
    const repeated = docTypes.find((type, index) => docTypes.indexOf(type) !== index);
    if (repeated !== undefined) throw new Error(`'${entry}' lists '${repeated}' twice`);
    order.set(tenant, docTypes);
  }
  return order;
}

/** The doc types whose active runs a new run of `docType` in `tenant` follows: those before it in the tenant's order. */
export function earlierDocTypes(order: RunOrder, tenant: TenantId, docType: string | undefined): string[] {
  const docTypes = order.get(tenant) ?? order.get(ANY_TENANT) ?? [];
  const position = docType === undefined ? -1 : docTypes.indexOf(docType.trim().toLowerCase());
  return position <= 0 ? [] : docTypes.slice(0, position);
}
