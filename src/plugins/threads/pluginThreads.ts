/**
 * Runs plugin code in worker threads (a piscina pool), so that nothing a plugin does can take the service down:
 * `process.exit`, an uncaught throw or rejection (a timer's included) or running out of memory ends the plugin's
 * thread, which the pool replaces; a plugin that holds its thread past the time limit has its thread stopped.
 *
 * Calls made in the same tick for one invocation travel as one task (a batch), their outcomes come back together:
 * a no-op plugin costs one round trip per batch, not per item. A pool thread runs one batch at a time.
 *
 * Culprit finding. When a thread stops with several calls in flight, none is charged: each is run again alone, in
 * a thread of its own, one at a time. A call whose thread stops while it runs alone is charged a crash, and run
 * alone again until it has `maxCrashes`; then it fails `PLUGIN_CRASHED`. Calls that merely shared the thread
 * complete normally.
 *
 * Time limits. When a call's time is up its thread is told to abort it, and must answer within `unresponsiveMs`:
 * if it does, the call fails `PLUGIN_TIMEOUT`; if it does not, synchronous code holds the thread, which is stopped,
 * and its calls are suspects as above (alone, the blocking one fails `PLUGIN_TIMEOUT`).
 */
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { DomainError, isErrorCode, type ErrorDetail } from '../../domain/errors.js';
import type { InvocationInput } from '../contract.js';
import type { PluginCallRequest, PluginCalls } from '../pluginCalls.js';
import type { BatchResult, BatchTask, CallOutcome, HostMessage, RecordsMethod, ThreadMessage, WireError } from './protocol.js';

export interface PluginThreadOptions {
  /** Threads plugin code runs in. @defaultValue the number of CPUs, at least 2 */
  maxThreads: number;
  /** Heap limit of each thread (V8's old generation), in MiB: past it the thread stops and its call fails. @defaultValue 512 */
  maxOldGenerationMb: number;
  /** Times a call may stop its thread while running alone before it fails for good. @defaultValue 3 */
  maxCrashes: number;
  /** How long a thread told to abort a call has to answer before it is deemed stuck and stopped. @defaultValue 1000 */
  unresponsiveMs: number;
  /** How long an idle thread is kept. @defaultValue 30000 */
  idleTimeoutMs: number;
}

export const PLUGIN_THREAD_DEFAULTS = {
  maxThreads: Math.max(2, availableParallelism()),
  maxOldGenerationMb: 512,
  maxCrashes: 3,
  unresponsiveMs: 1_000,
  idleTimeoutMs: 30_000,
} as const satisfies PluginThreadOptions;

