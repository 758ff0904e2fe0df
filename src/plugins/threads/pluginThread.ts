/**
 * A plugin thread (the piscina worker module): runs one batch of plugin calls per task (several tasks at once, their
 * traffic on the thread's one port to the host, tagged by batch), as many calls of a batch at a time as the host lets
 * it (its share of the invocation's concurrency), each under its time limit. The plugin's module is imported here by
 * its file and version, once per thread (a new version is a new module, so hot reload holds); each call gets a context
 * whose `records` and `log` are messages to the host, and whose `signal` aborts when its time is up or the host says
 * so (cancel, shutdown). While a batch runs the thread beats every `heartbeatMs`, so the host can tell a thread held
 * by synchronous code. Whatever the plugin does to this thread (exit, an uncaught throw, an out-of-memory) ends the
 * thread, never the service: the host sees the task fail and deals with its calls.
 */
import { MessageChannel, parentPort, threadId } from 'node:worker_threads';
import type { InvocationContext, InvocationInput, Invocable, PluginLogger, RecordsService } from '../contract.js';
import { importPluginModule, unwrapDefaultExport, type PluginModuleRef } from '../importPlugin.js';
import type { BatchResult, BatchTask, CallOutcome, HostMessage, PortMessage, RecordsMethod, ThreadWord, WireCall, WireError } from './protocol.js';

/** Inputs of the invocations this thread worked on lately; a run's batches come to the same threads again and again. */
const INPUTS_KEPT = 32;
const inputs = new Map<string, InvocationInput>();
const modules = new Map<string, Promise<Invocable>>();

/** Made by `ctx.reject`: the host answers it as the request's fault (400), not the plugin's. */
class PluginRejection extends Error {
  override readonly name = 'PluginRejection';
}

/** A coded error from the host (a record service's 404, a timeout), thrown into the plugin as such. */
class HostError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly details: unknown,
  ) {
    super(message);
  }
}

function pluginOf(ref: PluginModuleRef): Promise<Invocable> {
  const key = `${ref.file}\n${ref.version}`;
  let loading = modules.get(key);
  if (loading === undefined) {
    loading = importPluginModule(ref).then((namespace) => unwrapDefaultExport(namespace) as Invocable);
    // A failed import is tried again by the next batch rather than remembered.
    loading.catch(() => modules.delete(key));
    modules.set(key, loading);
  }
  return loading;
}

function wireError(err: unknown): WireError {
  if (err instanceof PluginRejection) return { message: err.message, rejected: true };
  if (err instanceof HostError) return { message: err.message, ...(err.code !== undefined && { code: err.code }), details: err.details };
  if (err instanceof Error) return { message: err.message };
  return { message: typeof err === 'string' ? err : '' };
}

function fromWire(error: WireError): Error {
  return new HostError(error.message, error.code, error.details);
}

/** What a `ctx.records` call made after its batch is over gets: nothing answers it any more. */
const CALL_ENDED = 'This plugin call has ended (finished, timed out or cancelled): its writes are refused';

/** Batches running here, by the id their messages carry. */
const channels = new Map<number, BatchChannel>();

/**
 * The thread's port to the host, opened now (piscina imports this module as the thread starts, before any task): a
 * port sent with every batch would cost the host a channel and its transfer per batch. Unreferenced: piscina's own
 * port decides how long the thread lives.
 */
const { port1: hostPort, port2: hostEnd } = new MessageChannel();
hostPort.on('message', (message: HostMessage) => channels.get(message.b)?.receive(message));
hostPort.unref();
parentPort?.postMessage({ t: 'port', thread: threadId, port: hostEnd } satisfies PortMessage, [hostEnd]);

/** One batch's traffic on the thread's port, with request/answer bookkeeping for `ctx.records` and the invocation's input. */
class BatchChannel {
  #nextRequest = 0;
  #closed = false;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #inputWaiting: ((input: InvocationInput) => void) | undefined;
  readonly #running = new Map<number, RunningCall>();
  /** Calls the host aborted before they started here (a cancel, a shutdown): they must never start. */
  readonly #abortedUnstarted = new Map<number, WireError>();
  /** Messages sent about the batch: the host reads its port before settling the batch only if it has not read them all. */
  said = 0;
  /** Told when the host lets the batch run more calls at once. */
  onSlots: (more: number) => void = () => {};

  constructor(readonly id: number) {
    channels.set(id, this);
  }

