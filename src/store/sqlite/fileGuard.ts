/**
 * Keeps the embedded store's writes honest about where they land. A process keeps a database file it opened
 * even after the file is unlinked or its path names another file: SQLite then goes on committing into a file
 * nobody will ever open again. The guard remembers the file's identity (device and inode) at open, and a write
 * checks that its path still names that file, inside its transaction (a mismatch rolls it back) and after the
 * commit (closing the gap between the two). It also turns SQLite's read-only, full-disk and I/O errors into
 * store faults.
 */
import { closeSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type { StoreProblem, StoreProblemKind } from '../../domain/errors.js';
import { StoreUnavailableError } from '../../domain/errors.js';
import type { StoreHealth } from '../health.js';

interface FileIdentity {
  dev: number;
  ino: number;
}

/** The identity of the file at `file`, or `undefined` when nothing is there (or its directory is gone). */
export function identityOf(file: string): FileIdentity | undefined {
  try {
    const stats = statSync(file, { throwIfNoEntry: false });
    return stats === undefined ? undefined : { dev: stats.dev, ino: stats.ino };
  } catch {
    // ENOTDIR and the like: the path does not lead to a file any more.
    return undefined;
  }
}

/** SQLite's result codes (and the errno of file operations) that mean the store cannot take writes. */
function kindOf(error: unknown): StoreProblemKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'read-only';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'EIO') return 'io-error';
  return undefined;
}

const DESCRIPTIONS: Record<StoreProblemKind, string> = {
  gone: 'was deleted while the service had it open',
  replaced: 'now names another file than the one the service has open',
  'read-only': 'is read-only',
  full: 'cannot grow: the disk is full',
  'io-error': 'cannot be written (I/O error)',
  unreachable: 'cannot be reached',
};

/**
 * Whether the file or its write-ahead log refuses to be opened for writing (a read-only file system, an
 * immutable file): SQLite reports that as a plain I/O error, without the errno that says why.
 */
function refusesWrites(file: string): boolean {
  for (const candidate of [file, `${file}-wal`]) {
    try {
      closeSync(openSync(candidate, 'r+'));
    } catch (error) {
      if (kindOf(error) === 'read-only') return true;
    }
  }
  return false;
}

/** The problem `error` (met by a write to `file`) stands for, if it is one of the store's own. */
export function fileProblemOf(error: unknown, file: string): StoreProblem | undefined {
  const kind = kindOf(error);
  if (kind === undefined) return undefined;
  return fileProblem(kind === 'io-error' && refusesWrites(file) ? 'read-only' : kind, file);
}

export function fileProblem(kind: StoreProblemKind, file: string): StoreProblem {
  return { kind, message: `database file ${path.basename(file)} ${DESCRIPTIONS[kind]}` };
}

/** Faults that go away by themselves once the condition is fixed (a later write or probe succeeds). */
export function clearsOnWrite(problem: StoreProblem | undefined): boolean {
  return problem !== undefined && problem.kind !== 'gone' && problem.kind !== 'replaced';
}

export class SqliteFileGuard {
  #identity: FileIdentity | undefined;

  /** `part` names this file among the store's parts in `health`. */
  constructor(
    readonly file: string,
    readonly part: string,
    readonly health: StoreHealth,
  ) {
    this.#identity = identityOf(file);
  }

  /** The file at the path is the open one from now on (after opening or reopening it). */
  rebind(): void {
    this.#identity = identityOf(this.file);
  }

  /** Why the path no longer names the open file, if it does not. */
  misplaced(): StoreProblem | undefined {
    const now = identityOf(this.file);
    if (now === undefined) return fileProblem('gone', this.file);
    const open = this.#identity;
    if (open === undefined || now.dev !== open.dev || now.ino !== open.ino) return fileProblem('replaced', this.file);
    return undefined;
  }

  /** This part's current fault. */
  get problem(): StoreProblem | undefined {
    return this.health.problemOf(this.part);
  }

  /** Before a write starts: a store known to be gone or replaced takes none until it has recovered. */
  beforeWrite(): void {
    const problem = this.problem;
    if (problem !== undefined && !clearsOnWrite(problem)) throw new StoreUnavailableError(problem);
  }

  /** Throws (recording the fault) when the path no longer names the open file. */
  verify(): void {
    const problem = this.misplaced();
    if (problem !== undefined) throw this.health.fault(this.part, problem);
  }

  /** A write went through: a read-only or full store works again. */
  succeeded(): void {
    if (clearsOnWrite(this.problem)) this.health.clear(this.part);
  }

  /** The error a write should throw: the store's own faults become `StoreUnavailableError`, others stay. */
  failed(error: unknown): unknown {
    if (error instanceof StoreUnavailableError) return error;
    const problem = fileProblemOf(error, this.file);
    return problem === undefined ? error : this.health.fault(this.part, problem, error);
  }
}
