/**
 * Runs plugin code in worker threads (a piscina pool), so that nothing a plugin does can take the service down:
 * `process.exit`, an uncaught throw or rejection (a timer's included) or running out of memory ends the plugin's
 * thread, which the pool replaces; a plugin that holds its thread past the time limit has its thread stopped.
 *
 * Batches. The calls of one invocation go to the threads in batches: those made in one turn travel together, and
 * their outcomes come back together, so a no-op plugin costs a round trip per batch, not per item. An invocation
 * may have several batches in flight, which share its `concurrency` places (a run's `ITEM_CONCURRENCY`, see
 * `Lane`): a batch's thread runs as many of its calls at once as the places it holds, and a slow call holds one
 * place, not the invocation's other calls. A pool thread runs up to `batchesPerThread` batches at once: many small
 * runs share the threads instead of queuing for them one call each. An invocation's first batch carries its input,
 * so it starts in the thread without asking for it. A batch is one piscina task and nothing more: what its calls say
 * while it runs goes through its thread's one port (`ThreadPorts`), tagged with the batch.
 *
 * Time limits run in the thread, from when each call starts there: the call's signal aborts and it fails
 * `PLUGIN_TIMEOUT`. Synchronous code can hold the thread's timers too; so a thread running a batch beats every
 * quarter of `unresponsiveMs`, and one silent for the time limit plus `unresponsiveMs` is stopped.
 *
 * Culprit finding. When a thread stops with several calls in flight, none is charged: each is run again alone, in
 * a thread of its own, one at a time. The pool does not say which thread runs a batch, so a batch that ran while
 * another was in flight counts as having shared its thread: its calls are run again alone too, uncharged. A call whose thread stops while it runs alone (or that was the only one in
 * flight) is charged a crash, and run alone again until it has `maxCrashes`: then it fails `PLUGIN_CRASHED`; held
 * alone past its time limit, it fails `PLUGIN_TIMEOUT`. Calls that merely shared the thread complete normally.
 */
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { DomainError, isErrorCode, type ErrorDetail } from '../../domain/errors.js';
import type { InvocationInput } from '../contract.js';
import type { PluginCallRequest, PluginCalls } from '../pluginCalls.js';
import type { BatchResult, BatchTask, CallOutcome, HostWord, RecordsMethod, ThreadMessage, WireError } from './protocol.js';
import { threadModule } from './threadModule.js';
import { ThreadPorts, type BatchEnd } from './threadPorts.js';

export interface PluginThreadOptions {
  /** Threads plugin code runs in. @defaultValue the number of CPUs, at least 2 */
  maxThreads: number;
  /** Heap limit of each thread (V8's old generation), in MiB: past it the thread stops and its call fails. @defaultValue 512 */
  maxOldGenerationMb: number;
  /** Times a call may stop its thread while running alone before it fails for good. @defaultValue 3 */
  maxCrashes: number;
  /** How long past its calls' time limit a thread may stay silent before it is deemed stuck and stopped. @defaultValue 1000 */
  unresponsiveMs: number;
  /** How long an idle thread is kept. @defaultValue 30000 */
  idleTimeoutMs: number;
  /** Batches (of different invocations) a thread runs at once. @defaultValue 16 */
  batchesPerThread: number;
}

export const PLUGIN_THREAD_DEFAULTS = {
  maxThreads: Math.max(2, availableParallelism()),
  maxOldGenerationMb: 512,
  maxCrashes: 3,
  unresponsiveMs: 1_000,
  idleTimeoutMs: 30_000,
  batchesPerThread: 16,
} as const satisfies PluginThreadOptions;

const THREAD_ENTRY = threadModule('pluginThread');

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
  /** Times its thread stopped while it was the only call there. */
  crashes = 0;
  /** The batch it is running in, told when the call is aborted. */
  batch: Batch | undefined;
  /** Called once the call is settled. */
  onEnd: () => void = () => {};

  constructor(
    readonly id: number,
    readonly request: PluginCallRequest,
    readonly resolve: (value: unknown) => void,
    readonly reject: (err: unknown) => void,
  ) {
    if (request.handle !== undefined) request.handle.abort = (reason) => this.abort(reason);
  }

  /** A cancel or shutdown settles the call at once; its thread is told (and stopped if it stays silent). */
  abort(reason: unknown): void {
    if (this.settled) return;
    this.fail(reason);
    this.batch?.abort(this, reason);
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
    if (this.request.handle !== undefined) delete this.request.handle.abort;
    this.onEnd();
    return true;
  }
}

