/**
 * `multipart/form-data` uploads (busboy), for document items that are files: every file part is read into memory
 * within limits (the whole body at most `maxBytes`, at most `maxFiles` files), so a request that breaks one is
 * answered 413 or 400 having kept nothing. Form fields are refused: a file's record is the file.
 */
import busboy from 'busboy';
import type { Request } from 'express';
import { FILE_NAME_MAX_LENGTH, recordFileOf, type RecordFile } from '../domain/recordItems.js';
import { HttpProblem } from './problems.js';

export interface UploadLimits {
  /** Bytes the whole request body may have (`BODY_LIMIT`). */
  maxBytes: number;
  /** Bytes one file may have. */
  maxFileBytes: number;
  maxFiles: number;
}

const OCTET_STREAM = 'application/octet-stream';
/** A media type without parameters, as `Content-Type` will carry it back. */
const MEDIA_TYPE = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+$/;
/** Control characters (C0, DEL, C1) have no place in a name shown back in headers and documents. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function isMultipart(req: Request): boolean {
  return req.is('multipart/form-data') === 'multipart/form-data';
}

function invalid(message: string, path = 'multipart/form-data'): HttpProblem {
  return new HttpProblem('VALIDATION_FAILED', message, [{ path, message }]);
}

function tooLarge(limits: UploadLimits): HttpProblem {
  return new HttpProblem('PAYLOAD_TOO_LARGE', `An upload may have at most ${limits.maxBytes} bytes in all (BODY_LIMIT), and a file at most ${limits.maxFileBytes}`);
}

/** The file's name as kept: busboy already dropped any directory; it must be shown back safely. */
function checkedName(name: string | undefined, field: string): string {
  if (name === undefined || name.trim() === '') throw invalid(`The file of part '${field}' has no filename`, field);
  if (name.length > FILE_NAME_MAX_LENGTH || CONTROL.test(name)) {
    throw invalid(`The filename of part '${field}' must be at most ${FILE_NAME_MAX_LENGTH} characters, without control characters`, field);
  }
  return name;
}

/**
 * Reads every file of the request, in order. Answers once the whole body is read; on a refusal the rest of the
 * body is read and dropped, so the client gets its answer.
 * @throws HttpProblem 413 past `maxBytes`; 400 for a malformed body, a form field, a file without a name, more than
 *   `maxFiles` files or none
 */
export function readUploads(req: Request, limits: UploadLimits): Promise<RecordFile[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: limits.maxFiles, fileSize: limits.maxFileBytes, fieldSize: 0 } });
    } catch (error) {
      reject(invalid(`The multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    const reading: Array<Promise<RecordFile>> = [];
    let received = 0;
    let failed = false;
    const fail = (problem: HttpProblem) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(problem);
    };
    // A client gone before its body ended: nothing would close the parser, and the request would wait forever.
    req.on('close', () => {
      if (!req.complete) fail(invalid('The upload ended before its body was complete'));
    });
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) fail(tooLarge(limits));
    });
    parser.on('file', (field, stream, info) => {
      let name: string;
      const mediaType = info.mimeType || OCTET_STREAM;
      try {
        name = checkedName(info.filename, field);
        if (!MEDIA_TYPE.test(mediaType)) throw invalid(`The Content-Type of part '${field}' is not a media type`, field);
      } catch (problem) {
        stream.resume();
        fail(problem as HttpProblem);
        return;
      }
      // A file's promise only ever resolves: a refusal goes through `fail`, so no rejection is left unhandled.
      reading.push(
        new Promise((done) => {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('limit', () => fail(tooLarge(limits)));
          stream.on('error', (error: Error) => fail(invalid(`The file of part '${field}' cannot be read: ${error.message}`, field)));
          stream.on('end', () => done(recordFileOf(name, mediaType.toLowerCase(), Buffer.concat(chunks))));
        }),
      );
    });
    // The first form field fails the request (read no further than its name: `fieldSize` 0).
    parser.on('field', (field) => fail(invalid(`Form field '${field}' is not taken: send files only`, field)));
    parser.on('filesLimit', () => fail(invalid(`At most ${limits.maxFiles} files may be uploaded at once`)));
    parser.on('partsLimit', () => fail(invalid('Too many parts')));
    parser.on('error', (error: Error) => fail(invalid(`The multipart body cannot be read: ${error.message}`)));
    parser.on('close', () => {
      if (failed) return;
      void Promise.all(reading).then((files) => {
        if (failed) return;
        if (files.length === 0) fail(invalid('No file to add: send each file as a part with a filename'));
        else resolve(files);
      });
    });
    req.pipe(parser);
  });
}
