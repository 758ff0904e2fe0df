/**
 * The notification channel Agenda is given, around the one that carries job saves (in-process, or a MongoDB change
 * stream): it passes everything through, and lets this process tell its own Agenda to look for jobs of a name now.
 *
 * Why: Agenda locks a job only while the job's lock limit has room, and looks again at its next poll or when a job is
 * saved. A run job that waited because the limit was full would wait for the poll after a session ended (every
 * `RUN_POLL_MS`, runs start a few at a time). Told when a slot frees, Agenda locks the next job at once. A change
 * stream cannot carry that (its `publish` is a no-op: it only reports writes), hence a channel of our own in front.
 */
import { BaseNotificationChannel, toJobId, type JobNotification, type JobStateNotification, type NotificationChannel } from 'agenda';

/** A notification no job stands behind: it only makes Agenda look for due jobs of its name. */
const LOOK_AGAIN_ID = toJobId('look-again');

export class LocalWakeChannel extends BaseNotificationChannel {
  readonly #inner: NotificationChannel;
  #unsubscribe: Array<() => void> = [];

  constructor(inner: NotificationChannel) {
    super();
    this.#inner = inner;
  }

  async connect(): Promise<void> {
    this.setState('connecting');
    await this.#inner.connect();
    this.#unsubscribe = [this.#inner.subscribe((notification) => this.notifyHandlers(notification))];
    const { subscribeState } = this.#inner;
    if (subscribeState !== undefined) this.#unsubscribe.push(subscribeState.call(this.#inner, (notification) => this.notifyStateHandlers(notification)));
    this.setState('connected');
  }

  async disconnect(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await this.#inner.disconnect();
    this.setState('disconnected');
  }

  publish(notification: JobNotification): Promise<void> {
    return this.#inner.publish(notification);
  }

  async publishState(notification: JobStateNotification): Promise<void> {
    await this.#inner.publishState?.(notification);
  }

  /** Has this process's Agenda look for due jobs named `jobName` now (one of them may have become lockable). */
  lookAgain(jobName: string): Promise<void> {
    if (this.state !== 'connected') return Promise.resolve();
    const now = new Date();
    return this.notifyHandlers({ jobId: LOOK_AGAIN_ID, jobName, nextRunAt: now, priority: 0, timestamp: now });
  }
}
