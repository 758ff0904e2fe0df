/** Bounded concurrency for the run worker's items. */
/**
 * Runs `processOne` over `items` with at most `concurrency` in flight, never stopping at a failure: each
 * item is handed to `processOne`, which must not throw for a failing item.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  processOne: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  // Workers share one iterator, so a new item is pulled only when a worker is free: memory stays bounded.
  const worker = async () => {
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      await processOne(next.value);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
