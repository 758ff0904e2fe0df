/**
 * Engine-neutral rules shared by every store engine: how list queries resolve (sort, paging, filter
 * clauses), the bookkeeping fields of a new document, and the revision check. Engines translate
 * the resolved forms into SQL or MongoDB filters, so both read the same query the same way.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DomainError, PreconditionFailedError, ValidationError } from '../domain/errors.js';
import type { Paging } from '../domain/paging.js';
import { MODE_FLAGS, isInvocationMode } from '../domain/types.js';
import type { BatchDefinition, CoreFields, Csid, TenantId } from '../domain/types.js';
import type { DefinitionQuery, RecordQuery, SortDirection } from './types.js';

/** Where stores read the time; injectable so tests get distinct, predictable timestamps. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

function invalid(path: string, message: string, detail: string): ValidationError {
  return new ValidationError(message, [{ path, message: detail }]);
}

export function newCsid(): Csid {
  return randomUUID() as Csid;
}

/** 128 random bits: a result link's id is part of what a public URL holds, so it must not be guessable. */
export function newLinkId(): string {
  return randomBytes(16).toString('base64url');
}

const DEFAULT_DEFINITION_SORT = { field: 'updatedAt', direction: 'desc' } as const satisfies NonNullable<
  DefinitionQuery['sort']
>;
const DEFAULT_RECORD_SORT = { field: 'updatedAt', direction: 'desc' } as const satisfies NonNullable<
  RecordQuery['sort']
>;

export function resolveDefinitionSort(query: DefinitionQuery): NonNullable<DefinitionQuery['sort']> {
  return query.sort ?? DEFAULT_DEFINITION_SORT;
}

export function resolveRecordSort(query: RecordQuery): NonNullable<RecordQuery['sort']> {
  return query.sort ?? DEFAULT_RECORD_SORT;
}

/** Rows to skip and to return; negative or fractional input would otherwise reach the engine as is. */
export function pageWindow(paging: Paging): { offset: number; limit: number } {
  const pageSize = Math.max(0, Math.trunc(paging.pageSize));
  const pageNum = Math.max(0, Math.trunc(paging.pageNum));
  return { offset: pageNum * pageSize, limit: pageSize };
}

export type ModeFlag = (typeof MODE_FLAGS)[keyof typeof MODE_FLAGS];

/** One clause of a definition list filter, before the engine translates it. */
export type DefinitionClause =
  | { kind: 'docType'; docType: string }
  | { kind: 'modes'; flags: ModeFlag[] }
  | { kind: 'className'; className: string };

export interface DefinitionFilter {
  combine: 'and' | 'or';
  /** No clauses means every definition of the tenant matches. */
  clauses: DefinitionClause[];
}

export function describeDefinitionFilter(query: DefinitionQuery): DefinitionFilter {
  const clauses: DefinitionClause[] = [];
  if (query.docType !== undefined) clauses.push({ kind: 'docType', docType: requireString(query.docType, 'docType') });
  if (query.modes !== undefined && query.modes.length > 0) {
    const flags = query.modes.map((mode: unknown) => {
      if (!isInvocationMode(mode)) throw invalid('mode', 'unknown invocation mode', `'${String(mode)}' is not a mode`);
      return MODE_FLAGS[mode];
    });
    clauses.push({ kind: 'modes', flags: [...new Set(flags)] });
  }
  if (query.className !== undefined) {
    clauses.push({ kind: 'className', className: requireString(query.className, 'className') });
  }
  // As in CollectionSpace, anything but 'or' combines with AND.
  return { combine: query.combine === 'or' ? 'or' : 'and', clauses };
}

/** Record doc types compare case-insensitively; engines store and query this key instead of a regex. */
export function docTypeKey(docType: string): string {
  return requireString(docType, 'docType').toLowerCase();
}

const FIELD_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `fieldEquals` as checked pairs: keys become part of a JSON path or a dotted MongoDB path. */
export function fieldEqualities(fieldEquals: RecordQuery['fieldEquals']): Array<[key: string, value: string]> {
  return Object.entries(fieldEquals ?? {}).map(([key, value]) => {
    if (!FIELD_KEY.test(key)) {
      throw invalid(`fieldEquals/${key}`, 'field names must be plain identifiers', 'not an identifier');
    }
    return [key, requireString(value, `fieldEquals/${key}`)];
  });
}

/**
 * Values that reach a query must be strings: a client-provided object must never become a query operator
 * (MongoDB) or an unexpected binding (SQL).
 */
export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw invalid(path, `${path} must be a string`, 'must be a string');
  }
  return value;
}

/** Distinct string csids; anything else cannot name a stored document. */
export function distinctCsids(csids: readonly unknown[]): string[] {
  return [...new Set(csids.filter((csid): csid is string => typeof csid === 'string'))];
}

/** `expectedRevision` as a number that can safely reach a query, or `undefined` when not given. */
export function checkedRevision(expected: unknown): number | undefined {
  if (expected === undefined) return undefined;
  if (typeof expected !== 'number' || !Number.isInteger(expected)) {
    throw invalid('expectedRevision', 'expectedRevision must be an integer', 'not an integer');
  }
  return expected;
}

export function revisionConflict(
  what: string,
  csid: string,
  expected: number,
  stored?: number,
): PreconditionFailedError {
  const found = stored === undefined ? 'has changed' : `is at revision ${stored}`;
  return new PreconditionFailedError(`${what} '${csid}' ${found}, not revision ${expected}`);
}

export function assertRevision(what: string, csid: string, stored: number, expected: unknown): void {
  const wanted = checkedRevision(expected);
  if (wanted !== undefined && stored !== wanted) throw revisionConflict(what, csid, wanted, stored);
}

/** Refuses another alias for a definition that already has `max` (both engines word it the same). */
export function assertAliasRoom(csid: string, existing: number, max: number): void {
  if (existing >= max) {
    throw new DomainError('CONFLICT', `Batch job '${csid}' already has ${existing} aliases, the most one may have (${max})`);
  }
}

export function createdCore(tenant: TenantId, actor: string, now: Date): CoreFields {
  return {
    tenantId: tenant,
    createdAt: now,
    createdBy: actor,
    updatedAt: now,
    updatedBy: actor,
    workflowState: 'project',
    revision: 1,
  };
}

export function sortFactor(direction: SortDirection): 1 | -1 {
  return direction === 'asc' ? 1 : -1;
}

/** A copy without `undefined` members, so every engine stores (and returns) the same shape. */
export function cleanDefinition(definition: BatchDefinition): BatchDefinition {
  return JSON.parse(JSON.stringify(definition)) as BatchDefinition;
}
