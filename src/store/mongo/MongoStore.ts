/**
 * The MongoDB engine. `MongoStore.connect` does all the I/O (connecting, creating indexes, probing for
 * transaction support); the constructor only wires collections. A store built from a URI owns its client
 * and closes it; one given a client or a database leaves closing to whoever created it.
 */
import { MongoClient } from 'mongodb';
import type { CollectionOptions, Db, MongoClientOptions } from 'mongodb';
import type { Generations, Store } from '../types.js';
import type { Clock } from '../queryRules.js';
import { systemClock } from '../queryRules.js';
import type { RunStoreOptions } from '../runTypes.js';
import { MONGO_DEFAULTS } from './defaults.js';
import { MONGO_INDEXES, MONGO_OBSOLETE_INDEXES } from './indexes.js';
import type { DefinitionAliasDocument, DefinitionDocument, DefinitionNameDocument, RecordDocument, RecordFileDocument, RelationDocument } from './mappers.js';
import { MongoAuthStore } from './MongoAuthStore.js';
import { MongoOAuthStore, type OAuthStateDocument } from './MongoOAuthStore.js';
import { MongoItemWrites } from './MongoItemWrites.js';
import { MongoDefinitionStore } from './MongoDefinitionStore.js';
import { MongoGenerations } from './generations.js';
import { MongoRecordStore } from './MongoRecordStore.js';
import { MongoRelationStore } from './MongoRelationStore.js';
import type { RunLogDocument } from './MongoRunLog.js';
import { MongoRunStore, type RunDocument, type RunItemDocument, type RunResultsDocument } from './MongoRunStore.js';
import { MongoResultLinkStore, type ResultLinkDocument } from './MongoResultLinkStore.js';
import { MongoScheduleStore, type ScheduleDocument } from './MongoScheduleStore.js';
import { MongoIdempotencyStore, type IdempotencyKeyDocument } from './MongoIdempotencyStore.js';
import { StoreHealth } from '../health.js';
import { classifyMongoError, probeMongo, reportingFaults } from './health.js';

/** Where the store's database comes from. */
export type MongoConnectionOptions =
  | { uri: string; clientOptions?: MongoClientOptions }
  | { client: MongoClient }
  | { db: Db };

export type MongoStoreOptions = MongoConnectionOptions & {
  /** Ignored with `db`. @defaultValue the database named in `uri`, else MONGO_DEFAULTS.databaseName */
  databaseName?: string;
  /** Source of `createdAt`/`updatedAt`. @defaultValue the system clock */
  now?: Clock;
  runs?: RunStoreOptions;
};

/** The database named by a connection string's path, if any (`mongodb://host/name?options`). */
export function databaseNameFromUri(uri: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/.exec(uri);
  const name = match?.[1] === undefined ? '' : decodeURIComponent(match[1]);
  return name === '' ? undefined : name;
}

/**
 * What the server is. Multi-document transactions (record deletes, items' store writes) and change streams (waking
 * workers) need a replica set or a sharded cluster: a standalone server has neither.
 */
export type MongoDeployment = 'standalone' | 'replicaSet' | 'sharded';

/** Collections leave `undefined` members out instead of storing them as `null`. */
const COLLECTION_OPTIONS: CollectionOptions = { ignoreUndefined: true };

export class MongoStore implements Store {
  readonly engine = 'mongodb';
  readonly definitions: MongoDefinitionStore;
  readonly records: MongoRecordStore;
  readonly relations: MongoRelationStore;
  readonly runs: MongoRunStore;
  readonly schedules: MongoScheduleStore;
  readonly resultLinks: MongoResultLinkStore;
  readonly idempotency: MongoIdempotencyStore;
  readonly auth: MongoAuthStore;
  /** The OAuth authorization server's state, shared by every process on this database. */
  readonly oauthState: MongoOAuthStore;
  /** Asked once at connect (`hello`). */
  readonly deployment: MongoDeployment;
  /** Probed by `/health` (and every second while unhealthy); every store call reports what it meets. */
  readonly health = new StoreHealth();
  readonly #db: Db;
  readonly #ownedClient: MongoClient | undefined;
  readonly #generations: MongoGenerations;
  #closing: Promise<void> | undefined;

