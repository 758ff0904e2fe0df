/**
 * `GET /batch` query parameters (CollectionSpace names): `doctype`, `mode` (repeatable; legacy alias `inv`),
 * `classname`, `combine=or`, `wf_deleted`, `wf_only_deleted`, `pgSz`, `pgNum`, `sortBy` (`name` or `updatedAt`, optionally
 * prefixed with the part as CollectionSpace clients send it, optionally followed by ` ASC`/` DESC`), and `as`
 * (advanced search, AND-ed with the other filters).
 */
import { someOf, ValidationError } from '../domain/errors.js';
import { resolvePaging } from '../domain/paging.js';
import { resolveDefinitionSearch } from '../domain/searchFields.js';
import { INVOCATION_MODES, isInvocationMode, type InvocationMode } from '../domain/types.js';
import type { DefinitionQuery, SortDirection } from '../store/types.js';
import { advancedSearchOf } from './queryParams.js';

type RawQuery = Record<string, unknown>;

function values(raw: unknown): string[] {
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).map((value) => String(value).trim()).filter((value) => value !== '');
}

function single(query: RawQuery, param: string): string | undefined {
  const all = values(query[param]);
  if (all.length > 1) throw new ValidationError(`${param} may be given once`, [{ path: param, message: 'is repeated' }]);
  return all[0];
}

function modes(query: RawQuery): InvocationMode[] {
  const requested = [...values(query.mode), ...values(query.inv)].map((mode) => mode.toLowerCase());
  const unknown = requested.filter((mode) => !isInvocationMode(mode));
  if (unknown.length > 0) {
    throw new ValidationError('Unknown invocation mode in the list filter', [
      { path: 'mode', message: `${someOf(unknown)} ${unknown.length === 1 ? 'is' : 'are'} not one of ${INVOCATION_MODES.join(', ')}` },
    ]);
  }
  return [...new Set(requested)] as InvocationMode[];
}

const SORT_FIELDS = {
  name: 'name',
  'batch_common:name': 'name',
  updatedat: 'updatedAt',
  'collectionspace_core:updatedat': 'updatedAt',
} as const;

function sort(query: RawQuery): NonNullable<DefinitionQuery['sort']> {
  const sortBy = single(query, 'sortBy');
  if (sortBy === undefined) return { field: 'updatedAt', direction: 'desc' };
  const [field = '', order, ...rest] = sortBy.split(/\s+/);
  const resolved = SORT_FIELDS[field.toLowerCase() as keyof typeof SORT_FIELDS];
  const direction = (order ?? 'asc').toLowerCase();
  if (resolved === undefined || rest.length > 0 || (direction !== 'asc' && direction !== 'desc')) {
    throw new ValidationError('Unsupported sortBy', [
      { path: 'sortBy', message: `'${sortBy}' is not 'name' or 'updatedAt', optionally followed by ASC or DESC` },
    ]);
  }
  return { field: resolved, direction: direction as SortDirection };
}

function flag(query: RawQuery, param: string): boolean | undefined {
  const value = single(query, param)?.toLowerCase();
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new ValidationError(`Unsupported ${param}`, [{ path: param, message: `'${value}' is not 'true' or 'false'` }]);
  }
  return value === 'true';
}

/** CollectionSpace's workflow parameters: `wf_deleted=false` hides soft-deleted definitions, `wf_only_deleted=true` lists only them. */
function workflow(query: RawQuery): DefinitionQuery['workflow'] {
  if (flag(query, 'wf_only_deleted') === true) return 'deleted';
  return flag(query, 'wf_deleted') === false ? 'active' : undefined;
}

export function parseDefinitionListQuery(query: RawQuery): DefinitionQuery {
  const result: DefinitionQuery = {
    modes: modes(query),
    combine: single(query, 'combine')?.toLowerCase() === 'or' ? 'or' : 'and',
    sort: sort(query),
    paging: resolvePaging({ pgSz: single(query, 'pgSz'), pgNum: single(query, 'pgNum') }),
  };
  const docType = single(query, 'doctype');
  const className = single(query, 'classname');
  const advancedSearch = advancedSearchOf(query);
  const workflowFilter = workflow(query);
  if (workflowFilter !== undefined) result.workflow = workflowFilter;
  if (docType !== undefined) result.docType = docType;
  if (className !== undefined) result.className = className;
  if (advancedSearch !== undefined) result.advancedSearch = resolveDefinitionSearch(advancedSearch);
  return result;
}
