/**
 * MongoDB has no triggers: every write of a tenant, user (or membership) or role calls `moveOn` once it is done,
 * so that the counter moves after the change is visible. A reader that read the old counter with new data only
 * reads again once more; none keeps old data under the new counter.
 */
import type { Collection } from 'mongodb';

interface GenerationDocument {
  _id: 'auth';
  n: number;
}

export class MongoAuthGeneration {
  constructor(private readonly counters: Collection<GenerationDocument>) {}

  async read(): Promise<number> {
    return (await this.counters.findOne({ _id: 'auth' }))?.n ?? 0;
  }

  readonly moveOn = async (): Promise<void> => {
    await this.counters.updateOne({ _id: 'auth' }, { $inc: { n: 1 } }, { upsert: true });
  };
}
