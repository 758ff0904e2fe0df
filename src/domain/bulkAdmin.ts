/**
 * Bulk administration of definitions (OSID JobBatchAdminSession): one request carries many entries, each with a
 * client-chosen form id, and gets one response per entry. Entries are independent: one that is invalid or fails
 * is answered with its own error and the others go ahead.
 */
import type { Action } from './access.js';
import type { DomainError } from './errors.js';
import type { DefinitionUpdate } from './definitionUpdate.js';
import type { BatchDefinition } from './types.js';

/** Most entries one bulk request may carry, and most csids one request for update forms may name. */
export const BULK_ENTRY_LIMIT = 100;

export const BULK_OPERATIONS = ['create', 'update', 'delete', 'alias'] as const;
export type BulkOperation = (typeof BULK_OPERATIONS)[number];

export type BulkRequest =
  | { operation: 'create'; definition: BatchDefinition }
  /** `revision`, when given, must be the stored one, as `If-Match` on a single PUT. */
  | { operation: 'update'; id: string; update: DefinitionUpdate; revision?: number }
  | { operation: 'delete'; id: string; revision?: number }
  /** Makes `alias` a further id of definition `id` (a csid or another alias). */
  | { operation: 'alias'; id: string; alias: string };

export interface BulkEntry {
  formId: string;
  /** As sent, also when it names no operation. */
  operation: string;
  /** What to do, or why this entry alone is refused. */
  request: BulkRequest | DomainError;
}

export interface BulkResponse {
  /** Absent in the answer of a delete-all, which no form asked for. */
  formId?: string;
  operation: string;
  /** The definition acted on, when it is known. */
  csid?: string;
  alias?: string;
  /** The definition an alias named before it moved. */
  movedFrom?: string;
  error?: DomainError;
}

/** The rights each operation needs, all of which the caller must hold for the request to go ahead at all. */
export const BULK_OPERATION_ACTIONS = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  alias: 'update',
} as const satisfies Record<BulkOperation, Action>;

export function isBulkOperation(value: string): value is BulkOperation {
  return (BULK_OPERATIONS as readonly string[]).includes(value);
}
