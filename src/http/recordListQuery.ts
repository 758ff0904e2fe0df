/**
 * `GET /records/{docType}` query: CollectionSpace paging (`pgSz`, `pgNum`), `sortBy` (`createdAt` or
 * `updatedAt`, optional ` ASC`/` DESC`), `wf_deleted`, `as` (advanced search), and every other parameter as a
 * top-level field equality.
 */
import { ValidationError } from '../domain/errors.js';
import { resolveRecordSearch } from '../domain/searchFields.js';
import type { RecordQuery } from '../store/types.js';
import { advancedSearchOf, pagingOf } from './queryParams.js';

const RESERVED = new Set(['pgSz', 'pgNum', 'sortBy', 'wf_deleted', 'as']);
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `wf_deleted=false` leaves soft-deleted records out; `true` (or none) keeps them, as in CollectionSpace. */
function excludesDeleted(value: unknown): boolean {
  if (value === undefined) return false;
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text !== 'true' && text !== 'false') {
    throw new ValidationError('Unsupported wf_deleted', [{ path: 'wf_deleted', message: "must be 'true' or 'false', given once" }]);
  }
  return text === 'false';
}

export function parseRecordListQuery(docType: string, query: Record<string, unknown>): RecordQuery {
  const fieldEquals: Record<string, string> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (RESERVED.has(key)) continue;
    if (!FIELD_NAME.test(key) || typeof raw !== 'string') {
      throw new ValidationError('Unsupported record filter', [
        { path: key, message: 'filters are field=value pairs on top-level fields, each given once' },
      ]);
    }
    fieldEquals[key] = raw;
  }
  const sortBy = typeof query.sortBy === 'string' ? query.sortBy.trim() : undefined;
  let sort: RecordQuery['sort'];
  if (sortBy !== undefined && sortBy !== '') {
    const match = /^(createdAt|updatedAt)(?:\s+(asc|desc))?$/i.exec(sortBy);
    if (match === null) {
      throw new ValidationError('Unsupported sortBy', [
        { path: 'sortBy', message: `'${sortBy}' is not 'createdAt' or 'updatedAt', optionally followed by ASC or DESC` },
      ]);
    }
    sort = {
      field: match[1]?.toLowerCase() === 'createdat' ? 'createdAt' : 'updatedAt',
      direction: match[2]?.toLowerCase() === 'desc' ? 'desc' : 'asc',
    };
  }
  const advancedSearch = advancedSearchOf(query);
  return {
    docTypes: [docType],
    ...(Object.keys(fieldEquals).length > 0 && { fieldEquals }),
    ...(excludesDeleted(query.wf_deleted) && { excludeDeleted: true }),
    ...(advancedSearch !== undefined && { advancedSearch: resolveRecordSearch(advancedSearch) }),
    ...(sort !== undefined && { sort }),
    paging: pagingOf(query),
  };
}
