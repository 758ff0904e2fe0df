/**
 * Agenda backend on SQLite. Storage is `SqliteJobRepository`; notifications are whatever channel the caller
 * passes (none means Agenda polls every `processEvery`). No persistent job logger: Agenda's `logging`
 * option finds none here and logs nothing.
 */
import type { AgendaBackend, NotificationChannel } from 'agenda';
import { SqliteJobRepository } from './SqliteJobRepository.js';
import { DEFAULTS } from './types.js';
import type { SqliteBackendOptions } from './types.js';

export class SqliteBackend implements AgendaBackend {
  readonly name: string;
  readonly repository: SqliteJobRepository;
  readonly notificationChannel: NotificationChannel | undefined;

  /** Does no I/O: the database is opened by `connect()`, which Agenda's constructor calls. */
  constructor(options: SqliteBackendOptions) {
    const { notificationChannel, name, ...repositoryOptions } = options;
    this.name = name ?? DEFAULTS.backendName;
    this.notificationChannel = notificationChannel;
    this.repository = new SqliteJobRepository(repositoryOptions);
  }

  /**
   * True when built from a filename. Agenda's `stop()`/`drain()` then disconnect, which closes the file;
   * a caller-supplied `Database` is never closed here.
   */
  get ownsConnection(): boolean {
    return this.repository.ownsConnection;
  }

  async connect(): Promise<void> {
    await this.repository.connect();
  }

  async disconnect(): Promise<void> {
    await this.repository.disconnect();
  }
}
