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
  const limit = Math.max(1, concurrency);
  // The first failure; a worker never rejects, so one started while others are awaited has no rejection unheard.
  let failure: { error: unknown } | undefined;
  const workers: Array<Promise<void>> = [];
  // Workers share one iterator, so a new item is pulled only when a worker is free: memory stays bounded. A worker
  // that got an item starts the next one (up to the limit): a run of one item costs two workers, not `concurrency`
  // of them all waiting on the iterator.
  const worker = async () => {
    while (failure === undefined) {
      try {
        const next = await iterator.next();
        if (next.done === true) return;
        if (workers.length < limit) workers.push(worker());
        await processOne(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  workers.push(worker());
  // Workers started while others are awaited are awaited in turn.
  for (let i = 0; i < workers.length; i += 1) await workers[i];
  if (failure !== undefined) throw failure.error;
}
