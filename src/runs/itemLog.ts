/**
 * What a plugin logs through `ctx.log` while it works on one run item: each line goes to the service's log as
 * before, and is kept (clipped, at most `limit` lines over the item's attempts) to be stored with the item's
 * outcome. A plugin that never logs costs this one object per item and nothing in the store.
 */
import { clipLogEntry, type LogLevel, type RunLogEntry } from '../domain/runLog.js';
import type { PluginLogger } from '../plugins/contract.js';
import type { Clock } from '../store/queryRules.js';

export class ItemLog implements PluginLogger {
  /** Absent until the first line. */
  entries: RunLogEntry[] | undefined;
  /** Lines past `limit`. */
  dropped = 0;
  /** The attempt the next lines belong to. */
  attempt = 1;

  constructor(
    readonly itemKey: string,
    readonly limit: number,
    readonly host: PluginLogger,
    readonly now: Clock,
  ) {}

  debug(message: string, fields?: Record<string, unknown>): void {
    this.#keep('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.#keep('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.#keep('warn', message, fields);
  }

  error(message: string, fields?: Record<string, unknown>): void {
    this.#keep('error', message, fields);
  }

  #keep(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void {
    this.host[level](message, fields);
    this.entries ??= [];
    if (this.entries.length >= this.limit) {
      this.dropped += 1;
      return;
    }
    const entry: RunLogEntry = { itemKey: this.itemKey, attempt: this.attempt, level, message: String(message), at: this.now() };
    if (fields !== undefined) entry.fields = fields;
    this.entries.push(clipLogEntry(entry));
  }
}
