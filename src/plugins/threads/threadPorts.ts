/**
 * The service's ends of its plugin threads' ports. Each thread opens one port as it starts and hands its other end
 * over through its worker's own channel, which piscina passes on as the pool's `message` event (pluginThread.ts):
 * every batch of the thread talks through it, its messages tagged with the batch's id, so that posting a batch is
 * one piscina task and nothing more (a `MessageChannel` made and transferred per batch cost the service's thread
 * several times what the task itself does).
 */
import { MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import type { HostMessage, PortMessage, ThreadMessage } from './protocol.js';

/** What a batch in the threads is told: every message its thread sends about it. */
export interface BatchEnd {
  receive(message: ThreadMessage): void;
}

/** The pool's `message` event also carries whatever plugin code posts to `parentPort`: only a port is taken. */
function isPortMessage(message: unknown): message is PortMessage {
  if (typeof message !== 'object' || message === null) return false;
  const { t, thread, port } = message as Partial<PortMessage>;
  return t === 'port' && typeof thread === 'number' && port instanceof MessagePort;
}

export class ThreadPorts {
  /** The ports of the threads alive, by `threadId`. */
  readonly #ports = new Map<number, MessagePort>();
  /** Batches waiting for a thread's port to come: its first batch may end before its port is read (see `opened`). */
  readonly #awaited = new Map<number, (() => void)[]>();
  readonly #batches = new Map<number, BatchEnd>();
  #nextBatch = 0;

  /** Takes the ports of `pool`'s threads as they start. */
  watch(pool: Piscina): void {
    pool.on('message', (message: unknown) => {
      if (isPortMessage(message)) this.#open(message);
    });
  }

  /** Gives `batch` an id for its messages, and sends it those its threads send. */
  add(batch: BatchEnd): number {
    const id = (this.#nextBatch += 1);
    this.#batches.set(id, batch);
    return id;
  }

  /** The batch has ended: what its thread still says about it (a log line of a call left running) goes nowhere. */
  remove(id: number): void {
    this.#batches.delete(id);
  }

  /** Sends `message` to `thread`; nothing if the thread is gone (its batches fail with it). */
  post(thread: number, message: HostMessage): void {
    this.#ports.get(thread)?.postMessage(message);
  }

  /**
   * Whether `thread`'s port came. A pool's first threads may be given tasks before they are ready, and a task's answer
   * comes on piscina's port, which may be read before the worker's channel that brings the thread's port: the thread
   * sent its port first, so it is on its way.
   */
  has(thread: number): boolean {
    return this.#ports.has(thread);
  }

  /** Settles once `thread`'s port has come. */
  opened(thread: number): Promise<void> {
    return new Promise((resolve) => {
      const awaited = this.#awaited.get(thread);
      if (awaited === undefined) this.#awaited.set(thread, [resolve]);
      else awaited.push(resolve);
    });
  }

  /**
   * Reads, in order, what `thread` (every thread, if not said) sent and this side has not read yet: a batch's task is
   * answered on piscina's port, which may be read before the outcomes its thread sent earlier. Whether anything came.
   */
  drain(thread?: number): boolean {
    if (thread !== undefined) return this.#drainPort(this.#ports.get(thread));
    let read = false;
    for (const port of this.#ports.values()) read = this.#drainPort(port) || read;
    return read;
  }

  #drainPort(port: MessagePort | undefined): boolean {
    if (port === undefined) return false;
    let read = false;
    for (let waiting = receiveMessageOnPort(port); waiting !== undefined; waiting = receiveMessageOnPort(port)) {
      read = true;
      this.#route(waiting.message as ThreadMessage);
    }
    return read;
  }

  #open({ thread, port }: PortMessage): void {
    // A thread sends its port once, as it starts: another one with its id comes from its plugin code.
    if (this.#ports.has(thread)) return port.close();
    this.#ports.set(thread, port);
    port.on('message', (message: ThreadMessage) => this.#route(message));
    // A thread's port closes when the thread stops; the pool's threads, not their ports, keep the service alive.
    port.on('close', () => this.#ports.delete(thread));
    port.unref();
    for (const resolve of this.#awaited.get(thread) ?? []) resolve();
    this.#awaited.delete(thread);
  }

  #route(message: ThreadMessage): void {
    this.#batches.get(message.b)?.receive(message);
  }
}
