/** CollectionSpace namespace URIs and the resource URIs Invocables writes into documents. */

export const BATCH_NAMESPACE = 'http://collectionspace.org/services/batch';
/** The `batch_invocables` extension part of a definition (a local part, as CollectionSpace tenants add their own). */
export const BATCH_INVOCABLES_NAMESPACE = 'http://collectionspace.org/services/batch/local/invocables';
export const CORE_NAMESPACE = 'http://collectionspace.org/collectionspace_core/';
export const COMMON_LIST_NAMESPACE = 'http://collectionspace.org/services/jaxb';
export const INVOCABLE_NAMESPACE = 'http://collectionspace.org/services/common/invocable';
export const RELATION_NAMESPACE = 'http://collectionspace.org/services/relation';
export const WORKFLOW_NAMESPACE = 'http://collectionspace.org/services/workflow';
/** The namespace of CollectionSpace's `account_permission` part (its authorization schemas). */
export const AUTHORIZATION_NAMESPACE = 'http://collectionspace.org/services/authorization';

/** The prefix CollectionSpace conventionally writes for each part's namespace. */
export const PART_PREFIX = 'ns2';

export function batchUri(csid: string): string {
  return `/batch/${csid}`;
}

/**
 * A definition's refName, as CollectionSpace builds it for any record (`DocumentModelHandler.getRefName`,
 * `RefName.Authority.toString`): `urn:cspace:<tenant>:batch:id(<csid>)`. A display name would follow in quotes,
 * but the Batch service binding names no `RefnameDisplayNameField`, so CollectionSpace writes none for batch jobs.
 */
export function batchRefName(tenant: string, csid: string): string {
  return `urn:cspace:${tenant}:batch:id(${csid})`;
}

export function recordUri(docType: string, csid: string): string {
  return `/records/${docType}/${csid}`;
}

export function relationUri(csid: string): string {
  return `/relations/${csid}`;
}
