/**
 * The indexes the MongoDB stores' queries need, created by `MongoStore.connect`. Every index starts with
 * `tenantId` because every query is scoped by it (run items: `runId`, which is); sort indexes end with `_id`, the
 * tie-breaker. Each query on a run's items, or a scan of records, walks an index in the order it returns: none
 * sorts in memory but `nextLeaseExpiry`, over a run's `Processing` items (a few batches at most).
 */
import type { IndexDescription } from 'mongodb';
import { MONGO_DEFAULTS } from './defaults.js';

type CollectionName = keyof typeof MONGO_DEFAULTS.collections;

/**
 * Indexes earlier versions created that no query needs any more, dropped by `MongoStore.connect`. `run_claimToken`
 * was sparse on `{runId, claimToken}`, which indexed every item (sparse skips only documents lacking every key). `key`
 * indexed every item by its key alone, for a record's runs, which are now found through the tenant's runs (`run_key`).
 */
export const MONGO_OBSOLETE_INDEXES: Partial<Record<CollectionName, string[]>> = {
  runItems: ['run_claimToken', 'key'],
};

export const MONGO_INDEXES: Record<CollectionName, IndexDescription[]> = {
  // One alias names one definition per tenant; the second finds a deleted definition's aliases.
  // One document, found by its _id.
  generations: [],
  definitionAliases: [
    { key: { tenantId: 1, alias: 1 }, name: 'tenant_alias', unique: true },
    { key: { tenantId: 1, definitionCsid: 1 }, name: 'tenant_definition' },
  ],
  // Read and written by _id (tenant and name), which MongoDB always indexes, unique.
  definitionNames: [],
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
    // A nocontext run's scan and count: records of the definition's doc types in creation order (one ordered walk
    // per doc type, merged).
    { key: { tenantId: 1, docTypeKey: 1, createdAt: 1, _id: 1 }, name: 'tenant_docType_createdAt' },
  ],
  // Read and deleted by _id (the record's csid), which MongoDB always indexes.
  recordFiles: [],
  relations: [
    { key: { tenantId: 1, subjectCsid: 1, createdAt: 1, _id: 1 }, name: 'tenant_subject' },
    { key: { tenantId: 1, objectCsid: 1, createdAt: 1, _id: 1 }, name: 'tenant_object' },
    { key: { tenantId: 1, createdAt: 1, _id: 1 }, name: 'tenant_createdAt' },
  ],
  runs: [
    { key: { tenantId: 1, createdAt: -1, _id: -1 }, name: 'tenant_createdAt' },
    { key: { status: 1, completedAt: 1 }, name: 'status_completedAt' },
    // The waiting runs that follow a run, woken when it ends; only runs that follow some are indexed.
    { key: { follows: 1, status: 1 }, name: 'follows_status', partialFilterExpression: { follows: { $gt: '' } } },
  ],
  runItems: [
    { key: { runId: 1, key: 1 }, name: 'run_key', unique: true },
    // Claims, counts and sweeps by status, in posting order.
    { key: { runId: 1, status: 1, seq: 1 }, name: 'run_status_seq' },
    // A run's items in posting order (`GET /runs/{id}/items` without a status), and an add taken back by its seqs.
    { key: { runId: 1, seq: 1 }, name: 'run_seq' },
    // A claim reads back what it tagged, in order. Only items holding a token (being claimed or processed: a few
    // batches per run) are indexed, not every item of every run.
    { key: { runId: 1, claimToken: 1, seq: 1 }, name: 'run_claimToken_seq', partialFilterExpression: { claimToken: { $gt: '' } } },
  ],
  // Read and deleted by _id (the run id), which MongoDB always indexes.
  runResults: [],
  // A run's links, newest first; purge deletes them by run.
  resultLinks: [{ key: { tenantId: 1, runId: 1, createdAt: -1, _id: -1 }, name: 'tenant_run_createdAt' }],
  // A run's lines in order, by item, and their purge with the run.
  runLog: [
    { key: { runId: 1, line: 1 }, name: 'run_line' },
    { key: { runId: 1, itemKey: 1, line: 1 }, name: 'run_item_line' },
  ],
  schedules: [
    { key: { tenantId: 1, createdAt: -1, _id: -1 }, name: 'tenant_createdAt' },
    { key: { tenantId: 1, definitionCsid: 1, createdAt: -1, _id: -1 }, name: 'tenant_definition_createdAt' },
  ],
  // A user's keys, counted against their limit and dropped once expired (by `reserve`, not a TTL index: a TTL
  // monitor would delete on its own schedule, and the count must not wait for it).
  idempotencyKeys: [{ key: { tenantId: 1, username: 1, expiresAt: 1 }, name: 'tenant_username_expiresAt' }],
  // Tenants are listed by _id, which MongoDB always indexes.
  tenants: [],
  users: [{ key: { 'memberships.tenant': 1, _id: 1 }, name: 'membership_tenant' }],
  roles: [{ key: { tenantId: 1, name: 1 }, name: 'tenant_name', unique: true }],
  apiTokens: [
    { key: { tenantId: 1, createdAt: -1, _id: -1 }, name: 'tenant_createdAt' },
    { key: { tenantId: 1, username: 1, createdAt: -1, _id: -1 }, name: 'tenant_username_createdAt' },
  ],
  // The authorization server's state is not a tenant's: sign-in comes before the tenant is known. oidc-provider
  // finds interactions by uid and revokes a grant's tokens at once; the TTL index deletes what expired.
  oauthState: [
    { key: { model: 1, uid: 1 }, name: 'model_uid', partialFilterExpression: { uid: { $gt: '' } } },
    { key: { model: 1, userCode: 1 }, name: 'model_userCode', partialFilterExpression: { userCode: { $gt: '' } } },
    { key: { grantId: 1 }, name: 'grantId', partialFilterExpression: { grantId: { $gt: '' } } },
    { key: { expiresAt: 1 }, name: 'expiresAt_ttl', expireAfterSeconds: 0 },
  ],
  // Read by _id; the TTL index deletes a revocation once no token it refuses is alive.
  oauthRevocations: [{ key: { until: 1 }, name: 'until_ttl', expireAfterSeconds: 0 }],
};
