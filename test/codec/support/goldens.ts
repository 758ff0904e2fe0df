/**
 * Golden fixtures and the domain values they must decode to, whichever codec reads them. Each fixture name is
 * a stem: `<stem>.xml` and `<stem>.json` both exist and must agree.
 */
import type { InvocationContextPayload, RecordDocument } from '../../../src/codec/index.js';
import type { BatchDefinition, CoreFields, Csid, Relation, TenantId } from '../../../src/domain/types.js';

export interface Golden<T> {
  stem: string;
  expected: T;
}

const CREATE_AND_LINK = 'org.collectionspace.services.batch.nuxeo.CreateAndLinkLoanOutBatchJob';

export const BATCH_GOLDENS: Golden<BatchDefinition>[] = [
  {
    stem: 'seed-004-batch',
    expected: {
      name: 'TestCreateAndLinkLoanOutBatchJob',
      notes: 'This should be interesting',
      forDocTypes: ['CollectionObject'],
      forRoles: [],
      resourceActionGroupList: [],
      supportsSingleDoc: true,
      supportsDocList: true,
      createsNewFocus: true,
      className: CREATE_AND_LINK,
    },
  },
  {
    stem: 'batch-reference',
    expected: {
      name: 'Create and Link Loan Out',
      notes: 'Creates a Loan Out and relates it to the selected objects.',
      forDocTypes: ['CollectionObject'],
      forRoles: ['TENANT_ADMINISTRATOR'],
      resourceActionGroupList: [],
      supportsNoContext: false,
      supportsSingleDoc: true,
      supportsDocList: true,
      supportsGroup: false,
      createsNewFocus: true,
      className: CREATE_AND_LINK,
    },
  },
  {
    stem: 'batch-reference-brief',
    expected: {
      name: 'Create and Link Loan Out',
      forDocTypes: ['CollectionObject'],
      forRoles: [],
      resourceActionGroupList: [],
      supportsSingleDoc: true,
      supportsDocList: true,
      createsNewFocus: true,
      className: CREATE_AND_LINK,
    },
  },
  {
    stem: 'batch-permissions',
    expected: {
      name: 'Update Inventory Status',
      notes: 'Sets inventory status & clears <old> values.',
      forDocTypes: ['CollectionObject', 'Intake'],
      forRoles: [],
      resourceActionGroupList: [
        { resourceName: 'collectionobjects', actionGroup: 'CRUL' },
        { resourceName: 'batch/invoke', actionGroup: 'I' },
      ],
      supportsNoContext: true,
      supportsSingleDoc: false,
      supportsDocList: true,
      supportsGroup: true,
      className: 'org.collectionspace.services.batch.nuxeo.UpdateInventoryStatusBatchJob',
    },
  },
];

const MISSING = "urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(missing)'missing'";
const UNKNOWN = "urn:cspace:core.collectionspace.org:vocabularies:name(inventorystatus):item:name(unknown)'unknown'";

export const INVOCATION_GOLDENS: Golden<InvocationContextPayload>[] = [
  {
    stem: 'invocation-single',
    expected: { mode: 'single', docType: 'CollectionObject', singleCSID: '1f0e2c44-7a2b-4b8e-9d31', listCSIDs: [], params: [] },
  },
  {
    stem: 'invocation-list-params',
    expected: {
      mode: 'list',
      docType: 'CollectionObject',
      listCSIDs: ['1f0e2c44-7a2b-4b8e-9d31', '88aa0d1c-3b55-4e0e-a7f2'],
      params: [
        { key: 'inventoryStatus', value: MISSING },
        { key: 'inventoryStatus', value: UNKNOWN },
      ],
    },
  },
  {
    stem: 'invocation-group',
    expected: {
      mode: 'group',
      docType: 'Group',
      groupCSID: '0c9d7e11-5f3a-4c2d-8e44',
      listCSIDs: [],
      params: [{ key: 'batchSize', value: '100' }],
    },
  },
  {
    stem: 'invocation-nocontext',
    expected: { mode: 'nocontext', updateCoreValues: 'false', listCSIDs: [], params: [] },
  },
];

export const RELATION_GOLDENS: Golden<Relation>[] = [
  {
    stem: 'relation',
    expected: {
      subjectCsid: '6b2f1d90-4c7e-4a11-b0c3' as Csid,
      subjectDocumentType: 'Loanout',
      relationshipType: 'affects',
      objectCsid: '1f0e2c44-7a2b-4b8e-9d31' as Csid,
      objectDocumentType: 'CollectionObject',
    },
  },
];

export const RECORD_GOLDENS: Golden<RecordDocument>[] = [
  {
    stem: 'record',
    expected: {
      docType: 'CollectionObject',
      fields: {
        objectNumber: '2024.1.7',
        title: 'Teapot & lid',
        computedCurrentLocation: '',
        inventoryStatusList: { inventoryStatus: ['missing', 'unknown'] },
        measuredPartGroup: { measuredPart: 'lid', dimension: 'height' },
      },
    },
  },
];

/** Bookkeeping for encoding stored values in tests. */
export function testCore(overrides: Partial<CoreFields> = {}): CoreFields {
  return {
    tenantId: 'default' as TenantId,
    createdAt: new Date('2024-01-09T18:22:03.123Z'),
    createdBy: 'admin@core.collectionspace.org',
    updatedAt: new Date('2024-02-01T07:00:00.000Z'),
    updatedBy: 'reader@core.collectionspace.org',
    workflowState: 'project',
    revision: 3,
    ...overrides,
  };
}
