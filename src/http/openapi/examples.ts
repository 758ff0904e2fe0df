/**
 * Answer examples written by the service's own encoders from a sample definition and run, so that they show exactly
 * what the service sends (and the test can check them against the described schemas).
 */
import {
  encodeBatchDocument,
  encodeBatchList,
  encodeCommonList,
  encodeRunDocument,
  DOCUMENT_ITEM_LIST_SPEC,
  RECORD_RUN_LIST_SPEC,
  RUN_ITEM_LIST_SPEC,
  RUN_LIST_SPEC,
  type DocTree,
} from '../../codec/index.js';
import type { CreatedDocumentItem, RecordRun } from '../../domain/recordItems.js';
import { ITEM_STATUS, RUN_STATUS, type Run, type RunId, type RunItem } from '../../domain/runs.js';
import type { Csid, StoredDefinition, TenantId } from '../../domain/types.js';

const SAMPLE_DEFINITION: StoredDefinition = {
  csid: '6f1c2b3a-4d5e-4f60-8a9b-1c2d3e4f5a6b' as Csid,
  definition: {
    name: 'Update Inventory Status',
    forDocTypes: ['CollectionObject'],
    forRoles: [],
    resourceActionGroupList: [],
    supportsSingleDoc: true,
    supportsDocList: true,
    className: 'org.collectionspace.services.batch.nuxeo.UpdateInventoryStatusBatchJob',
    itemPolicy: { timeoutMs: 60000 },
  },
  core: {
    tenantId: 'default' as TenantId,
    createdAt: new Date('2026-03-01T08:00:00.000Z'),
    createdBy: 'admin',
    updatedAt: new Date('2026-03-01T08:05:00.000Z'),
    updatedBy: 'admin',
    workflowState: 'project',
    revision: 2,
  },
};

/** A definition's document, as `GET /batch/{csid}` answers it (less the reader's `account_permission`). */
export const DEFINITION_EXAMPLE: DocTree = encodeBatchDocument(SAMPLE_DEFINITION);

/** A page of definitions. */
export const DEFINITION_LIST_EXAMPLE: DocTree = encodeBatchList({ pageNum: 0, pageSize: 40, totalItems: 1, items: [SAMPLE_DEFINITION] });

const OBJECTS = ['1e624d79-2f3a-4a4e-9d7b-0c6f9a1d2e3f', '7b0c2d44-6f1e-4c1d-8a2b-3e4f5a6b7c8d'];

const SAMPLE_RUN: Run = {
  id: 'b1f2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d' as RunId,
  tenant: 'default' as TenantId,
  definitionCsid: SAMPLE_DEFINITION.csid,
  definitionName: SAMPLE_DEFINITION.definition.name,
  invocation: { mode: 'list', docType: 'CollectionObject', listCSIDs: OBJECTS, params: [{ key: 'inventoryStatus', value: 'missing' }] },
  createdBy: 'alice',
  createdAt: new Date('2026-03-02T09:30:00.000Z'),
  startedAt: new Date('2026-03-02T09:30:00.120Z'),
  completedAt: new Date('2026-03-02T09:30:01.480Z'),
  status: RUN_STATUS.CompletedWithErrors,
  statusText: '1 of 2 items failed',
  open: false,
  filling: false,
  rerunnable: true,
  counts: { posted: 2, processed: 2, failed: 1, affected: 1, cancelled: 0 },
  results: { numAffected: 1, userNote: 'Inventory status changed to missing.' },
  reruns: 0,
  after: [],
  afterFailure: 'fail',
};

const ITEM = { runId: SAMPLE_RUN.id, attempts: 1, updatedAt: new Date('2026-03-02T09:30:01.400Z') };
const SAMPLE_ITEMS: RunItem[] = [
  { ...ITEM, seq: 0, key: OBJECTS[0] ?? '', status: ITEM_STATUS.Completed, affected: true },
  { ...ITEM, seq: 1, key: OBJECTS[1] ?? '', status: ITEM_STATUS.Failed, error: "CollectionObject '7b0c2d44-…' not found", errorCode: 'NOT_FOUND' },
];

/** A finished run's document, as `GET /runs/{id}` answers it. */
export const RUN_EXAMPLE: DocTree = encodeRunDocument(SAMPLE_RUN, { itemErrors: { [OBJECTS[1] ?? '']: "CollectionObject '7b0c2d44-…' not found" } });

/** A page of runs. */
export const RUN_LIST_EXAMPLE: DocTree = encodeCommonList({ pageNum: 0, pageSize: 40, totalItems: 1, items: [SAMPLE_RUN] }, RUN_LIST_SPEC);

/** A page of a run's items. */
export const RUN_ITEM_LIST_EXAMPLE: DocTree = encodeCommonList({ pageNum: 0, pageSize: 40, totalItems: 2, items: SAMPLE_ITEMS }, RUN_ITEM_LIST_SPEC);

const CREATED_ITEMS: CreatedDocumentItem[] = [
  { csid: '5d0e8a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b' as Csid, docType: 'CollectionObject', fileName: 'ada.txt' },
  { csid: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d' as Csid, docType: 'CollectionObject', fileName: 'grace.txt' },
];

/** What `POST /runs/{id}/documents` answers: the records made, in the order sent (here from two files). */
export const DOCUMENT_ITEMS_EXAMPLE: DocTree = encodeCommonList({ pageNum: 0, pageSize: 2, totalItems: 2, items: CREATED_ITEMS }, DOCUMENT_ITEM_LIST_SPEC);

const RECORD_RUN: RecordRun = {
  runId: SAMPLE_RUN.id,
  definitionCsid: SAMPLE_RUN.definitionCsid,
  definitionName: SAMPLE_RUN.definitionName,
  runStatus: SAMPLE_RUN.status,
  runCreatedAt: SAMPLE_RUN.createdAt,
  ...(SAMPLE_RUN.completedAt !== undefined && { runCompletedAt: SAMPLE_RUN.completedAt }),
  itemStatus: ITEM_STATUS.Completed,
  attempts: 1,
  itemUpdatedAt: ITEM.updatedAt,
};

/** A page of a record's runs, each with the record's item in it. */
export const RECORD_RUN_LIST_EXAMPLE: DocTree = encodeCommonList({ pageNum: 0, pageSize: 40, totalItems: 1, items: [RECORD_RUN] }, RECORD_RUN_LIST_SPEC);
