/**
 * CollectionSpace list paging: `pgSz` (default 40, capped at 2500, 0 means the cap) and 0-based `pgNum`.
 *
 * A page starts `pgNum × pageSize` items in. That offset must be an exact integer every store takes as one
 * (SQLite's 64-bit OFFSET, MongoDB's skip, our Agenda queries), so it may be at most `Number.MAX_SAFE_INTEGER`;
 * a `pgNum` past that is the client's error (400 naming `pgNum`), never a number the store chokes on.
 */
import { ValidationError } from './errors.js';

export const PAGING_DEFAULTS = { pageSize: 40, maxPageSize: 2500 } as const;

/** The largest item offset (`pgNum × pageSize`) a page may start at. */
export const MAX_PAGE_OFFSET = Number.MAX_SAFE_INTEGER;

export interface Paging {
  pageNum: number;
  pageSize: number;
}

export interface PagingInput {
  pgSz?: unknown;
  pgNum?: unknown;
}

function nonNegativeInteger(value: unknown, param: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) {
    throw new ValidationError(`${param} must be a non-negative integer`, [
      { path: param, message: `'${text}' is not a non-negative integer` },
    ]);
  }
  return Number(text);
}

/** Validates and resolves `pgSz`/`pgNum` query values into an effective page. */
export function resolvePaging(input: PagingInput, defaults = PAGING_DEFAULTS): Paging {
  const requested = nonNegativeInteger(input.pgSz, 'pgSz') ?? defaults.pageSize;
  const pageSize = requested === 0 ? defaults.maxPageSize : Math.min(requested, defaults.maxPageSize);
  const pageNum = nonNegativeInteger(input.pgNum, 'pgNum') ?? 0;
  // Compared as a quotient, since the product itself may already have lost precision.
  const lastPage = Math.floor(MAX_PAGE_OFFSET / pageSize);
  if (pageNum > lastPage) {
    throw new ValidationError(`pgNum is out of range: with a page size of ${pageSize} it may be at most ${lastPage}`, [
      { path: 'pgNum', message: `must be at most ${lastPage} (pgNum × pgSz may be at most ${MAX_PAGE_OFFSET})` },
    ]);
  }
  return { pageNum, pageSize };
}

export interface Page<T> {
  pageNum: number;
  pageSize: number;
  totalItems: number;
  items: T[];
}

/**
 * Every item of a paged source, first page to last, `pageSize` at a time (for the service's own sweeps over
 * tenants, users and the like; clients page themselves).
 */
export async function* allPages<T>(fetch: (paging: Paging) => Promise<Page<T>>, pageSize = 500): AsyncGenerator<T> {
  for (let pageNum = 0; ; pageNum += 1) {
    const page = await fetch({ pageNum, pageSize });
    yield* page.items;
    if (page.items.length === 0 || (pageNum + 1) * pageSize >= page.totalItems) return;
  }
}
