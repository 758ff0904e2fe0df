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
  let failure: { error: unknown } | undefined;
  const workers: Array<Promise<void>> = [];
  // Workers share one iterator, so a new item is pulled only when a worker is free: memory stays bounded. A worker
  // starts the next one when it gets an item, so there are only as many as there were items at once, up to
  // `concurrency`: a run's session allows hundreds, and a one-item run's would otherwise all be made for nothing.
  const worker = async () => {
    while (failure === undefined) {
      const next = await iterator.next();
      if (next.done === true) return;
      if (workers.length < concurrency) start();
      await processOne(next.value);
    }
  };
  // Each failure is caught as its worker ends (a worker started later fails before anyone waits for it).
  const start = () => {
    workers.push(worker().catch((error: unknown) => void (failure ??= { error })));
  };
  start();
  // Workers started meanwhile are waited for too.
  for (let waited = 0; waited < workers.length; ) {
    const started = workers.slice(waited);
    waited = workers.length;
    await Promise.all(started);
  }
  if (failure !== undefined) throw failure.error;
}
