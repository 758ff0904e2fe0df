/**
 * Query helpers shared by the MongoDB stores: tenant-scoped id filters, paged finds and the follow-up
 * that tells "not found" from "revision mismatch" after a compare-and-set write matched nothing.
 */
import { MongoServerError, type Collection, type Filter, type Sort } from 'mongodb';
import type { Page, Paging } from '../../domain/paging.js';
import type { TenantId } from '../../domain/types.js';
import { pageWindow, requireString, revisionConflict } from '../queryRules.js';
import type { CoreDocument } from './mappers.js';

/** MongoDB's duplicate-key error: the unique `_id` or index said no. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/** The one document `csid` of `tenant`; both must be strings so neither can smuggle in an operator. */
export function byCsid(tenant: TenantId, csid: string): { _id: string; tenantId: string } {
  return { _id: requireString(csid, 'csid'), tenantId: requireString(tenant, 'tenant') };
}

/** `filter` narrowed to `expectedRevision`, when the caller gave one. */
export function atRevision<T extends CoreDocument>(filter: Filter<T>, expectedRevision: number | undefined): Filter<T> {
  return expectedRevision === undefined ? filter : { ...filter, revision: expectedRevision };
}

/**
 * Called when a write filtered by `atRevision` matched nothing: throws when the document exists (so the
 * revision did not match), and returns normally when it does not exist at all.
 */
export async function throwIfRevisionMismatch<T extends CoreDocument>(
  collection: Collection<T>,
  filter: Filter<T>,
  what: string,
  expectedRevision: number | undefined,
): Promise<void> {
  if (expectedRevision === undefined) return;
  const current = await collection.findOne(filter, { projection: { revision: 1 } });
  if (current !== null) throw revisionConflict(what, String(current._id), expectedRevision, current.revision);
}

/** One page of matches and the count of all of them. MongoDB reads `limit(0)` as "no limit", hence the guard. */
export async function findPage<T extends object, Item>(
  collection: Collection<T>,
  filter: Filter<T>,
  sort: Sort,
  paging: Paging,
  map: (document: T) => Item,
): Promise<Page<Item>> {
  const { offset, limit } = pageWindow(paging);
  const [totalItems, documents] = await Promise.all([
    collection.countDocuments(filter),
    limit === 0 ? Promise.resolve([]) : collection.find(filter).sort(sort).skip(offset).limit(limit).toArray(),
  ]);
  return { pageNum: paging.pageNum, pageSize: paging.pageSize, totalItems, items: documents.map((d) => map(d as T)) };
}
