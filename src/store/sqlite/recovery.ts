/**
 * Recovery of a SQLite file the store holds open. Read-only and full clear by themselves: a probe write that
 * succeeds clears them. A file that is gone cannot come back by itself, but the process still has it open, so
 * all committed work is still there: once its directory exists again and its path is free, the open database
 * is written back there (`VACUUM INTO` a temporary name, then a hard link, which never overwrites anything) and
 * reopened. A path that names another file is never overwritten: the store stays unavailable until an operator
 * moves that file away (the open database is then written back) or restarts the service (which then uses the
 * other file, and the work only the open one holds is lost).
 */
import { existsSync, linkSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { clearsOnWrite, fileProblem, fileProblemOf, type SqliteFileGuard } from './fileGuard.js';

/** The open connection of one file of the store, and how to open that file again once it is written back. */
export interface SqliteConnection {
  db(): Database;
  /** Closes the old connection and opens the file at its path; the guard is rebound afterwards. */
  reopen(): void;
}

/** A write that changes nothing but still goes through the journal and the file: does the file take writes? */
function probeWrite(db: Database): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    db.pragma(`user_version = ${Math.trunc(version)}`);
  }).immediate();
}

/**
 * Writes the open database to `file`, where nothing is. Throws when the directory is missing or the path is
 * taken (EEXIST): the caller then stays unavailable.
 */
function writeBack(db: Database, file: string): void {
  if (!existsSync(path.dirname(file))) throw Object.assign(new Error('the data directory is missing'), { code: 'ENOENT' });
  const temporary = `${file}.restoring-${process.pid}`;
  rmSync(temporary, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(temporary);
    linkSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Looks at one file of the store: records a new fault, or clears or recovers from a known one. */
export function probeFile(guard: SqliteFileGuard, connection: SqliteConnection): void {
  const { health, part, file } = guard;
  const known = guard.problem;
  const misplaced = guard.misplaced();
  if (known === undefined || clearsOnWrite(known)) {
    if (misplaced !== undefined) {
      health.fault(part, misplaced);
      return;
    }
    if (known === undefined) return;
    if (!connection.db().open) {
      reopenAndProbe(guard, connection);
      return;
    }
    try {
      probeWrite(connection.db());
      health.clear(part);
    } catch (error) {
      health.fault(part, fileProblemOf(error, file) ?? known, error);
    }
    return;
  }
  // Gone or replaced. The file may be back where it was (moved away and back): nothing to do.
  if (misplaced === undefined) {
    health.clear(part);
    return;
  }
  if (misplaced.kind === 'replaced') {
    health.fault(part, misplaced);
    return;
  }
  try {
    writeBack(connection.db(), file);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // Taken meanwhile: the same rule as a replaced file. A missing directory waits for the operator.
    if (code === 'EEXIST') health.fault(part, fileProblem('replaced', file));
    else if (code === 'ENOENT') health.fault(part, { ...misplaced, message: `${misplaced.message}; it is written back once the data directory exists again` });
    else health.fault(part, { ...misplaced, message: `${misplaced.message}; writing it back failed (${String(code ?? 'error')})` }, error);
    return;
  }
  // The file at the path is ours from now on, even if reopening it fails (the next probe reopens it then).
  guard.rebind();
  reopenAndProbe(guard, connection);
}

function reopenAndProbe(guard: SqliteFileGuard, connection: SqliteConnection): void {
  try {
    connection.reopen();
    probeWrite(connection.db());
    guard.health.clear(guard.part);
  } catch (error) {
    guard.health.fault(guard.part, fileProblemOf(error, guard.file) ?? fileProblem('io-error', guard.file), error);
  }
}