/** Why a batch's thread stopped: it crashed, or the host stopped it for holding on in silence. */
interface Stopped {
  calls: LiveCall[];
  reason: unknown;
  stuck: boolean;
  /** Another batch was in flight meanwhile, maybe in the same thread: the stop may be its doing. */
  shared: boolean;
}

/** One task: calls of one invocation sent to one thread together, their traffic on the thread's port (`ThreadPorts`). */
class Batch implements BatchEnd {
  readonly task: BatchTask;
  readonly #byId: Map<number, LiveCall>;
  readonly #ports: ThreadPorts;
  /** The thread the batch runs in, once it said so; stopped when it falls silent (`#silent`). */
  #thread: number | undefined;
  /** What the host said before the thread said it runs the batch (so before the host knew which thread to tell). */
  #unsaid: HostWord[] = [];
  #pool: Piscina | undefined;
  /** Why the host stopped the batch's thread, when it did. */
  #stuck: Error | undefined;
  /** Calls aborted in this turn, told to the thread in one message at its end. */
  #aborting: { ids: number[]; reason: WireError } | undefined;
  /** Restarted by every word from the thread once its plugin code runs; stops the thread when it fires. */
  #watchdog: NodeJS.Timeout | undefined;
  readonly #silenceMs: number;
  /** Another batch was in flight while this one ran (see `Stopped.shared`). */
  shared = false;
  /** Calls of the batch the thread may run at once: the invocation's places it holds (see `Lane`). */
  slots: number;
  /** Outcomes the thread sent: the calls it has not answered yet are running there, or queued. */
  #answered = 0;
  /** Messages read from the thread about the batch. */
  #heard = 0;
  /** Called when outcomes came in: places the batch held may be free now. */
  onAnswered: () => void = () => {};

  constructor(
    readonly calls: LiveCall[],
    invocationKey: string,
    options: PluginThreadOptions,
    input: InvocationInput | undefined,
    slots: number,
    ports: ThreadPorts,
  ) {
    this.slots = slots;
    this.#byId = new Map(calls.map((call) => [call.id, call]));
    this.#ports = ports;
    const first = (calls[0] as LiveCall).request;
    this.#silenceMs = first.timeoutMs + options.unresponsiveMs;
    this.task = {
      batch: ports.add(this),
      plugin: { kind: first.plugin.kind, file: first.plugin.file, version: first.plugin.version },
      invocationKey,
      input,
      tenantId: first.tenantId,
      user: first.user,
      timeoutMs: first.timeoutMs,
      concurrency: slots,
      heartbeatMs: Math.max(10, Math.floor(options.unresponsiveMs / 4)),
      // Spelled out rather than spread (a call per item: see invocationService.ts); an absent field travels as
      // undefined, which the thread reads as absent.
      calls: calls.map(({ id, request, crashes }) => ({
        id,
        method: request.method,
        what: request.what,
        subject: request.subject,
        // An attempt its thread stopped counts, as the contract says of `attempt`.
        item: request.item === undefined || crashes === 0 ? request.item : { ...request.item, attempt: request.item.attempt + crashes },
      })),
    };
    for (const call of calls) call.batch = this;
  }

