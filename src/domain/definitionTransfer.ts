/**
 * Moving definitions between tenants and installations: an export is a tenant's definitions as documents; an
 * import stores each one under its own outcome, with a rule for a definition that already exists, as Rundeck's
 * job import has its `dupeOption`.
 */
import { ValidationError, type DomainError } from './errors.js';
import type { BatchDefinition } from './types.js';

/**
 * What an import does with a definition whose `name` a definition of the tenant already has: leave it (`skip`),
 * replace that one's fields (`update`), or store another beside it (`create`, Rundeck's default).
 */
export const DUPE_RULES = ['skip', 'update', 'create'] as const;
export type DupeRule = (typeof DUPE_RULES)[number];

export const DEFAULT_DUPE_RULE: DupeRule = 'create';

/** At most this many definitions in one import: any page of an export (whose largest page is 2500) fits. */
export const MAX_IMPORT_DEFINITIONS = 2500;

/** The `dupe` parameter: absent means the default; repeated, or not one of `DUPE_RULES`, is refused. */
export function parseDupeRule(value: unknown): DupeRule {
  if (value === undefined) return DEFAULT_DUPE_RULE;
  const rule = DUPE_RULES.find((known) => typeof value === 'string' && known === value.trim().toLowerCase());
  if (rule === undefined) {
    const sent = typeof value === 'string' ? `'${value.slice(0, 100)}'` : 'a repeated or nested value';
    throw new ValidationError('Unsupported dupe rule', [{ path: 'dupe', message: `${sent} is not one of ${DUPE_RULES.join(', ')}` }]);
  }
  return rule;
}

/** One definition of an import document: what it decoded to, or why it could not be. */
export interface ImportEntry {
  /** 1-based place in the document. */
  position: number;
  /** The csid it had where it was exported, when the document says. */
  sourceCsid?: string;
  decoded: { definition: BatchDefinition } | { error: DomainError };
}

export type ImportOutcome =
  | { status: 'created' | 'updated' | 'skipped'; csid: string }
  | { status: 'failed'; error: DomainError };

/** One line of the import report. */
export interface ImportResult {
  position: number;
  sourceCsid?: string;
  /** The definition's name, when it could be decoded. */
  name?: string;
  outcome: ImportOutcome;
}