  /**
   * Connects when given a URI, creates the indexes, and asks once (`hello`) what the server is: whether record
   * deletes and items' store writes can use a transaction, and workers a change stream.
   */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    const ownedClient = 'uri' in options ? new MongoClient(options.uri, options.clientOptions) : undefined;
    try {
      const db = MongoStore.#database(options, ownedClient);
      if (ownedClient !== undefined) await ownedClient.connect();
      await Promise.all(
        (Object.keys(MONGO_INDEXES) as Array<keyof typeof MONGO_INDEXES>)
          // createIndexes refuses an empty list.
          .filter((name) => MONGO_INDEXES[name].length > 0)
          .map((name) => db.collection(MONGO_DEFAULTS.collections[name]).createIndexes(MONGO_INDEXES[name])),
      );
      await dropObsoleteIndexes(db);
      const deployment = await deploymentOf(db);
      return new MongoStore(db, ownedClient, deployment, options.now ?? systemClock, options.runs);
    } catch (error) {
      await ownedClient?.close();
      throw error;
    }
  }

  static #database(options: MongoStoreOptions, ownedClient: MongoClient | undefined): Db {
    if ('db' in options) return options.db;
    const client = ownedClient ?? ('client' in options ? options.client : undefined);
    if (client === undefined) throw new TypeError('MongoStore needs a uri, a client or a db');
    const fromUri = 'uri' in options ? databaseNameFromUri(options.uri) : undefined;
    return client.db(options.databaseName ?? fromUri ?? MONGO_DEFAULTS.databaseName);
  }

  private constructor(db: Db, ownedClient: MongoClient | undefined, deployment: MongoDeployment, now: Clock, runOptions: RunStoreOptions = {}) {
    this.#db = db;
    this.deployment = deployment;
    this.#ownedClient = ownedClient;
    const names = MONGO_DEFAULTS.collections;
    const relations = db.collection<RelationDocument>(names.relations, COLLECTION_OPTIONS);
    const records = db.collection<RecordDocument>(names.records, COLLECTION_OPTIONS);
    const files = db.collection<RecordFileDocument>(names.recordFiles, COLLECTION_OPTIONS);
    const definitions = db.collection<DefinitionDocument>(names.definitions, COLLECTION_OPTIONS);
    const report = <T extends object>(part: T): T => reportingFaults(part, this.health);
    const client = deployment === 'standalone' ? undefined : db.client;
    const aliases = db.collection<DefinitionAliasDocument>(names.definitionAliases, COLLECTION_OPTIONS);
    const claims = db.collection<DefinitionNameDocument>(names.definitionNames, COLLECTION_OPTIONS);
    const generations = new MongoGenerations(db.collection(names.generations, COLLECTION_OPTIONS));
    this.#generations = report(generations);
    this.definitions = report(new MongoDefinitionStore({ definitions, aliases, claims }, now, generations));
    this.records = report(new MongoRecordStore({ records, relations, files, client, now }));
    this.relations = report(new MongoRelationStore(relations, now));
    const links = db.collection<ResultLinkDocument>(names.resultLinks, COLLECTION_OPTIONS);
    this.resultLinks = report(new MongoResultLinkStore(links));
    this.schedules = report(new MongoScheduleStore(db.collection<ScheduleDocument>(names.schedules, COLLECTION_OPTIONS)));
    this.idempotency = report(new MongoIdempotencyStore(db.collection<IdempotencyKeyDocument>(names.idempotencyKeys, COLLECTION_OPTIONS)));
    this.auth = report(new MongoAuthStore(db, now, COLLECTION_OPTIONS, generations));
    this.oauthState = new MongoOAuthStore(db.collection<OAuthStateDocument>(names.oauthState), now);
    this.runs = report(
      new MongoRunStore(
        db.collection<RunDocument>(names.runs, COLLECTION_OPTIONS),
        db.collection<RunItemDocument>(names.runItems, COLLECTION_OPTIONS),
        db.collection<RunResultsDocument>(names.runResults, COLLECTION_OPTIONS),
        db.collection<RunLogDocument>(names.runLog, COLLECTION_OPTIONS),
        { itemWrites: new MongoItemWrites(records, relations, files), links, client },
        runOptions,
      ),
    );
    this.health.setProbe(() => probeMongo(db, this.health));
    this.health.setClassifier(classifyMongoError);
  }

  generations(): Promise<Generations> {
    return this.#generations.read();
  }

  /** The database in use, e.g. for tests that drop it. */
  get db(): Db {
    return this.#db;
  }

  async close(): Promise<void> {
    this.health.stop();
    this.#closing ??= this.#ownedClient?.close() ?? Promise.resolve();
    await this.#closing;
  }
}

async function deploymentOf(db: Db): Promise<MongoDeployment> {
  const hello = await db.admin().command({ hello: 1 });
  if (hello['msg'] === 'isdbgrid') return 'sharded';
  return typeof hello['setName'] === 'string' ? 'replicaSet' : 'standalone';
}

/** Index names no query uses any more (`MONGO_OBSOLETE_INDEXES`), dropped where an earlier version created them. */
async function dropObsoleteIndexes(db: Db): Promise<void> {
  for (const [name, indexes] of Object.entries(MONGO_OBSOLETE_INDEXES) as Array<[keyof typeof MONGO_DEFAULTS.collections, string[]]>) {
    const collection = db.collection(MONGO_DEFAULTS.collections[name]);
    const present = new Set((await collection.indexes()).map((index) => index.name));
    for (const index of indexes) if (present.has(index)) await collection.dropIndex(index);
  }
}
