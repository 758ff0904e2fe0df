/**
 * The rule every Agenda job of this service follows: no job carries authority in its data. Agenda jobs can be
 * written by more than this service's code (Agendash creates, requeues and retries jobs; anyone with the database
 * can edit them), so a job's data only names what it acts on, by id and tenant (the store's scope), and nothing
 * else. The handler reads that record from the store and takes the tenant and the acting user from it: a schedule
 * fires as its stored creator, a run's session works as the run's creator. A job whose data is not exactly that
 * shape, or names nothing stored, is refused: logged as a warning with the job's id, removed, and nothing starts.
 * The purge job names nothing: it deletes by the configured retention alone, whatever its data says.
 */
import type { Job } from 'agenda';
import type { Logger } from 'pino';

/** The job's data as an object with exactly `keys`, else `undefined` (a missing or an extra key is refused alike). */
export function exactData<K extends string>(data: unknown, keys: readonly K[]): Record<K, unknown> | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const present = Object.keys(data);
  if (present.length !== keys.length || !keys.every((key) => present.includes(key))) return undefined;
  return data as Record<K, unknown>;
}

/** Refuses the job: a warning naming it and why, then the job is removed so that it never comes back. */
export async function refuseJob(job: Job, logger: Logger, reason: string): Promise<void> {
  const jobId = String(job.attrs._id);
  logger.warn({ job: jobId, name: job.attrs.name, reason }, 'Agenda job refused: it names nothing stored that it may act on');
  try {
    await job.remove();
  } catch (err) {
    logger.warn({ err, job: jobId }, 'could not remove a refused Agenda job');
  }
}
