/**
 * What the rest of the service needs to call plugin code, whichever way it is run (see threads/pluginThreads.ts):
 * one call of a plugin's method, under a time limit and an abort signal, with the records and logger it is lent.
 */
import type { InvocationInput, ItemInfo, ItemsOutcome, PluginLogger, RecordsService, StoredRecord } from './contract.js';
import type { PluginModuleRef } from './importPlugin.js';
import type { PluginMethod } from './threads/protocol.js';

export type { PluginMethod };

export interface PluginCallRequest {
  plugin: PluginModuleRef & { className: string };
  /** The same object for every call of one invocation: it is what calls are batched by. */
  input: InvocationInput;
  tenantId: string;
  user: string;
  method: PluginMethod;
  /** The record (`processItem`) or the outcome (`summarize`). */
  subject?: StoredRecord | ItemsOutcome;
  item?: ItemInfo;
  /** Answers the call's `ctx.records`; absent for `summarize`, which has no context. */
  records?: RecordsService;
  log: PluginLogger;
  timeoutMs: number;
  /** Calls of this invocation that may run at once (all its calls carry the same number). */
  concurrency: number;
  /** Names the call in error messages, e.g. "Plugin 'x' on record 123". */
  what: string;
  signal?: AbortSignal;
  /** Filled in by the runner while the call runs: lets the caller stop this one call (e.g. its item's lease was lost). */
  handle?: CallHandle;
}

/** Stops one call, with `reason` as its failure; set while the call runs, absent before and after. */
export interface CallHandle {
  abort?(reason: unknown): void;
}

export interface PluginCalls {
  /**
   * The method's result (only the fields the contract defines), or a `DomainError`: `PLUGIN_FAILED`,
   * `PLUGIN_REJECTED`, `PLUGIN_TIMEOUT`, `PLUGIN_CRASHED`, a code a records call failed with, or the signal's reason.
   */
  call(request: PluginCallRequest): Promise<unknown>;
}
