/**
 * Domain types of Invocables.
 *
 * Glossary
 * - **definition**: a batch job definition (CollectionSpace `batch_common`): which plugin to run (`className`),
 *   for which document types and in which invocation modes. Stored per tenant, addressed by its csid.
 * - **plugin** (invocable): an ES module in `PLUGINS_DIR` that implements the `Invocable` contract
 *   (`src/plugins/contract.ts`). Definitions refer to plugins by `className` or one of its aliases.
 * - **invocation**: one request to run a definition with a context (mode, docType, record csids, params).
 * - **record**: a free-form document of the client's data (CollectionObject, Loanout, Group, ...) that plugins act on.
 * - **relation**: a directed, typed link between two records (subject --relationshipType--> object).
 * - **tenant**: the owner of every stored thing; every query is scoped by it.
 */

declare const brand: unique symbol;
/** A string that the type checker keeps apart from other strings of another brand. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type TenantId = Brand<string, 'TenantId'>;
export type Csid = Brand<string, 'Csid'>;

/** The tenant every record belongs to until tenancy is switched on. */
export const DEFAULT_TENANT = 'default' as TenantId;

/** The actor recorded on what the service creates by itself (the first administrator, default definitions). */
export const SYSTEM_ACTOR = 'system';

export const INVOCATION_MODES = ['single', 'list', 'group', 'nocontext'] as const;
export type InvocationMode = (typeof INVOCATION_MODES)[number];

export function isInvocationMode(value: unknown): value is InvocationMode {
  return typeof value === 'string' && (INVOCATION_MODES as readonly string[]).includes(value);
}

/** The definition flag that enables each invocation mode. */
export const MODE_FLAGS = {
  single: 'supportsSingleDoc',
  list: 'supportsDocList',
  group: 'supportsGroup',
  nocontext: 'supportsNoContext',
} as const satisfies Record<InvocationMode, keyof BatchDefinition>;

export interface ResourceActionGroup {
  resourceName: string;
  /** Letters from `CRUDLI` (create, read, update, delete, list, invoke). */
  actionGroup: string;
}

/**
 * The `batch_common` part of a definition, in XSD order. A mode flag never sent stays absent (and out of
 * answers, as in CollectionSpace) and reads as `false`.
 */
export interface BatchDefinition {
  name: string;
  notes?: string;
  forDocTypes: string[];
  forRoles: string[];
  resourceActionGroupList: ResourceActionGroup[];
  supportsNoContext?: boolean;
  supportsSingleDoc?: boolean;
  supportsDocList?: boolean;
  supportsGroup?: boolean;
  createsNewFocus?: boolean;
  className: string;
  /** How each item of the job's runs is limited (the `batch_invocables` part); each setting overrides the plugin's. */
  itemPolicy?: ItemPolicy;
}

/** Per-item limits of a definition's runs. Unset ones come from the plugin, then from the service's defaults. */
export interface ItemPolicy {
  /** Time limit of one item (or of a whole invocation). */
  timeoutMs?: number;
  /** Times a failing item is tried again. */
  retries?: number;
  /** Delay before the first retry, doubled for each further one. */
  retryDelayMs?: number;
}

export type WorkflowState = 'project' | 'deleted';

/** The `collectionspace_core` bookkeeping every stored document carries. */
export interface CoreFields {
  tenantId: TenantId;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  workflowState: WorkflowState;
  /** Incremented on every update; the source of the ETag. */
  revision: number;
}

export interface StoredDefinition {
  csid: Csid;
  definition: BatchDefinition;
  core: CoreFields;
}

/** Enabled modes of a definition, from its flags. */
export function enabledModes(definition: BatchDefinition): InvocationMode[] {
  return INVOCATION_MODES.filter((mode) => definition[MODE_FLAGS[mode]]);
}

/** A record field value: strings, numbers, booleans, nested maps and lists, as clients send them. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };
export type RecordFields = { [key: string]: FieldValue };

/** The docType of a Group record; its members are the records it is related to. */
export const GROUP_DOCTYPE = 'Group';

export interface StoredRecord {
  csid: Csid;
  docType: string;
  fields: RecordFields;
  core: CoreFields;
}

export interface Relation {
  subjectCsid: Csid;
  subjectDocumentType: string;
  relationshipType: string;
  objectCsid: Csid;
  objectDocumentType: string;
}

export interface StoredRelation extends Relation {
  csid: Csid;
  core: CoreFields;
}
