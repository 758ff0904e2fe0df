/** Where in a request body's text a problem is, and the one shape of a "malformed body" error for both formats. */
import { DomainError } from '../domain/errors.js';

export interface SourceLocation {
  line: number;
  column: number;
}

/** 1-based line and column of a character index. */
export function locate(source: string, index: number): SourceLocation {
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

/** `MALFORMED_BODY` for a problem at `location` of an XML or JSON body. */
export function malformedAt(format: 'XML' | 'JSON', location: SourceLocation, reason: string, cause?: unknown): DomainError {
  const where = `line ${location.line}, column ${location.column}`;
  return new DomainError('MALFORMED_BODY', `Malformed ${format} at ${where}: ${reason}`, [{ path: where, message: reason }], {
    cause,
  });
}