  /** Runs the batch on `pool`: settles every call, or answers those left when its thread stopped. */
  async run(pool: Piscina): Promise<Stopped | undefined> {
    this.#pool = pool;
    try {
      // No abort signal: piscina gives a thread running an abortable task no other task, and threads are shared.
      const result = (await pool.run(this.task)) as BatchResult;
      // What the thread sent before it answered (outcomes of calls that ended early) must not be lost with the batch.
      if (this.#heard < result.said) {
        if (!this.#ports.has(result.thread)) await this.#ports.opened(result.thread);
        this.#ports.drain(result.thread);
      }
      this.#settle(result.outcomes);
      return undefined;
    } catch (err) {
      // The thread stopped: what it said before is still on its port, and which thread it was may be in it.
      this.#ports.drain();
      const stuck = this.#stuck !== undefined;
      const calls = this.calls.filter((call) => !call.settled);
      return calls.length === 0 ? undefined : { calls, reason: this.#stuck ?? err, stuck, shared: this.shared };
    } finally {
      clearTimeout(this.#watchdog);
      this.#ports.remove(this.task.batch);
      for (const call of this.calls) call.batch = undefined;
    }
  }

  /** Calls the thread runs now at most: none is started beyond `slots`, and each answered one no longer runs. */
  get held(): number {
    return Math.min(this.slots, this.calls.length - this.#answered);
  }

  /** Calls the thread has queued behind its `slots`: what more places would start at once. */
  get queued(): number {
    return this.calls.length - this.#answered - this.slots;
  }

  /** Lets the thread run `more` calls of the batch at once. */
  grow(more: number): void {
    this.slots += more;
    this.#say({ t: 'slots', more });
  }

  /**
   * Tells the thread to stop `call`. Calls aborted together (a cancel aborts every call of its run) go in one
   * message, so the thread learns of all of them before the end of one lets the next start.
   */
  abort(call: LiveCall, reason: unknown): void {
    if (this.#aborting === undefined) {
      const aborting = { ids: [] as number[], reason: toWire(reason) };
      this.#aborting = aborting;
      queueMicrotask(() => {
        this.#aborting = undefined;
        this.#say({ t: 'abort', ids: aborting.ids, reason: aborting.reason });
      });
    }
    this.#aborting.ids.push(call.id);
  }

  /** Tells the batch's thread `word`, once the host knows which thread that is. */
  #say(word: HostWord): void {
    if (this.#thread === undefined) this.#unsaid.push(word);
    else this.#ports.post(this.#thread, { b: this.task.batch, ...word });
  }

  #settle(outcomes: CallOutcome[]): void {
    this.#answered += outcomes.length;
    for (const outcome of outcomes) {
      const call = this.#byId.get(outcome.id);
      if (call === undefined) continue;
      if ('error' in outcome) call.fail(failureFrom(outcome.error, call.request.plugin.className));
      else call.succeed(outcome.value);
    }
  }

  receive(message: ThreadMessage): void {
    this.#heard += 1;
    this.#watchdog?.refresh();
    switch (message.t) {
      case 'started':
        this.#thread = message.thread;
        this.#watchdog = setTimeout(() => this.#silent(), this.#silenceMs);
        for (const word of this.#unsaid.splice(0)) this.#say(word);
        return;
      case 'input':
        this.#say({ t: 'input', input: (this.calls[0] as LiveCall).request.input });
        return;
      case 'outcomes':
        this.#settle(message.outcomes);
        this.onAnswered();
        return;
      case 'log':
        this.#byId.get(message.id)?.request.log[message.level](message.message, message.fields);
        return;
      case 'records':
        void this.#records(message.req, message.id, message.method, message.args);
        return;
      case 'beat':
    }
  }

  /**
   * The thread said nothing for the time limit and a second: it is stopped, unless its words are only waiting to be
   * read (this thread was the busy one: timers run before messages are read).
   */
  #silent(): void {
    if (this.#ports.drain(this.#thread)) {
      this.#watchdog?.refresh();
      return;
    }
    this.#stuck = new Error(`the thread was silent for ${this.#silenceMs} ms: synchronous code held it past the time limit`);
    // The pool fails every task of a thread that exits, this batch's included, and starts another thread.
    void this.#pool?.threads.find((thread) => thread.threadId === this.#thread)?.terminate();
  }

  async #records(req: number, id: number, method: RecordsMethod, args: unknown[]): Promise<void> {
    const call = this.#byId.get(id);
    let answer: HostWord;
    try {
      // A call that has ended (timed out, cancelled) does nothing more through the service.
      if (call === undefined || call.settled) throw new DomainError('PLUGIN_FAILED', `ctx.records.${method}: this plugin call has ended; nothing more is done for it`);
      const records = call.request.records;
      if (records === undefined || typeof records[method] !== 'function') throw new DomainError('PLUGIN_FAILED', `ctx.records.${method} is not available here`);
      answer = { t: 'records', req, value: await (records[method] as (...a: unknown[]) => Promise<unknown>)(...args) };
    } catch (err) {
      answer = { t: 'records', req, error: toWire(err) };
    }
    this.#say(answer);
  }
}

/**
 * The batches of one invocation in the threads, sharing its `concurrency` places: a batch holds as many as the
 * thread may run of its calls at once, and gives them back as its calls are answered. Free places go first to
 * batches with calls queued behind theirs, then to a new batch.
 */
class Lane {
  readonly batches = new Set<Batch>();

  constructor(readonly concurrency: number) {}

  get free(): number {
    let held = 0;
    for (const batch of this.batches) held += batch.held;
    return this.concurrency - held;
  }

  /** Gives free places to the batches that have calls waiting for one; returns how many are still free. */
  share(): number {
    let free = this.free;
    for (const batch of this.batches) {
      if (free <= 0) break;
      const more = Math.min(free, batch.queued);
      if (more <= 0) continue;
      batch.grow(more);
      free -= more;
    }
    return free;
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
  /** Calls waiting for their invocation's next batch. */
  readonly #waiting = new Map<InvocationInput, LiveCall[]>();
  /** Invocations with batches in the threads. */
  readonly #lanes = new Map<InvocationInput, Lane>();
  /** Invocations whose input went with a batch already: later batches send only its key. */
  readonly #inputsSent = new WeakSet<InvocationInput>();
  /** Batches in the shared pool's threads now. */
  readonly #inFlight = new Set<Batch>();
  /** A dispatch is queued at the end of this microtask turn (`#soon`), or at the next tick (`#later`). */
  #soon = false;
  #later = false;
  /** One abort listener per signal (a run's), however many of its calls are live. */
  readonly #watched = new Map<AbortSignal, { calls: Set<LiveCall>; listener: () => void }>();
  /** Suspects run alone one at a time: each waits for the one before. */
  #solos: Promise<void> = Promise.resolve();
  #closed = false;
  /** Every batch's traffic, on its thread's port. */
  readonly #ports = new ThreadPorts();

  constructor(logger: Logger, options: Partial<PluginThreadOptions> = {}) {
    this.#logger = logger;
    this.options = { ...PLUGIN_THREAD_DEFAULTS, ...options };
  }

  call(request: PluginCallRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = new LiveCall((this.#nextId += 1), request, resolve, reject);
      if (request.signal?.aborted === true) return call.fail(request.signal.reason);
      if (this.#closed) return call.fail(new DomainError('PLUGIN_FAILED', `${request.what}: the service is shutting down`));
      this.#watch(call, request.signal);
      const waiting = this.#waiting.get(request.input);
      if (waiting === undefined) this.#waiting.set(request.input, [call]);
      else waiting.push(call);
      this.#scheduleDispatch(this.#lanes.has(request.input));
    });
  }

  /**
   * Starts the shared pool's first thread and settles once it is ready (its port came), or gone: a thread takes
   * hundreds of milliseconds to start (under tsx it loads tsx again), which the first call after a start would
   * otherwise wait for. The pool keeps that thread for good anyway (`minThreads`). A thread that cannot start fails
   * no start-up: the first batch says why.
   */
  async start(): Promise<void> {
    if (this.#closed) return;
    const [first] = this.#shared().threads;
    if (first === undefined || this.#ports.has(first.threadId)) return;
    const gone = new AbortController();
    await Promise.race([this.#ports.opened(first.threadId), once(first, 'exit', { signal: gone.signal }).catch(() => undefined)]);
    gone.abort();
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

  /**
   * An invocation's first calls go at the end of this microtask turn: a run's worker sets up a whole claim's items
   * (hundreds) in one promise chain, and a tick ends only once all of them are set up, so the first item would wait
   * for the last one's setup. Calls of an invocation with batches in flight wait for the next tick instead: all a
   * claim's calls made meanwhile then travel together in one batch.
   */
  #scheduleDispatch(inFlight: boolean): void {
    if (inFlight) {
      if (this.#later) return;
      this.#later = true;
      process.nextTick(() => {
        this.#later = false;
        this.#dispatch(true);
      });
    } else if (!this.#soon) {
      this.#soon = true;
      queueMicrotask(() => {
        this.#soon = false;
        this.#dispatch(false);
      });
    }
  }

  /** Sends each invocation's waiting calls in one batch, if it has free places; `all`: those with batches in flight too. */
  #dispatch(all: boolean): void {
    for (const [input, waiting] of this.#waiting) {
      const lane = this.#lanes.get(input);
      if (lane !== undefined && !all) continue;
      const free = lane === undefined ? (waiting[0] as LiveCall).request.concurrency : lane.share();
      if (free <= 0) continue;
      this.#waiting.delete(input);
      const calls = waiting.filter((call) => !call.settled);
      if (calls.length > 0) void this.#runBatch(input, calls, Math.min(free, calls.length));
    }
  }

  #laneOf(input: InvocationInput, concurrency: number): Lane {
    let lane = this.#lanes.get(input);
    if (lane === undefined) {
      lane = new Lane(concurrency);
      this.#lanes.set(input, lane);
    }
    return lane;
  }

  /** Places of `lane` given back: to its batches with calls queued, then to the calls waiting at the next tick. */
  #placesFreed(input: InvocationInput, lane: Lane): void {
    if (lane.share() > 0 && this.#waiting.has(input)) this.#scheduleDispatch(true);
  }

  async #runBatch(input: InvocationInput, calls: LiveCall[], slots: number): Promise<void> {
    const lane = this.#laneOf(input, (calls[0] as LiveCall).request.concurrency);
    const first = !this.#inputsSent.has(input);
    this.#inputsSent.add(input);
    const batch = new Batch(calls, this.#keyOf(input), this.options, first ? input : undefined, slots, this.#ports);
    lane.batches.add(batch);
    batch.onAnswered = () => this.#placesFreed(input, lane);
    if (this.#inFlight.size > 0) {
      batch.shared = true;
      for (const other of this.#inFlight) other.shared = true;
    }
    this.#inFlight.add(batch);
    try {
      const stopped = await batch.run(this.#shared());
      if (stopped !== undefined) this.#stopped(stopped);
    } finally {
      this.#inFlight.delete(batch);
      lane.batches.delete(batch);
      if (lane.batches.size === 0) this.#lanes.delete(input);
      this.#placesFreed(input, lane);
    }
  }

  #keyOf(input: InvocationInput): string {
    let key = this.#invocationKeys.get(input);
    if (key === undefined) {
      key = `i${(this.#nextInvocation += 1)}`;
      this.#invocationKeys.set(input, key);
    }
    return key;
  }

  #newPool(maxThreads: number, batchesPerThread: number): Piscina {
    const pool = new Piscina({
      filename: THREAD_ENTRY,
      minThreads: 1,
      maxThreads,
      concurrentTasksPerWorker: batchesPerThread,
      idleTimeout: this.options.idleTimeoutMs,
      // Plugins may keep timers and sockets open between calls: threads must not sleep in Atomics.wait.
      atomics: 'disabled',
      recordTiming: false,
      resourceLimits: { maxOldGenerationSizeMb: this.options.maxOldGenerationMb },
    });
    // A thread that stops with no task in flight (a plugin's timer after its call ended) is only worth a line.
    pool.on('error', (err: unknown) => this.#logger.warn({ err }, 'a plugin thread stopped between calls'));
    this.#ports.watch(pool);
    return pool;
  }

  #shared(): Piscina {
    this.#pool ??= this.#newPool(this.options.maxThreads, this.options.batchesPerThread);
    return this.#pool;
  }

  /**
   * The calls a stopped thread had in flight: the one call alone (in a batch that shared no thread) is charged;
   * otherwise each is run alone.
   */
  #stopped({ calls, reason, stuck, shared }: Stopped): void {
    this.#logger.warn({ err: reason, calls: calls.map((call) => call.request.what) }, 'a plugin thread stopped while running calls');
    if (calls.length > 1 || shared) {
      for (const call of calls) this.#runAlone(call);
      return;
    }
    this.#charge(calls[0] as LiveCall, reason, stuck);
  }

  #charge(call: LiveCall, reason: unknown, stuck: boolean): void {
    const { what, timeoutMs } = call.request;
    if (stuck) return call.fail(new DomainError('PLUGIN_TIMEOUT', `${what} did not finish within ${timeoutMs} ms; its thread was stopped`));
    call.crashes += 1;
    if (call.crashes < this.options.maxCrashes) return this.#runAlone(call);
    call.fail(new DomainError('PLUGIN_CRASHED', `${what}: the plugin's thread stopped while processing it (${call.crashes} time(s); last: ${messageOf(reason)})`));
  }

  /** Runs `call` in the suspects' thread, alone, after the suspects before it. */
  #runAlone(call: LiveCall): void {
    this.#solos = this.#solos.then(async () => {
      if (call.settled) return;
      if (this.#closed) return call.fail(new DomainError('PLUGIN_FAILED', `${call.request.what}: the service is shutting down`));
      // One thread that runs one batch (of one call) at a time: the call is alone in it.
      this.#alone ??= this.#newPool(1, 1);
      const stopped = await new Batch([call], this.#keyOf(call.request.input), this.options, call.request.input, 1, this.#ports).run(this.#alone);
      if (stopped !== undefined) this.#charge(call, stopped.reason, stopped.stuck);
    });
  }
}
