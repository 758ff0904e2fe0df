/**
 * The messages between the service and its plugin threads. A batch task is a batch of plugin calls of one invocation
 * (those the service made in one turn, or while the invocation had no place free), sent as a piscina task. While it
 * runs, its calls' `ctx.records` and `ctx.log` traffic, outcomes as they come, heartbeats and aborts go through its
 * thread's port: one per thread, opened when the thread starts (`PortMessage`), every message tagged with its batch
 * (`b`), so that a batch costs no channel of its own. Everything here is structured-cloned: no functions, no class
 * instances that must survive.
 */
import type { MessagePort } from 'node:worker_threads';
import type { InvocationInput, ItemInfo, ItemsOutcome, RecordsService, StoredRecord } from '../contract.js';
import type { PluginDescription } from '../descriptor.js';
import type { PluginModuleRef } from '../importPlugin.js';
import type { PluginErrorCode } from '../validatePlugin.js';

export type PluginMethod = 'processItem' | 'invoke' | 'summarize';

/** An error as it crosses between threads: the host turns `code` back into a coded error. */
export interface WireError {
  message: string;
  /** A coded error (a host service's, or a timeout) keeps its code across. */
  code?: string;
  details?: unknown;
  /** Made by `ctx.reject(message)`. */
  rejected?: boolean;
}

export interface WireCall {
  id: number;
  method: PluginMethod;
  /** Names the call in a timeout's message. */
  what: string;
  /** The record (`processItem`) or the outcome (`summarize`); the invocation's input is added in the thread. */
  subject?: StoredRecord | ItemsOutcome;
  item?: ItemInfo;
}

export interface BatchTask {
  /** Tags the batch's messages on its thread's port. */
  batch: number;
  plugin: PluginModuleRef;
  /** Names the invocation; its input crosses once per thread, not with every batch. */
  invocationKey: string;
  /**
   * The invocation's input, sent with its first batch (a thread asks for it, `{ t: 'input' }`, when a later batch
   * of an invocation it has not seen comes): a new small invocation's batch then needs no round trip before it runs.
   */
  input?: InvocationInput;
  tenantId: string;
  user: string;
  /** Time limit of each call, from when it starts in the thread. */
  timeoutMs: number;
  /**
   * Calls of the batch running at once at most, to begin with: the batch's share of its invocation's
   * `ITEM_CONCURRENCY`, which other batches of the invocation in flight hold the rest of. The host raises it
   * (`{ t: 'slots' }`) as those give theirs back.
   */
  concurrency: number;
  /** How often the thread says it is alive while the batch runs. */
  heartbeatMs: number;
  calls: WireCall[];
}

export type CallOutcome = { id: number; value: unknown } | { id: number; error: WireError };

/** What the task's promise resolves with: the outcomes not already sent on the port, and whose port that is. */
export interface BatchResult {
  outcomes: CallOutcome[];
  /** The `threadId` of the thread that ran the batch: its port holds whatever the batch sent before it ended. */
  thread: number;
  /** How many messages the thread sent about the batch on that port, all before this answer. */
  said: number;
}

/**
 * A thread's first word, on its worker's own channel (which piscina hands the host as the pool's `message` event):
 * the host's end of the port every batch of the thread talks through.
 */
export interface PortMessage {
  t: 'port';
  thread: number;
  port: MessagePort;
}

export type RecordsMethod = keyof RecordsService;

/** Thread to host, about batch `b`. */
export type ThreadMessage = { b: number } & ThreadWord;

/** What a thread says about one of its batches. */
export type ThreadWord =
  | { t: 'input' }
  /**
   * The batch's plugin code starts now (the plugin's import first): from here the thread must keep talking. `thread`
   * is its `threadId`, by which the host stops it when it falls silent.
   */
  | { t: 'started'; thread: number }
  /** Sent every `heartbeatMs` while the batch runs: a thread that falls silent is held by synchronous code. */
  | { t: 'beat' }
  | { t: 'outcomes'; outcomes: CallOutcome[] }
  | { t: 'records'; req: number; id: number; method: RecordsMethod; args: unknown[] }
  | { t: 'log'; id: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

/** Host to thread, about batch `b`. */
export type HostMessage = { b: number } & HostWord;

/** What the host says about one of a thread's batches. */
export type HostWord =
  | { t: 'input'; input: InvocationInput }
  | { t: 'records'; req: number; value?: unknown; error?: WireError }
  | { t: 'abort'; ids: number[]; reason: WireError }
  /** The batch may run `more` of its calls at once than it did. */
  | { t: 'slots'; more: number };

/** Loading a plugin (threads/loadThread.ts). */
export interface LoadTask {
  plugin: PluginModuleRef;
  /** How long the thread waits, once the module is evaluated, before it answers (see loadThread.ts). */
  settleMs: number;
}

/** A loading thread's answer: what the module's default export is (which the host checks), or why it cannot load. */
export type LoadAnswer = { description: PluginDescription } | { failure: { code: PluginErrorCode; reason: string; cause?: unknown } };

/** An error as a load failure's reason words it: its name and message. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
