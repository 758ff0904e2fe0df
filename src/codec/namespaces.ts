/** CollectionSpace namespace URIs and the resource URIs Invocables writes into documents. */

export const BATCH_NAMESPACE = 'http://collectionspace.org/services/batch';
/** The `batch_invocables` extension part of a definition (a local part, as CollectionSpace tenants add their own). */
export const BATCH_INVOCABLES_NAMESPACE = 'http://collectionspace.org/services/batch/local/invocables';
export const CORE_NAMESPACE = 'http://collectionspace.org/collectionspace_core/';
export const COMMON_LIST_NAMESPACE = 'http://collectionspace.org/services/jaxb';
export const INVOCABLE_NAMESPACE = 'http://collectionspace.org/services/common/invocable';
export const RELATION_NAMESPACE = 'http://collectionspace.org/services/relation';

/** The prefix CollectionSpace conventionally writes for each part's namespace. */
export const PART_PREFIX = 'ns2';

export function batchUri(csid: string): string {
  return `/batch/${csid}`;
}

export function recordUri(docType: string, csid: string): string {
  return `/records/${docType}/${csid}`;
}

export function relationUri(csid: string): string {
  return `/relations/${csid}`;
}

/** The `workflow_common` part of a record's `/workflow` sub-resource. */
export const WORKFLOW_NAMESPACE = 'http://collectionspace.org/services/workflow';
