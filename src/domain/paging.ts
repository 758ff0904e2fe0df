/**
 * CollectionSpace list paging: `pgSz` (default 40, capped at 2500, 0 means the cap) and 0-based `pgNum`.
 */
import { ValidationError } from './errors.js';

export const PAGING_DEFAULTS = { pageSize: 40, maxPageSize: 2500 } as const;

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
  return { pageNum, pageSize };
}

export interface Page<T> {
  pageNum: number;
  pageSize: number;
  totalItems: number;
  items: T[];
}
