/**
 * A plugin thread (the piscina worker module): runs one batch of plugin calls per task. The plugin's module is
 * imported here by its file and version, once per thread (a new version is a new module, so hot reload holds);
 * each call gets a context whose `records` and `log` are messages to the host, and whose `signal` aborts when the
 * host says so (timeout, cancel, shutdown). Whatever the plugin does to this thread (exit, an uncaught throw, an
 * out-of-memory) ends the thread, never the service: the host sees the task fail and deals with its calls.
 */
import type { MessagePort } from 'node:worker_threads';
import type { InvocationContext, InvocationInput, Invocable, PluginLogger, RecordsService } from '../contract.js';
import { importPluginModule, unwrapDefaultExport, type PluginModuleRef } from '../importPlugin.js';
import type { BatchResult, BatchTask, CallOutcome, HostMessage, RecordsMethod, ThreadMessage, WireCall, WireError } from './protocol.js';

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

/** The port of one batch, with request/answer bookkeeping for `ctx.records` and the invocation's input. */
class BatchChannel {
  #nextRequest = 0;
  readonly #waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  #inputWaiting: ((input: InvocationInput) => void) | undefined;
  readonly #controllers = new Map<number, AbortController>();

  constructor(readonly port: MessagePort) {
    port.on('message', (message: HostMessage) => this.#receive(message));
  }

  post(message: ThreadMessage): void {
    try {
      this.port.postMessage(message);
    } catch {
      // Fields a log line or a records call cannot clone: send what can be.
      if (message.t === 'log') this.port.postMessage({ ...message, fields: { unclonable: String(message.fields) } });
      else throw new Error(`ctx.records.${(message as { method?: string }).method ?? ''}: arguments must be plain data`);
    }
  }

  signalFor(id: number): AbortSignal {
    const controller = new AbortController();
    this.#controllers.set(id, controller);
    return controller.signal;
  }

  input(): Promise<InvocationInput> {
    return new Promise((resolve) => {
      this.#inputWaiting = resolve;
      this.post({ t: 'input' });
    });
  }

  request(id: number, method: RecordsMethod, args: unknown[]): Promise<unknown> {
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

  #receive(message: HostMessage): void {
    if (message.t === 'input') {
      this.#inputWaiting?.(message.input);
      this.#inputWaiting = undefined;
    } else if (message.t === 'records') {
      const waiting = this.#waiting.get(message.req);
      this.#waiting.delete(message.req);
      if (message.error !== undefined) waiting?.reject(fromWire(message.error));
      else waiting?.resolve(message.value);
    } else {
      this.post({ t: 'alive' });
      for (const id of message.ids) this.#controllers.get(id)?.abort(fromWire(message.reason));
    }
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
  } as RecordsService;
}

function logProxy(channel: BatchChannel, id: number): PluginLogger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    channel.post({ t: 'log', id, level, message: String(message), ...(fields !== undefined && { fields }) });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

async function cachedInput(task: BatchTask, channel: BatchChannel): Promise<InvocationInput> {
  let input = inputs.get(task.invocationKey);
  if (input === undefined) {
    input = await channel.input();
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
  return Object.fromEntries(RESULT_FIELDS[method].filter((field) => source[field] !== undefined).map((field) => [field, source[field]]));
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

/** Settles with the plugin's result, or as soon as the host aborts the call (what is left running is not waited for). */
function settle(work: () => unknown, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve()
      .then(work)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export default async function runBatch(task: BatchTask): Promise<BatchResult> {
  const channel = new BatchChannel(task.port);
  const unsent: CallOutcome[] = [];
  let flushing = false;
  // Outcomes of calls that end later than others go out together, once per turn of the event loop.
  const flush = () => {
    flushing = false;
    if (unsent.length > 0) channel.post({ t: 'outcomes', outcomes: unsent.splice(0, unsent.length) });
  };
  try {
    const [plugin, input] = await Promise.all([pluginOf(task.plugin), cachedInput(task, channel)]);
    const shared = { tenantId: task.tenantId, user: task.user, reject: (message: string) => new PluginRejection(message) };
    let left = task.calls.length;
    let allSettled: () => void = () => {};
    const done = new Promise<void>((resolve) => (allSettled = resolve));
    channel.post({ t: 'started' });
    const record = (outcome: CallOutcome) => {
      unsent.push(outcome);
      left -= 1;
      if (left === 0) allSettled();
      else if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    };
    for (const call of task.calls) {
      const signal = channel.signalFor(call.id);
      const ctx = {
        ...shared,
        records: recordsProxy(channel, call.id),
        log: logProxy(channel, call.id),
        signal,
        ...(call.item !== undefined && { item: call.item }),
      } as InvocationContext;
      settle(() => invokeMethod(plugin, call, input, ctx), signal).then(
        (value) => record({ id: call.id, value }),
        (err: unknown) => record({ id: call.id, error: wireError(err) }),
      );
    }
    await done;
    return { outcomes: unsent.splice(0, unsent.length) };
  } finally {
    task.port.close();
  }
}
