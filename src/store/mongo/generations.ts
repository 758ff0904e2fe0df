/**
 * The store's generations (`Store.generations`), one counter document each in one collection. MongoDB has no
 * triggers: every write of what a generation guards calls `moveOn` once it is done, so that the counter moves
 * after the change is visible. A reader that read the old counter with new data only reads again once more; none
 * keeps old data under the new counter.
 */
import type { Collection } from 'mongodb';
import type { Generations } from '../types.js';

interface GenerationDocument {
  _id: keyof Generations;
  n: number;
}

export class MongoGenerations {
  constructor(private readonly counters: Collection<GenerationDocument>) {}

  /** Every counter in one query. */
  async read(): Promise<Generations> {
    const generations: Generations = { auth: 0, definitions: 0 };
    for (const { _id, n } of await this.counters.find({}).toArray()) {
      if (_id in generations) generations[_id] = n;
    }
    return generations;
  }

  async moveOn(generation: keyof Generations): Promise<void> {
    await this.counters.updateOne({ _id: generation }, { $inc: { n: 1 } }, { upsert: true });
  }
}