/** The thread's module beside this one: `.ts` under tsx (tests, benchmarks), `.js` once compiled. */
const THREAD_ENTRY = new URL(`./pluginThread${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;

function messageOf(err: unknown): string {
  if (err instanceof Error && err.message !== '') return err.message;
  return typeof err === 'string' && err !== '' ? err : 'no error message provided';
}

/** An error from a thread as the service reports it; coded errors (a timeout, a record service's 404) keep their code. */
function failureFrom(error: WireError, className: string): DomainError {
  if (isErrorCode(error.code)) return new DomainError(error.code, error.message, Array.isArray(error.details) ? (error.details as ErrorDetail[]) : []);
  if (error.rejected === true) return new DomainError('PLUGIN_REJECTED', error.message);
  return new DomainError('PLUGIN_FAILED', `Plugin '${className}' failed: ${error.message || 'no error message provided'}`);
}

function toWire(err: unknown): WireError {
  if (err instanceof DomainError) return { message: err.message, code: err.code, details: err.details };
  return { message: messageOf(err) };
}

/** One plugin call from request to outcome, across however many threads it takes. */
class LiveCall {
  settled = false;
  timedOut = false;
  /** Times its thread stopped while it ran alone. */
  crashes = 0;
  /** The batch it is running in, told when the call is aborted. */
  batch: Batch | undefined;
  /** Called once the call is settled. */
  onEnd: () => void = () => {};
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    readonly request: PluginCallRequest,
    readonly resolve: (value: unknown) => void,
    readonly reject: (err: unknown) => void,
  ) {}

  /** Starts the time limit of one attempt; `onTimeout` runs if the call is still going when it is up. */
  startClock(onTimeout: (call: LiveCall) => void): void {
    clearTimeout(this.#timer);
    this.timedOut = false;
    this.#timer = setTimeout(() => {
      this.timedOut = true;
      onTimeout(this);
    }, this.request.timeoutMs);
  }

  timeoutError(): DomainError {
    return new DomainError('PLUGIN_TIMEOUT', `${this.request.what} did not finish within ${this.request.timeoutMs} ms`);
  }

  /** A cancel or shutdown settles the call at once; its thread is told (and stopped if stuck). */
  abort(reason: unknown): void {
    if (this.settled) return;
    this.fail(reason);
    this.batch?.abort([this], reason);
  }

  succeed(value: unknown): void {
    if (this.#end()) this.resolve(value);
  }

  fail(err: unknown): void {
    if (this.#end()) this.reject(err);
  }

  #end(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.#timer);
    this.onEnd();
    return true;
  }
}

/** One task: calls of one invocation sent to one thread together, with the port their traffic goes through. */
class Batch {
  readonly #byId: Map<number, LiveCall>;
  readonly #port: MessagePort;
  readonly #stop = new AbortController();
  #unresponsive: NodeJS.Timeout | undefined;

  constructor(
    readonly calls: LiveCall[],
    readonly invocationKey: string,
    readonly owner: PluginThreads,
  ) {
    this.#byId = new Map(calls.map((call) => [call.id, call]));
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    port1.on('message', (message: ThreadMessage) => this.#receive(message));
    const first = (calls[0] as LiveCall).request;
    const task: BatchTask = {
      port: port2,
      plugin: { kind: first.plugin.kind, file: first.plugin.file, version: first.plugin.version },
      invocationKey,
      tenantId: first.tenantId,
      user: first.user,
      calls: calls.map(({ id, request }) => ({
        id,
        method: request.method,
        ...(request.subject !== undefined && { subject: request.subject }),
        ...(request.item !== undefined && { item: request.item }),
      })),
    };
    this.task = task;
    for (const call of calls) call.batch = this;
  }

  readonly task: BatchTask;

  /** Runs the batch on `pool`; settles every call, or hands those its thread stopped on to `onStopped`. */
  async run(pool: Piscina, onStopped: (calls: LiveCall[], reason: unknown, stuck: boolean) => void): Promise<void> {
    try {
      const result = (await pool.run(this.task, { transferList: [this.task.port], signal: this.#stop.signal })) as BatchResult;
      this.#settle(result.outcomes);
    } catch (err) {
      const stuck = this.#stop.signal.aborted;
      const left = this.calls.filter((call) => !call.settled);
      if (left.length > 0) onStopped(left, stuck ? this.#stop.signal.reason : err, stuck);
    } finally {
      clearTimeout(this.#unresponsive);
      this.#port.close();
      for (const call of this.calls) call.batch = undefined;
    }
  }

  #settle(outcomes: CallOutcome[]): void {
    for (const outcome of outcomes) {
      const call = this.#byId.get(outcome.id);
      if (call === undefined) continue;
      if ('error' in outcome) call.fail(failureFrom(outcome.error, call.request.plugin.className));
      else call.succeed(outcome.value);
    }
  }

  /** Tells the thread to abort `calls`; a thread that does not answer within `unresponsiveMs` is stopped. */
  abort(calls: LiveCall[], reason: unknown): void {
    this.#post({ t: 'abort', ids: calls.map((call) => call.id), reason: toWire(reason) });
    this.#unresponsive ??= setTimeout(() => this.#stop.abort(new Error('the thread did not answer an abort: synchronous code held it')), this.owner.options.unresponsiveMs);
  }

  #post(message: HostMessage): void {
    this.#port.postMessage(message);
  }

  #receive(message: ThreadMessage): void {
    switch (message.t) {
      case 'input':
        this.#post({ t: 'input', input: (this.calls[0] as LiveCall).request.input });
        return;
      case 'started':
        // The clocks start with the plugin's code, not with a thread's start-up or the plugin's import.
        for (const call of this.calls) call.startClock((timedOut) => this.abort([timedOut], timedOut.timeoutError()));
        return;
      case 'outcomes':
        this.#settle(message.outcomes);
        return;
      case 'alive':
        // The thread is free to run code: calls whose time was up really were too slow.
        clearTimeout(this.#unresponsive);
        this.#unresponsive = undefined;
        for (const call of this.calls) if (call.timedOut) call.fail(call.timeoutError());
        return;
      case 'log': {
        const call = this.#byId.get(message.id);
        call?.request.log[message.level](message.message, message.fields);
        return;
      }
      case 'records':
        void this.#records(message.req, message.id, message.method, message.args);
    }
  }

  async #records(req: number, id: number, method: RecordsMethod, args: unknown[]): Promise<void> {
    const call = this.#byId.get(id);
    try {
      // A call that has ended (timed out, cancelled) writes nothing more.
      if (call === undefined || call.settled) throw new DomainError('PLUGIN_FAILED', `ctx.records.${method}: this plugin call has ended; nothing more is done for it`);
      const records = call.request.records;
      if (records === undefined || typeof records[method] !== 'function') throw new DomainError('PLUGIN_FAILED', `ctx.records.${method} is not available here`);
      const value = await (records[method] as (...a: unknown[]) => Promise<unknown>)(...args);
      this.#post({ t: 'records', req, value });
    } catch (err) {
      this.#post({ t: 'records', req, error: toWire(err) });
    }
  }
}

export class PluginThreads implements PluginCalls {
  readonly options: PluginThreadOptions;
  readonly #logger: Logger;
  #pool: Piscina | undefined;
  /** Where suspects run, one at a time. */
  #alone: Piscina | undefined;
  #nextId = 0;
  #nextInvocation = 0;
  readonly #invocationKeys = new WeakMap<InvocationInput, string>();
  /** Calls made this tick, by invocation, sent as one batch each when the tick ends. */
  readonly #waiting = new Map<InvocationInput, LiveCall[]>();
  /** One abort listener per signal (a run's), however many of its calls are live. */
  readonly #watched = new Map<AbortSignal, { calls: Set<LiveCall>; listener: () => void }>();
  /** Suspects run alone one at a time: each waits for the one before. */
  #solos: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(logger: Logger, options: Partial<PluginThreadOptions> = {}) {
    this.#logger = logger;
    this.options = { ...PLUGIN_THREAD_DEFAULTS, ...options };
  }

  call(request: PluginCallRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = new LiveCall((this.#nextId += 1), request, resolve, reject);
      if (request.signal?.aborted === true) return call.fail(request.signal.reason);
      this.#watch(call, request.signal);
      if (this.#waiting.size === 0) process.nextTick(() => this.#dispatch());
      const group = this.#waiting.get(request.input);
      if (group === undefined) this.#waiting.set(request.input, [call]);
      else group.push(call);
    });
  }

  /** Stops every thread; calls still running fail. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([this.#pool?.destroy(), this.#alone?.destroy()]);
  }

  #watch(call: LiveCall, signal: AbortSignal | undefined): void {
    if (signal === undefined) return;
    let watched = this.#watched.get(signal);
    if (watched === undefined) {
      const calls = new Set<LiveCall>();
      const listener = () => {
        for (const live of [...calls]) live.abort(signal.reason);
      };
      watched = { calls, listener };
      this.#watched.set(signal, watched);
      signal.addEventListener('abort', listener, { once: true });
    }
    const { calls, listener } = watched;
    calls.add(call);
    call.onEnd = () => {
      calls.delete(call);
      if (calls.size > 0) return;
      signal.removeEventListener('abort', listener);
      this.#watched.delete(signal);
    };
  }

  #dispatch(): void {
    for (const [input, calls] of this.#waiting) {
      void new Batch(calls, this.#keyOf(input), this).run(this.#shared(), (left, reason, stuck) => this.#stopped(left, reason, stuck));
    }
    this.#waiting.clear();
  }

  #keyOf(input: InvocationInput): string {
    let key = this.#invocationKeys.get(input);
    if (key === undefined) {
      key = `i${(this.#nextInvocation += 1)}`;
      this.#invocationKeys.set(input, key);
    }
    return key;
  }

  #newPool(maxThreads: number, idleTimeout: number): Piscina {
    const pool = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: Math.min(1, maxThreads),
      maxThreads,
      idleTimeout,
      // Plugins may keep timers and sockets open between calls: threads must not sleep in Atomics.wait.
      atomics: 'disabled',
      recordTiming: false,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationMb },
    });
    // A thread that stops with no task in flight (a plugin's timer after its call ended) is only worth a line.
    pool.on('error', (err: unknown) => this.#logger.warn({ err }, 'a plugin thread stopped between calls'));
    return pool;
  }

  #shared(): Piscina {
    this.#pool ??= this.#newPool(this.options.maxThreads, this.options.idleTimeoutMs);
    return this.#pool;
  }

  /** The calls a stopped thread had in flight: the one call alone is charged; several are each run alone. */
  #stopped(calls: LiveCall[], reason: unknown, stuck: boolean): void {
    this.#logger.warn({ err: reason, calls: calls.map((call) => call.request.what) }, 'a plugin thread stopped while running calls');
    if (calls.length > 1) {
      for (const call of calls) this.#runAlone(call);
      return;
    }
    this.#charge(calls[0] as LiveCall, reason, stuck);
  }

  #charge(call: LiveCall, reason: unknown, stuck: boolean): void {
    if (stuck && call.timedOut) return call.fail(call.timeoutError());
    call.crashes += 1;
    if (call.crashes < this.options.maxCrashes) return this.#runAlone(call);
    call.fail(
      new DomainError(
        'PLUGIN_CRASHED',
        `${call.request.what}: the plugin's thread stopped while processing it (${call.crashes} time(s); last: ${messageOf(reason)})`,
      ),
    );
  }

  /** Runs `call` in the suspects' thread, alone, after the suspects before it. */
  #runAlone(call: LiveCall): void {
    this.#solos = this.#solos.then(async () => {
      if (call.settled) return;
      if (this.#closed) return call.fail(new DomainError('PLUGIN_FAILED', `${call.request.what}: the service is shutting down`));
      // One thread that runs one batch (of one call) at a time: the call is alone in it.
      this.#alone ??= this.#newPool(1, this.options.idleTimeoutMs);
      await new Batch([call], this.#keyOf(call.request.input), this).run(this.#alone, (left, reason, stuck) => this.#charge(left[0] as LiveCall, reason, stuck));
    });
  }
}
