/**
 * The thread plugin modules are loaded in (threads/loadThread.ts), under a time limit and a heap limit: the
 * service's thread never evaluates plugin code. One serves one scan of the plugins directory, loading one module
 * after the other (piscina replaces it when it stops), and is destroyed once the scan is over, so nothing a
 * plugin's top level did (to globals, with a timer) outlives the scan.
 *
 * One thread for all the loads of a scan, because a thread costs more to start than most modules cost to load (and
 * under tsx, each thread loads tsx again); a second one would gain little, since a scan waits for its slowest load
 * anyway. What one plugin left behind in the thread (a timer that throws, bent globals) could then fail the next
 * plugin's load: so a load that fails other than by its time limit is tried again alone, in a new thread, whose
 * answer is final. A module that blocks is charged at once: its time limit is not spent twice.
 */
import { Piscina } from 'piscina';
import type { PluginModuleRef } from '../importPlugin.js';
import { errorText, type LoadAnswer, type LoadTask } from './protocol.js';
import { threadModule } from './threadModule.js';

export interface PluginLoadLimits {
  /** How long a module may take to load (evaluate, and be checked) before its thread is stopped. @defaultValue 10000 */
  timeoutMs: number;
  /** Heap limit of the loading thread (V8's old generation), in MiB. @defaultValue 512 */
  maxOldGenerationMb: number;
  /**
   * How long the thread waits, once the module is evaluated, before it answers: a throw from a timer or a rejection
   * that the top level started within this time fails the load. @defaultValue 10
   */
  settleMs: number;
}

export const PLUGIN_LOAD_DEFAULTS = {
  timeoutMs: 10_000,
  maxOldGenerationMb: 512,
  settleMs: 10,
} as const satisfies PluginLoadLimits;

const LOAD_THREAD = threadModule('loadThread');

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
  return { failure: { code: 'PLUGIN_IMPORT', reason: `threw while loading, outside its module's evaluation (a timer, an unhandled rejection): ${errorText(error)}`, cause: error } };
}

function newPool(limits: PluginLoadLimits): Piscina {
  const pool = new Piscina({
    filename: LOAD_THREAD,
    minThreads: 0,
    maxThreads: 1,
    // Kept between one load and the next; it is destroyed after its scan anyway.
    idleTimeout: 5_000,
    // The plugin's timers must not put the thread to sleep in Atomics.wait.
    atomics: 'disabled',
    recordTiming: false,
    resourceLimits: { maxOldGenerationSizeMb: limits.maxOldGenerationMb },
  });
  // What a plugin left running after its answer (a timer's throw) ends its thread, which piscina replaces.
  pool.on('error', () => undefined);
  return pool;
}

/** Never rejects: every way a load can end is an answer. */
async function loadIn(pool: Piscina, plugin: PluginModuleRef, limits: PluginLoadLimits, signal: AbortSignal | undefined): Promise<LoadAnswer> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const task: LoadTask = { plugin: { kind: plugin.kind, file: plugin.file, version: plugin.version }, settleMs: limits.settleMs };
  try {
    return (await pool.run(task, { signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]) })) as LoadAnswer;
  } catch (error) {
    return stopped(error, deadline.aborted, limits);
  }
}

export class LoadingThread {
  readonly #pool: Piscina;

  constructor(
    readonly limits: PluginLoadLimits,
    /** Stops the loads under way (their answers then say so). */
    readonly signal?: AbortSignal,
  ) {
    this.#pool = newPool(limits);
  }

  /** What loading `plugin` says; never rejects. One load at a time: its time limit starts with it. */
  async load(plugin: PluginModuleRef): Promise<LoadAnswer> {
    const shared = await loadIn(this.#pool, plugin, this.limits, this.signal);
    if (!('failure' in shared) || shared.failure.code === 'PLUGIN_LOAD_TIMEOUT' || this.signal?.aborted === true) return shared;
    const alone = newPool(this.limits);
    try {
      return await loadIn(alone, plugin, this.limits, this.signal);
    } finally {
      void destroy(alone);
    }
  }

  /** Not awaited by callers: a thread held in a system call may never stop, and the scan is over either way. */
  close(): Promise<void> {
    return destroy(this.#pool);
  }
}

function destroy(pool: Piscina): Promise<void> {
  return pool.destroy().catch(() => undefined);
}
