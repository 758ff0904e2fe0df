/**
 * Query-string readers the list routes share. Express hands a parameter over as a string, an array (when
 * repeated) or an object (`a[b]=`), so each reader says what it makes of the other shapes.
 */
import { parseAdvancedSearch } from '../codec/nxqlParser.js';
import { ADVANCED_SEARCH_PARAM, type ParsedCondition } from '../domain/advancedSearch.js';
import { ValidationError } from '../domain/errors.js';
import { resolvePaging, type Paging } from '../domain/paging.js';

/** A parameter's trimmed text; `undefined` when absent, blank, repeated or nested. */
export function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** CollectionSpace paging (`pgSz`, `pgNum`), validated by `resolvePaging`. */
export function pagingOf(query: Record<string, unknown>): Paging {
  return resolvePaging({ pgSz: query.pgSz, pgNum: query.pgNum });
}

/** The parsed `as` (advanced search) condition; `undefined` when absent or blank, as cspace-ui leaves it out. */
export function advancedSearchOf(query: Record<string, unknown>): ParsedCondition | undefined {
  const raw = query[ADVANCED_SEARCH_PARAM];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') {
    throw new ValidationError('as may be given once', [{ path: ADVANCED_SEARCH_PARAM, message: 'is repeated or nested' }]);
  }
  return raw.trim() === '' ? undefined : parseAdvancedSearch(raw);
}
