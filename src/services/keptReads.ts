/**
 * What the services read of the store on every request, kept in memory while the store's generation of it stays
 * the same (`Store.generations`: counters every change moves on, whichever process makes it). The generations are
 * read for every request, all in one statement (`StoreGenerations.refresh`, which authentication calls, shared by the
 * requests that arrive together), so a change made anywhere takes effect at the next request, at the price of that
 * one small read instead of one per thing read.
 *
 * Only what exists is kept (what a read found): ids a client makes up are read from the store each time, so they
 * cannot grow these maps.
 */
import type { Generations } from '../store/types.js';

export class KeptReads<T extends object> {
  #generation: number | undefined;
  /** Moves on at every emptying: a read that was under way across one is not kept (even if the generation came back). */
  #emptyings = 0;
  readonly #kept = new Map<string, T>();

  /** @param maxEntries past this many, the earliest kept leave first */
  constructor(private readonly maxEntries = Number.POSITIVE_INFINITY) {}

  /** Empties what is kept unless it was kept under `generation`. */
  follow(generation: number): void {
    if (generation === this.#generation) return;
    this.#kept.clear();
    this.#generation = generation;
    this.#emptyings += 1;
  }

  /**
   * What is kept under `key`, else what `read` finds, kept when found. Nothing is kept before the first `follow`:
   * only a generation read before `read` makes what it finds safe to keep.
   */
  async get(key: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
    const known = this.#kept.get(key);
    if (known !== undefined) return known;
    const emptyings = this.#emptyings;
    const found = await read();
    if (found !== undefined && this.#generation !== undefined && emptyings === this.#emptyings) {
      this.#kept.set(key, Object.freeze(found));
      if (this.#kept.size > this.maxEntries) this.#kept.delete(this.#kept.keys().next().value as string);
    }
    return found;
  }
}

/** Reads the store's generations and hands each to the kept reads that follow it. */
export class StoreGenerations {
  readonly #followers: Array<{ generation: keyof Generations; kept: KeptReads<object> }> = [];
  /** The read the refreshes asked for so far in this turn of the event loop share; it has not begun. */
  #next: Promise<void> | undefined;

  constructor(private readonly read: () => Promise<Generations>) {}

  /** Keeps `kept` while `generation` stays the same. */
  follow(generation: keyof Generations, kept: KeptReads<object>): void {
    this.#followers.push({ generation, kept });
  }

  /**
   * Brings every kept read up to the store's generations; call once per request, before any kept read. The
   * generations are read before anything they guard, so what is kept under them is at least as new as they are.
   * The refreshes of one turn of the event loop (the requests a busy server reads from its sockets at once) share
   * one read, made after that turn's I/O (`setImmediate`): it begins after every one of them was asked for, so
   * each still sees every change made before it, anywhere.
   */
  refresh(): Promise<void> {
    this.#next ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      // A refresh asked for from now on may come after a change this read would miss: it waits for the next one.
      this.#next = undefined;
      return this.#readAll();
    });
    return this.#next;
  }

  async #readAll(): Promise<void> {
    const generations = await this.read();
    for (const { generation, kept } of this.#followers) kept.follow(generations[generation]);
  }
}
