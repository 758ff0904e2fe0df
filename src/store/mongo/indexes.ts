/**
 * The indexes the MongoDB stores' queries need, created by `MongoStore.connect`. Every index starts with
 * `tenantId` because every query is scoped by it; sort indexes end with `_id`, the tie-breaker.
 */
import type { IndexDescription } from 'mongodb';
import { MONGO_DEFAULTS } from './defaults.js';

type CollectionName = keyof typeof MONGO_DEFAULTS.collections;

export const MONGO_INDEXES: Record<CollectionName, IndexDescription[]> = {
  definitions: [
    { key: { tenantId: 1, 'definition.forDocTypes': 1 }, name: 'tenant_forDocTypes' },
    { key: { tenantId: 1, 'definition.className': 1 }, name: 'tenant_className' },
    { key: { tenantId: 1, 'definition.name': 1, _id: 1 }, name: 'tenant_name' },
    { key: { tenantId: 1, updatedAt: 1, _id: 1 }, name: 'tenant_updatedAt' },
  ],
  records: [
    { key: { tenantId: 1, docTypeKey: 1, updatedAt: 1, _id: 1 }, name: 'tenant_docType_updatedAt' },
    { key: { tenantId: 1, updatedAt: 1, _id: 1 }, name: 'tenant_updatedAt' },
    { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: 'tenant_createdAt' },
  ],
  relations: [
    { key: { tenantId: 1, subjectCsid: 1, createdAt: 1, _id: 1 }, name: 'tenant_subject' },
    { key: { tenantId: 1, objectCsid: 1, createdAt: 1, _id: 1 }, name: 'tenant_object' },
    { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: 'tenant_createdAt' },
  ],
  runs: [
    { key: { tenantId: 1, createdAt: -1, _id: -1 }, name: 'tenant_createdAt' },
    { key: { status: 1, completedAt: 1 }, name: 'status_completedAt' },
  ],
  runItems: [
    { key: { runId: 1, key: 1 }, name: 'run_key', unique: true },
    { key: { runId: 1, status: 1, seq: 1 }, name: 'run_status_seq' },
    { key: { runId: 1, claimToken: 1 }, name: 'run_claimToken', sparse: true },
  ],
  // Read and deleted by _id (the run id), which MongoDB always indexes.
  runResults: [],
  schedules: [
    { key: { tenantId: 1, createdAt: -1, _id: -1 }, name: 'tenant_createdAt' },
    { key: { tenantId: 1, definitionCsid: 1, createdAt: -1, _id: -1 }, name: 'tenant_definition_createdAt' },
  ],
  // Tenants are listed by _id, which MongoDB always indexes.
  tenants: [],
  users: [{ key: { 'memberships.tenant': 1, _id: 1 }, name: 'membership_tenant' }],
  roles: [{ key: { tenantId: 1, name: 1 }, name: 'tenant_name', unique: true }],
  apiTokens: [
    { key: { tenantId: 1, createdAt: -1, _id: -1 }, name: 'tenant_createdAt' },
    { key: { tenantId: 1, username: 1, createdAt: -1, _id: -1 }, name: 'tenant_username_createdAt' },
  ],
};
