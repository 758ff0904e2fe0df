/**
 * How Agenda hears of a job saved (a run woken, a schedule due) without waiting for its next poll. On a MongoDB
 * replica set or sharded cluster, a change stream on Agenda's collection (`@agendajs/mongo-backend`'s channel):
 * a run saved by one process starts at once in every other. Elsewhere an in-process channel starts at once the
 * jobs this process saves, and other processes' jobs are found by polling every `RUN_POLL_MS`: on a standalone
 * MongoDB server (no change streams) that is said once, at start. Polling goes on beside a change stream too, so a
 * stream that fails (it reconnects, and the failure is logged) delays work by a poll at most.
 */
import { InMemoryNotificationChannel, type NotificationChannel } from 'agenda';
import { MongoChangeStreamNotificationChannel } from '@agendajs/mongo-backend';
import type { Logger } from 'pino';
import { MongoStore } from '../store/mongo/index.js';
import type { Store } from '../store/types.js';

/** The log line a standalone MongoDB server gets at start. */
export const POLLING_FALLBACK_MESSAGE = 'MongoDB is a standalone server, without change streams: workers find runs other processes save by polling';

export function notificationChannelFor(store: Store, logger: Logger, pollEveryMs: number): NotificationChannel {
  if (!(store instanceof MongoStore)) return new InMemoryNotificationChannel();
  if (store.deployment === 'standalone') {
    logger.info({ pollEveryMs, deployment: store.deployment }, POLLING_FALLBACK_MESSAGE);
    return new InMemoryNotificationChannel();
  }
  // Reconnects for as long as it takes (30 s apart at most): polling covers the gap.
  const channel = new MongoChangeStreamNotificationChannel({ db: store.db, reconnect: { enabled: true, maxAttempts: Number.POSITIVE_INFINITY } });
  // Unheard, a stream's error would be thrown by the emitter and end the process.
  channel.on('error', (err: unknown) => logger.warn({ err }, 'change stream of Agenda jobs failed; polling until it is back'));
  logger.info({ deployment: store.deployment }, 'workers are woken through a change stream of Agenda jobs');
  return channel;
}
