/**
 * Query-string readers the list routes share. Express hands a parameter over as a string, an array (when
 * repeated) or an object (`a[b]=`), so each reader says what it makes of the other shapes.
 */
import { resolvePaging, type Paging } from '../domain/paging.js';

/** A parameter's trimmed text; `undefined` when absent, blank, repeated or nested. */
export function stringParam(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** CollectionSpace paging (`pgSz`, `pgNum`), validated by `resolvePaging`. */
export function pagingOf(query: Record<string, unknown>): Paging {
  return resolvePaging({ pgSz: query.pgSz, pgNum: query.pgNum });
}
