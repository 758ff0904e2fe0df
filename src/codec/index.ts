/**
 * XML/JSON documents of Invocables. Each body goes text → `DocTree` (per media type) → document mapper →
 * domain value, and back. src/http needs only what is exported here.
 */
export { clientRequestIdOf, withoutClientRequestId } from './clientRequestId.js';
export type { DocNode, DocScalar, DocTree, DocValue } from './tree.js';
export { parseXml, buildXml, XML_DECLARATION } from './xmlCodec.js';
export { parseJsonTree, buildJson } from './jsonCodec.js';
export { checkJsonDepth, MAX_DOCUMENT_DEPTH } from './documentDepth.js';
export { decodeUtf8Body, isUtf8Charset } from './bodyText.js';
export {
  codecForContentType,
  DEFAULT_MEDIA_TYPE,
  isMediaType,
  JSON_MEDIA_TYPE,
  MEDIA_CODECS,
  MEDIA_TYPES,
  RESPONSE_MEDIA_TYPES,
  XML_BODY_TYPES,
  XML_MEDIA_TYPE,
  XML_TEXT_MEDIA_TYPE,
} from './mediaTypes.js';
export type { MediaCodec, MediaType } from './mediaTypes.js';
export {
  BATCH_INVOCABLES_NAMESPACE,
  BATCH_NAMESPACE,
  COMMON_LIST_NAMESPACE,
  CORE_NAMESPACE,
  INVOCABLE_NAMESPACE,
  RELATION_NAMESPACE,
  batchUri,
  recordUri,
  relationUri,
} from './namespaces.js';
export { encodeAccountPermissionDocument } from './accountPermissionDocument.js';
export { encodeAccountRoleDocument } from './accountRoleDocument.js';
export { encodeServiceTagList, serviceTagsOf, TAG_LIST_SPEC } from './serviceTagList.js';
export { decodeBatchDocument, decodeBatchUpdate, encodeBatchDocument, checkBatchCommonPart } from './batchDocument.js';
export { decodeDefinitionImport, encodeDefinitionExport, encodeImportReport } from './definitionTransfer.js';
export { decodeBatchBulk, encodeBulkResponses } from './batchBulkDocument.js';
export { encodeBatchForms } from './batchFormsDocument.js';
export { BATCH_LIST_SPEC, encodeBatchList, encodeCommonList } from './commonList.js';
export type { ListItem, ListSpec } from './commonList.js';
export { encodeDomainError, encodeError, encodeErrorText } from './errorDocument.js';
export type { ErrorBody } from './errorDocument.js';
export {
  decodeInvocationContext,
  encodeInvocationContext,
  encodeInvocationResults,
} from './invocationContext.js';
export type { InvocationContextPayload, InvocationParam, InvocationResultsPayload } from './invocationContext.js';
export { decodeRecordDocument, encodeRecordDocument, RECORD_LIST_SPEC } from './recordDocument.js';
export type { RecordDocument } from './recordDocument.js';
export {
  commonPartName,
  decodeRecordServiceDocument,
  encodeRecordServiceDocument,
  RECORD_SERVICES,
  recordServiceListSpec,
} from './recordServiceDocument.js';
export type { RecordServiceSpec } from './recordServiceDocument.js';
export { decodeRelationDocument, encodeRelationDocument, RELATION_LIST_SPEC } from './relationDocument.js';
export { decodeRunItems, encodeRunDocument, RUN_ITEM_LIST_SPEC, RUN_LIST_SPEC } from './runDocument.js';
export { decodeDocumentItems, DOCUMENT_ITEM_LIST_SPEC, RECORD_RUN_LIST_SPEC } from './documentItemsDocument.js';
export { decodeResultLinkRequest, encodeResultLinkDocument, RESULT_LINK_LIST_SPEC } from './resultLinkDocument.js';
export type { ResultLinkRequest, ResultLinkView } from './resultLinkDocument.js';
export { encodeRunLog, runLogLineFields, RUN_LOG_LIST_SPEC } from './runLogDocument.js';
export { decodeScheduleRequest, encodeScheduleDocument, SCHEDULE_LIST_SPEC } from './scheduleDocument.js';
export type { ScheduleRequest } from './scheduleDocument.js';
export { decodeMultiTenantInvocation, encodeMultiTenantOutcome } from './multiTenantDocument.js';
export type { MultiTenantInvocation, MultiTenantOutcome } from './multiTenantDocument.js';
export {
  decodePasswordDocument,
  decodeRoleDocument,
  decodeRolesDocument,
  decodeTenantDocument,
  decodeTokenDocument,
  decodeUserDocument,
  encodeRole,
  encodeTenant,
  encodeToken,
  encodeUser,
  ROLE_LIST_SPEC,
  TENANT_LIST_SPEC,
  TOKEN_LIST_SPEC,
  userListSpec,
} from './adminDocuments.js';
export { encodeWorkflowDocument } from './workflowDocument.js';
