/**
 * MongoDB document shapes and their mapping to domain values. `_id` is the csid (a UUID string), times are
 * BSON dates, and the bookkeeping fields sit at the top level so indexes can reach them.
 */
import type { Binary } from 'mongodb';
import type {
  BatchDefinition,
  CoreFields,
  Csid,
  RecordFields,
  Relation,
  StoredDefinition,
  StoredRecord,
  StoredRelation,
  TenantId,
  WorkflowState,
} from '../../domain/types.js';
import { cleanDefinition, docTypeKey } from '../queryRules.js';

export interface CoreDocument {
  _id: string;
  tenantId: string;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
  workflowState: WorkflowState;
  revision: number;
}

export interface DefinitionDocument extends CoreDocument {
  definition: BatchDefinition;
  /** Stored by `createUnlessNamed` and not yet holding its name: the create may still delete it (unless the mark is stale). */
  namePending?: true;
}

/**
 * Which definition a name of a tenant stands for, once `createUnlessNamed` stored one under it: the unique `_id`
 * (the tenant and the name) is what lets one of two such creates at once win, without a transaction. A claim whose
 * definition was deleted or renamed since is stale, and the next create of that name takes it over.
 */
export interface DefinitionNameDocument {
  _id: string;
  tenantId: string;
  definitionCsid: string;
}

/** A further id of a definition (OSID aliasJobs), unique per tenant. */
export interface DefinitionAliasDocument {
  tenantId: string;
  alias: string;
  definitionCsid: string;
}

export interface RecordDocument extends CoreDocument {
  docType: string;
  /** `docType` lower-cased: an indexable way to compare document types case-insensitively. */
  docTypeKey: string;
  fields: RecordFields;
}

/** A document item's uploaded file, beside its record (`_id` is the record's csid). */
export interface RecordFileDocument {
  _id: string;
  tenantId: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  content: Binary;
}

export interface RelationDocument extends CoreDocument {
  subjectCsid: string;
  subjectDocumentType: string;
  relationshipType: string;
  objectCsid: string;
  objectDocumentType: string;
}

function coreDocument(csid: Csid, core: CoreFields): CoreDocument {
  return { _id: csid, ...core };
}

function toCore(document: CoreDocument): CoreFields {
  return {
    tenantId: document.tenantId as TenantId,
    createdAt: document.createdAt,
    createdBy: document.createdBy,
    updatedAt: document.updatedAt,
    updatedBy: document.updatedBy,
    workflowState: document.workflowState,
    revision: document.revision,
  };
}

export function toDefinitionDocument(csid: Csid, definition: BatchDefinition, core: CoreFields): DefinitionDocument {
  return { ...coreDocument(csid, core), definition: cleanDefinition(definition) };
}

export function toStoredDefinition(document: DefinitionDocument): StoredDefinition {
  return { csid: document._id as Csid, definition: document.definition, core: toCore(document) };
}

export function toRecordDocument(csid: Csid, docType: string, fields: RecordFields, core: CoreFields): RecordDocument {
  return { ...coreDocument(csid, core), docType, docTypeKey: docTypeKey(docType), fields: structuredClone(fields) };
}

export function toStoredRecord(document: RecordDocument): StoredRecord {
  return { csid: document._id as Csid, docType: document.docType, fields: document.fields, core: toCore(document) };
}

export function toRelationDocument(csid: Csid, relation: Relation, core: CoreFields): RelationDocument {
  return {
    ...coreDocument(csid, core),
    subjectCsid: relation.subjectCsid,
    subjectDocumentType: relation.subjectDocumentType,
    relationshipType: relation.relationshipType,
    objectCsid: relation.objectCsid,
    objectDocumentType: relation.objectDocumentType,
  };
}

export function toStoredRelation(document: RelationDocument): StoredRelation {
  return {
    csid: document._id as Csid,
    subjectCsid: document.subjectCsid as Csid,
    subjectDocumentType: document.subjectDocumentType,
    relationshipType: document.relationshipType,
    objectCsid: document.objectCsid as Csid,
    objectDocumentType: document.objectDocumentType,
    core: toCore(document),
  };
}
