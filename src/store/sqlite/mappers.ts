/**
 * Rows as better-sqlite3 returns them, and their mapping to domain values. Times are ISO-8601 strings in
 * UTC, which sort correctly as text; JSON columns hold the definition body and the record fields.
 */
import type {
  BatchDefinition,
  CoreFields,
  Csid,
  RecordFields,
  StoredDefinition,
  StoredRecord,
  StoredRelation,
  TenantId,
  WorkflowState,
} from '../../domain/types.js';

export interface CoreRow {
  csid: string;
  tenant_id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  workflow_state: string;
  revision: number;
}

export interface DefinitionRow extends CoreRow {
  body: string;
}

export interface RecordRow extends CoreRow {
  doc_type: string;
  fields: string;
}

export interface RelationRow extends CoreRow {
  subject_csid: string;
  subject_document_type: string;
  relationship_type: string;
  object_csid: string;
  object_document_type: string;
}

/** The core columns as named parameters for INSERT statements. */
export interface CoreParams {
  csid: string;
  tenantId: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
  workflowState: string;
  revision: number;
}

export function toCoreParams(csid: Csid, core: CoreFields): CoreParams {
  return {
    csid,
    tenantId: core.tenantId,
    createdAt: core.createdAt.toISOString(),
    createdBy: core.createdBy,
    updatedAt: core.updatedAt.toISOString(),
    updatedBy: core.updatedBy,
    workflowState: core.workflowState,
    revision: core.revision,
  };
}

function toCore(row: CoreRow): CoreFields {
  return {
    tenantId: row.tenant_id as TenantId,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
    workflowState: row.workflow_state as WorkflowState,
    revision: row.revision,
  };
}

export function toStoredDefinition(row: DefinitionRow): StoredDefinition {
  return { csid: row.csid as Csid, definition: JSON.parse(row.body) as BatchDefinition, core: toCore(row) };
}

export function toStoredRecord(row: RecordRow): StoredRecord {
  return {
    csid: row.csid as Csid,
    docType: row.doc_type,
    fields: JSON.parse(row.fields) as RecordFields,
    core: toCore(row),
  };
}

export function toStoredRelation(row: RelationRow): StoredRelation {
  return {
    csid: row.csid as Csid,
    subjectCsid: row.subject_csid as Csid,
    subjectDocumentType: row.subject_document_type,
    relationshipType: row.relationship_type,
    objectCsid: row.object_csid as Csid,
    objectDocumentType: row.object_document_type,
    core: toCore(row),
  };
}
