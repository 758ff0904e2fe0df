/**
 * Items that bring their own data (seed 000, bulk resume upload): an open run takes documents, field maps or
 * uploaded files, and each becomes a record of the run's doc type and an item of the run in one step. A record
 * also shows the runs that acted on it, with its item's status in each (seed 000's staged list).
 *
 * Glossary: a *document item* is what a client sends (fields, or a file); a *record file* is an uploaded file's
 * bytes and what describes them, kept beside its record (not in its fields, which every read and scan carries).
 */
import { createHash } from 'node:crypto';
import { DomainError, quoted, ValidationError } from './errors.js';
import type { ItemStatus, Run, RunId, RunStatus } from './runs.js';
import type { Csid, RecordFields } from './types.js';

/** An uploaded file as kept beside its record; the record's `file` field describes it (`fileFieldOf`). */
export interface RecordFile {
  /** The file name the client gave, without any directory. */
  name: string;
  /** The media type the client declared (`application/octet-stream` when it declared none). */
  mediaType: string;
  size: number;
  /** Hex SHA-256 of the content, so a client can check what it gets back. */
  sha256: string;
  content: Buffer;
}

/** A record a document item creates, with its csid already chosen (see `documentItemCsid`). */
export interface ItemRecord {
  csid: Csid;
  docType: string;
  fields: RecordFields;
  file?: RecordFile;
}

/** A document item as a client sends it: a record's fields (its doc type, if it names one), or a file. */
export type DocumentItem = { docType?: string; fields: RecordFields } | { file: RecordFile };

/** What one document item became: its record, and the file it brought, if any. */
export interface CreatedDocumentItem {
  csid: Csid;
  docType: string;
  fileName?: string;
}

/** One run that acted on a record: the run and the record's item in it. */
export interface RecordRun {
  runId: RunId;
  definitionCsid: string;
  definitionName: string;
  runStatus: RunStatus;
  runCreatedAt: Date;
  runCompletedAt?: Date;
  itemStatus: ItemStatus;
  attempts: number;
  /** When the item last changed status. */
  itemUpdatedAt: Date;
  error?: string;
}

/** Documents one request may add: a run takes more in further requests. */
export const DOCUMENT_ITEMS_LIMIT = 1000;
/** Files one multipart request may carry. */
export const UPLOAD_FILES_LIMIT = 20;
/**
 * The largest file kept, whatever `BODY_LIMIT` allows: MongoDB keeps a file in one document, at most 16 MiB with
 * what describes it.
 */
export const RECORD_FILE_MAX_BYTES = 15 * 1024 * 1024;
/** The longest file name kept; a longer one is refused rather than cut. */
export const FILE_NAME_MAX_LENGTH = 255;

/** The record field that describes a record's file (its bytes are at `…/{csid}/file`). */
export const FILE_FIELD = 'file';

/** What a record's `file` field says of its file: everything but the bytes. */
export function fileFieldOf(file: RecordFile): RecordFields {
  return { name: file.name, mediaType: file.mediaType, size: String(file.size), sha256: file.sha256 };
}

/** A file as kept, from its bytes and what the client said of them. */
export function recordFileOf(name: string, mediaType: string, content: Buffer): RecordFile {
  return { name, mediaType, size: content.length, sha256: createHash('sha256').update(content).digest('hex'), content };
}

/** The UUID v5 namespace of document items' csids (a fixed random UUID): they cannot collide with another scheme's. */
const DOCUMENT_ITEM_NAMESPACE = Buffer.from('9a3c2f71d8e44b0f8e6a15c7b2d93e48', 'hex');

/**
 * A UUID v5 (SHA-1, RFC 9562) of `name` in `namespace` (16 bytes): the same name always gives the same csid.
 */
export function nameBasedUuid(namespace: Buffer, name: string): Csid {
  const hash = createHash('sha1').update(namespace).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}` as Csid;
}

/**
 * The csid of document `ordinal` of a request that carried an idempotency key: a retry of the request (its key
 * freed by a failure, or its process gone) chooses the same csids, so on MongoDB, where records and items are
 * written one after the other, it finishes what the first attempt began instead of leaving a second record.
 */
export function documentItemCsid(scope: { tenant: string; user: string; key: string }, runId: string, ordinal: number): Csid {
  return nameBasedUuid(DOCUMENT_ITEM_NAMESPACE, JSON.stringify([scope.tenant, scope.user, scope.key, runId, ordinal]));
}

/**
 * The run's doc type, which every document must be of (when it names one). An open run is invoked in mode `list`,
 * which needs a doc type; a run without one (stored by another path) has no type to give its documents.
 */
export function documentDocType(run: Pick<Run, 'id' | 'invocation'>, documents: readonly DocumentItem[]): string {
  const { docType } = run.invocation;
  if (docType === undefined) {
    throw new DomainError('CONFLICT', `Run '${run.id}' names no docType, so its documents would be of none: open the run with a docType`);
  }
  const problems = documents.flatMap((document, index) =>
    'fields' in document && document.docType !== undefined && document.docType.toLowerCase() !== docType.toLowerCase()
      ? [{ path: `items/document/${index}/@name`, message: `is ${quoted(document.docType)} but the run's docType is ${quoted(docType)}` }]
      : [],
  );
  if (problems.length > 0) throw new ValidationError("Every document must be of the run's docType", problems);
  return docType;
}

/**
 * The records `documents` make, of `docType`, document `ordinal` under `csidOf(ordinal)`: a file's record has one
 * field, `file`, that describes it (`fileFieldOf`), and keeps the file beside it.
 */
export function itemRecordsOf(documents: readonly DocumentItem[], docType: string, csidOf: (ordinal: number) => Csid): ItemRecord[] {
  return documents.map((document, ordinal) => {
    const csid = csidOf(ordinal);
    return 'file' in document
      ? { csid, docType, fields: { [FILE_FIELD]: fileFieldOf(document.file) }, file: document.file }
      : { csid, docType, fields: document.fields };
  });
}
