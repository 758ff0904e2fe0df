/**
 * The messages between the service and its plugin threads. A task is a batch of plugin calls of one invocation
 * (those the service made in the same tick), sent with a `MessagePort` that carries, while the batch runs, the
 * calls' `ctx.records` and `ctx.log` traffic, results that come in late, and aborts. Everything here is
 * structured-cloned: no functions, no class instances that must survive.
 */
import type { MessagePort } from 'node:worker_threads';
import type { InvocationInput, ItemInfo, ItemsOutcome, RecordsService, StoredRecord } from '../contract.js';
import type { PluginModuleRef } from '../importPlugin.js';

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
  /** The record (`processItem`) or the outcome (`summarize`); the invocation's input is added in the thread. */
  subject?: StoredRecord | ItemsOutcome;
  item?: ItemInfo;
}

export interface BatchTask {
  port: MessagePort;
  plugin: PluginModuleRef;
  /** Names the invocation; its input crosses once per thread (see `InputRequest`), not with every batch. */
  invocationKey: string;
  tenantId: string;
  user: string;
  calls: WireCall[];
}

export type CallOutcome = { id: number; value: unknown } | { id: number; error: WireError };

/** What the task's promise resolves with: the outcomes not already sent on the port. */
export interface BatchResult {
  outcomes: CallOutcome[];
}

export type RecordsMethod = keyof RecordsService;

/** Thread to host. */
export type ThreadMessage =
  | { t: 'input' }
  /** The batch's plugin code starts now: the time limits run from here. */
  | { t: 'started' }
  | { t: 'outcomes'; outcomes: CallOutcome[] }
  | { t: 'records'; req: number; id: number; method: RecordsMethod; args: unknown[] }
  | { t: 'log'; id: number; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }
  /** The answer to an abort: the thread's event loop is alive. */
  | { t: 'alive' };

/** Host to thread. */
export type HostMessage =
  | { t: 'input'; input: InvocationInput }
  | { t: 'records'; req: number; value?: unknown; error?: WireError }
  | { t: 'abort'; ids: number[]; reason: WireError };
