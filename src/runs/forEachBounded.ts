/** Bounded concurrency for the run worker's items. */
/**
 * Runs `processOne` over `items` with at most `concurrency` in flight, never stopping at a failing item: each
 * item is handed to `processOne`, which must not throw for a failing item. When pulling an item fails (the claim
 * behind `items` met a store error) or `processOne` throws, no further item is pulled, and the first failure is
 * thrown only once the items in flight have settled: their outcomes are recorded before the caller ends its session, instead of the items being
 * released while they still run, to be run again by whoever claims them next.
 */
export async function forEachBounded<T>(
  items: AsyncIterable<T> | Iterable<T>,
  concurrency: number,
  processOne: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = (Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  let failed = false;
  // Workers share one iterator, so a new item is pulled only when a worker is free: memory stays bounded.
  const worker = async () => {
    while (!failed) {
      try {
        const next = await iterator.next();
        if (next.done === true) return;
        await processOne(next.value);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, concurrency) }, worker));
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}
