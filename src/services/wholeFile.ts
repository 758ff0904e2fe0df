/** Secrets the service keeps in files of DATA_DIR, created once by whichever process starts first. */
import { randomUUID } from 'node:crypto';
import { link, rm, writeFile } from 'node:fs/promises';

/**
 * Creates `file` with `text`, whole or not at all: written aside, then linked into place, which fails if the file
 * exists. So when several processes start at once on one DATA_DIR, one creates the file and the others read all of
 * it, never half. Answers whether this call created it.
 */
export async function createWhole(file: string, text: string): Promise<boolean> {
  const aside = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(aside, text, { mode: 0o600, flag: 'wx' });
    await link(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(aside, { force: true });
  }
}
