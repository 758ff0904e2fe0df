/**
 * Loads one plugin module in a thread of its own (threads/loadThread.ts), under a time limit and a heap limit, and
 * answers what that thread says, or why it said nothing: the service's thread never evaluates plugin code. The
 * thread is a one-thread piscina pool, started for the load and destroyed after: one thread per load means that
 * nothing a plugin's top level did (to globals, to the module cache, with a timer) outlives its load or reaches
 * another plugin's.
 */
import { Piscina } from 'piscina';
import type { PluginModuleRef } from '../importPlugin.js';
import type { LoadAnswer, LoadTask } from './protocol.js';
import { threadModule } from './threadModule.js';

export interface PluginLoadLimits {
  /** How long a module may take to load (evaluate, and be checked) before its thread is stopped. @defaultValue 10000 */
  timeoutMs: number;
  /** Heap limit of the loading thread (V8's old generation), in MiB. @defaultValue 512 */
  maxOldGenerationMb: number;
  /**
   * How long the thread waits, once the module is evaluated, before it answers: a throw from a timer or a rejection
   * that the top level started within this time fails the load. @defaultValue 50
   */
  settleMs: number;
}

export const PLUGIN_LOAD_DEFAULTS = {
  timeoutMs: 10_000,
  maxOldGenerationMb: 512,
  settleMs: 50,
} as const satisfies PluginLoadLimits;

const LOAD_THREAD = threadModule('loadThread');

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Why the thread stopped before it answered. */
function stopped(error: unknown, timedOut: boolean, limits: PluginLoadLimits): LoadAnswer {
  if ((error as Error | undefined)?.name === 'AbortError' && !timedOut) {
    return { failure: { code: 'PLUGIN_IMPORT', reason: 'its loading was stopped before it ended (the service is closing)' } };
  }
  if (timedOut) {
    return {
      failure: {
        code: 'PLUGIN_LOAD_TIMEOUT',
        reason: `did not load within ${limits.timeoutMs} ms (top-level code that blocks, or waits for ever); its loading thread was stopped`,
      },
    };
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return { failure: { code: 'PLUGIN_LOAD_CRASHED', reason: `ran out of memory while loading (the heap limit is ${limits.maxOldGenerationMb} MiB)`, cause: error } };
  }
  // piscina's words for a thread that ended with a task in flight.
  if (error instanceof Error && error.message.startsWith('worker exited with code')) {
    return { failure: { code: 'PLUGIN_LOAD_CRASHED', reason: `ended the thread loading it (${error.message}), as process.exit() does` } };
  }
  return { failure: { code: 'PLUGIN_IMPORT', reason: `threw while loading, outside its module's evaluation (a timer, an unhandled rejection): ${describe(error)}`, cause: error } };
}

/** Never rejects: every way a load can end is an answer. `signal` stops the load (its answer then says so). */
export async function loadInThread(plugin: PluginModuleRef, limits: PluginLoadLimits, signal?: AbortSignal): Promise<LoadAnswer> {
  const pool = new Piscina({
    filename: LOAD_THREAD,
    minThreads: 0,
    maxThreads: 1,
    // The plugin's timers must not put the thread to sleep in Atomics.wait.
    atomics: 'disabled',
    recordTiming: false,
    resourceLimits: { maxOldGenerationSizeMb: limits.maxOldGenerationMb },
  });
  // What the plugin left running after its answer (a timer's throw) is its thread's end, and no one's concern.
  pool.on('error', () => undefined);
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const task: LoadTask = { plugin: { kind: plugin.kind, file: plugin.file, version: plugin.version }, settleMs: limits.settleMs };
  try {
    return (await pool.run(task, { signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]) })) as LoadAnswer;
  } catch (error) {
    return stopped(error, deadline.aborted, limits);
  } finally {
    // Not awaited: a thread held in a system call may never stop, and the load is over either way.
    pool.destroy().catch(() => undefined);
  }
}