  /** Says `word` about this batch; nothing once the batch is over (a log line of a call left running). */
  post(word: ThreadWord): void {
    if (this.#closed) return;
    try {
      hostPort.postMessage({ b: this.id, ...word });
    } catch {
      // Fields a log line or a records call cannot clone: send what can be.
      if (word.t === 'log') hostPort.postMessage({ b: this.id, ...word, fields: { unclonable: String(word.fields) } });
      else throw new Error(`ctx.records.${(word as { method?: string }).method ?? ''}: arguments must be plain data`);
    }
    this.said += 1;
  }

  track(call: RunningCall): void {
    this.#running.set(call.id, call);
  }

  untrack(call: RunningCall): void {
    this.#running.delete(call.id);
  }

  /** Why the host aborted call `id` before it started, if it did. */
  abortedBeforeStart(id: number): WireError | undefined {
    return this.#abortedUnstarted.get(id);
  }

  input(): Promise<InvocationInput> {
    return new Promise((resolve) => {
      this.#inputWaiting = resolve;
      this.post({ t: 'input' });
    });
  }

  /** The batch is over: what a plugin left running can no longer reach the host, and is told so at once. */
  close(): void {
    this.#closed = true;
    for (const waiting of this.#waiting.values()) waiting.reject(new Error(CALL_ENDED));
    this.#waiting.clear();
    channels.delete(this.id);
  }

  request(id: number, method: RecordsMethod, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error(CALL_ENDED));
    const req = (this.#nextRequest += 1);
    return new Promise((resolve, reject) => {
      this.#waiting.set(req, { resolve, reject });
      try {
        this.post({ t: 'records', req, id, method, args });
      } catch (err) {
        this.#waiting.delete(req);
        reject(err as Error);
      }
    });
  }

  receive(message: HostMessage): void {
    if (message.t === 'input') {
      this.#inputWaiting?.(message.input);
      this.#inputWaiting = undefined;
    } else if (message.t === 'records') {
      const waiting = this.#waiting.get(message.req);
      this.#waiting.delete(message.req);
      if (message.error !== undefined) waiting?.reject(fromWire(message.error));
      else waiting?.resolve(message.value);
    } else if (message.t === 'slots') {
      this.onSlots(message.more);
    } else {
      for (const id of message.ids) {
        const running = this.#running.get(id);
        if (running === undefined) this.#abortedUnstarted.set(id, message.reason);
        else running.abort(fromWire(message.reason));
      }
    }
  }
}

async function cachedInput(task: BatchTask, channel: BatchChannel): Promise<InvocationInput> {
  let input = task.input ?? inputs.get(task.invocationKey);
  if (task.input !== undefined || input === undefined) {
    input ??= await channel.input();
    inputs.set(task.invocationKey, input);
    if (inputs.size > INPUTS_KEPT) inputs.delete(inputs.keys().next().value as string);
  }
  return input;
}

/** The fields of a result the host reads, and only those: anything else a plugin returns need not cross. */
const RESULT_FIELDS = {
  processItem: ['affected', 'note'],
  invoke: ['numAffected', 'userNote', 'primaryURICreated'],
  summarize: ['userNote', 'primaryURICreated'],
} as const;

function resultFields(method: WireCall['method'], value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const source = value as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const field of RESULT_FIELDS[method]) {
    // Every contract field is a string, number or boolean; anything else could not cross (nor be used).
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') picked[field] = value;
  }
  return picked;
}

async function invokeMethod(plugin: Invocable, call: WireCall, input: InvocationInput, ctx: InvocationContext): Promise<unknown> {
  switch (call.method) {
    case 'processItem':
      return resultFields(call.method, await plugin.processItem?.(call.subject as never, input, ctx));
    case 'invoke':
      return resultFields(call.method, await plugin.invoke?.(input, ctx));
    case 'summarize':
      return resultFields(call.method, 'summarize' in plugin ? plugin.summarize?.(call.subject as never, input) : undefined);
  }
}

/**
 * One call running in this thread. Its context's `records`, `log` and `signal` are made when the plugin first
 * touches them: most calls of a fast plugin never do, and a batch holds hundreds of calls.
 */
class RunningCall {
  readonly id: number;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #reject: (err: unknown) => void = () => {};

  constructor(
    readonly call: WireCall,
    readonly channel: BatchChannel,
  ) {
    this.id = call.id;
  }

  context(shared: { tenantId: string; user: string; reject: (message: string) => Error }): InvocationContext {
    const { channel, id } = this;
    let records: RecordsService | undefined;
    let log: PluginLogger | undefined;
    const running = this;
    // Fields spelled out and the item set after: spreading them into a literal that has getters builds the object
    // the slow way, which cost a no-op plugin's call three times what the rest of its context does.
    const context = {
      tenantId: shared.tenantId,
      user: shared.user,
      reject: shared.reject,
      get records(): RecordsService {
        records ??= recordsProxy(channel, id);
        return records;
      },
      get log(): PluginLogger {
        log ??= logProxy(channel, id);
        return log;
      },
      get signal(): AbortSignal {
        return running.signal();
      },
    } as InvocationContext;
    if (this.call.item !== undefined) context.item = this.call.item;
    return context;
  }

  signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** The host's word (cancel, shutdown) or the time limit: the signal aborts and the call settles at once. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
    this.#reject(reason);
  }

  /** Settles with the plugin's result, or as soon as the call is aborted; what the plugin leaves running is not waited for. */
  run(work: () => Promise<unknown>, timeoutMs: number): Promise<unknown> {
    this.channel.track(this);
    const timer = setTimeout(() => this.abort(new HostError(`${this.call.what} did not finish within ${timeoutMs} ms`, 'PLUGIN_TIMEOUT', [])), timeoutMs);
    return new Promise<unknown>((resolve, reject) => {
      this.#reject = reject;
      let result: Promise<unknown>;
      try {
        result = work();
      } catch (err) {
        result = Promise.reject(err);
      }
      result.then(resolve, reject);
    }).finally(() => {
      clearTimeout(timer);
      this.channel.untrack(this);
    });
  }
}

function recordsProxy(channel: BatchChannel, id: number): RecordsService {
  const call =
    (method: RecordsMethod) =>
    (...args: unknown[]) =>
      channel.request(id, method, args);
  return {
    create: call('create'),
    get: call('get'),
    update: call('update'),
    delete: call('delete'),
    find: call('find'),
    relate: call('relate'),
    findRelated: call('findRelated'),
    groupMembers: call('groupMembers'),
    file: call('file'),
  } as RecordsService;
}

function logProxy(channel: BatchChannel, id: number): PluginLogger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    channel.post({ t: 'log', id, level, message: String(message), ...(fields !== undefined && { fields }) });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

export default async function runBatch(task: BatchTask): Promise<BatchResult> {
  const channel = new BatchChannel(task.batch);
  const unsent: CallOutcome[] = [];
  let flushing = false;
  let heartbeat: NodeJS.Timeout | undefined;
  // Places the host gives while the plugin loads are used once its calls start.
  let slots = task.concurrency;
  channel.onSlots = (more) => (slots += more);
  // Outcomes of calls that end while others go on are sent together, once per turn of the event loop.
  const flush = () => {
    flushing = false;
    if (unsent.length > 0) channel.post({ t: 'outcomes', outcomes: unsent.splice(0, unsent.length) });
  };
  try {
    // Plugin code starts with the import (its top level, in a thread that has not imported this version yet): a
    // top level that blocks here, though it did not when its loading thread imported it, falls silent like a call.
    channel.post({ t: 'started', thread: threadId });
    heartbeat = setInterval(() => channel.post({ t: 'beat' }), task.heartbeatMs);
    let plugin: Invocable;
    let input: InvocationInput;
    try {
      [plugin, input] = await Promise.all([pluginOf(task.plugin), cachedInput(task, channel)]);
    } catch (err) {
      // A loading thread imported this module already; failing here fails the calls, not the thread.
      const error = { message: `the plugin cannot be imported in its thread: ${wireError(err).message}` };
      return { outcomes: task.calls.map(({ id }) => ({ id, error })), thread: threadId, said: channel.said };
    }
    const shared = { tenantId: task.tenantId, user: task.user, reject: (message: string) => new PluginRejection(message) };
    const queue = task.calls.values();
    let left = task.calls.length;
    let allSettled: () => void = () => {};
    const done = new Promise<void>((resolve) => (allSettled = resolve));
    const start = (call: WireCall) => {
      const aborted = channel.abortedBeforeStart(call.id);
      if (aborted !== undefined) {
        // Settled on a later turn, so that a long run of aborted calls does not recurse through `record`.
        setImmediate(() => record({ id: call.id, error: aborted }));
        return;
      }
      const running = new RunningCall(call, channel);
      running.run(() => invokeMethod(plugin, call, input, running.context(shared)), task.timeoutMs).then(
        (value) => record({ id: call.id, value }),
        (err: unknown) => record({ id: call.id, error: wireError(err) }),
      );
    };
    // At most `slots` calls at once (more as the host gives them): each one that ends starts the next.
    const record = (outcome: CallOutcome) => {
      unsent.push(outcome);
      left -= 1;
      const next = queue.next();
      if (next.done !== true) start(next.value);
      if (left === 0) allSettled();
      else if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    };
    const startMore = (count: number) => {
      for (let i = 0; i < count; i += 1) {
        const next = queue.next();
        if (next.done === true) break;
        start(next.value);
      }
    };
    channel.onSlots = startMore;
    startMore(slots);
    await done;
    return { outcomes: unsent.splice(0, unsent.length), thread: threadId, said: channel.said };
  } finally {
    clearInterval(heartbeat);
    channel.close();
  }
}
