/**
 * Runs on MongoDB: one document per run (`runs`), one per item (`runItems`), and one per run whose results are
 * too large to inline (`runResults`, keyed by the run id).
 *
 * MongoDB updates one document atomically, not a batch, so a claim tags the candidates with a fresh claim token
 * in one `updateMany` whose filter re-checks claimability per document, then reads back what carries the token:
 * two workers can never both claim an item. Final writes filter on `owner` + `Processing` per item. Run counters
 * are incremented after the item writes and recounted from the items when the run finishes, so a crash between
 * the two cannot leave a run with wrong counts: a session about to end asks `recount` whether the run is done
 * when the counters say it is not.
 *
 * Cancel without a transaction: the run's status changes first, then one `updateMany` ends its items not final
 * (`#cancelItems`), and only then does `cancel` answer. A claim reads the run's status again after tagging its
 * items and hands out nothing once the run is not active; items it tagged before that are ended by the cancel's
 * sweep, which comes after. Items added or queued by a write that checked the run just before the cancel are swept
 * by that write itself. A crash between the status change and the sweep leaves items `New`/`Processing` under a
 * `Cancelled` run: never claimed, and reset by a rerun.
 *
 * Items' store writes (`ItemOutcome.writes`) are applied by `complete` in a transaction with their outcomes when
 * the deployment has transactions; otherwise each just before its outcome, idempotently (`MongoItemWrites`).
 */
import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, type AnyBulkWriteOperation, type ClientSession, type Collection, type Filter, type MongoClient } from 'mongodb';
import type { Page, Paging } from '../../domain/paging.js';
import type { ItemRecord, RecordRun } from '../../domain/recordItems.js';
import { DEFAULT_RUN_LOG_LINES, type RunLogLine, type RunLogQuery, type RunLogSummary } from '../../domain/runLog.js';
import {
  ACTIVE_RUN_STATUSES,
  FINAL_RUN_STATUSES,
  WORKING_RUN_STATUSES,
  finalStatusFor,
  finishedAt,
  isWorkingRunStatus,
  ITEM_STATUS,
  RUN_STATUS,
  statusTextFor,
  stillActive,
  waitDecision,
  WORKER_STOPPED,
  workerStoppedError,
  type AfterFailure,
  type ItemStatus,
  type Run,
  type RunCounts,
  type RunId,
  type RunInvocation,
  type RunItem,
  type RunResults,
  type RunStatus,
  type WaitDecision,
} from '../../domain/runs.js';
import type { TenantId } from '../../domain/types.js';
import { pageWindow, requireString } from '../queryRules.js';
import {
  afterConflict,
  assertAcceptsItems,
  assertCancellable,
  assertRerunnable,
  checkItemKeys,
  countsAre,
  DEFAULT_RESULTS_INLINE_LIMIT,
  docTypeKey,
  duplicateItem,
  initialPosted,
  LogBatch,
  resultsToStore,
  writesToApply,
  WriteConflict,
} from '../runRules.js';
import type {
  ClaimOptions,
  CompleteAndFinishResult,
  CompleteResult,
  CreatedClaim,
  FinishWith,
  ItemOutcome,
  ItemQuery,
  ItemWrites,
  NewRun,
  RunQuery,
  RunStore,
  RunStoreOptions,
  StartedClaim,
} from '../runTypes.js';
import type { MongoItemWrites } from './MongoItemWrites.js';
import type { ResultLinkDocument } from './MongoResultLinkStore.js';
import { MongoRunFollows } from './MongoRunFollows.js';
import { MongoRunLog, type RunLogDocument } from './MongoRunLog.js';
import { findPage } from './operations.js';

export interface RunDocument {
  _id: string;
  tenantId: string;
  definitionCsid: string;
  definitionName: string;
  invocation: RunInvocation;
  createdBy: string;
  createdAt: Date;
  startedAt?: Date | null;
  completedAt?: Date | null;
  status: RunStatus;
  /** Empty: derived from status and counts on read. */
  statusText: string;
  open: boolean;
  /** Items are still being queued by the holder of the fill lease (`fillOwner` until `fillLeaseExpiresAt`). */
  filling?: boolean;
  fillOwner?: string | null;
  fillLeaseExpiresAt?: Date | null;
  rerunnable: boolean;
  posted: number;
  processed: number;
  failed: number;
  affected: number;
  /** Items the run's cancel ended; absent on runs stored before it was counted. */
  cancelled?: number;
  /** Inline results; null when there are none or they are stored apart (`resultsStoredApart`). */
  results?: RunResults | null;
  resultsSize?: number | null;
  resultsStoredApart?: boolean | null;
  reruns: number;
  /** Log lines kept for the run, and those past its limit (see `MongoRunLog`); absent until it logs. */
  logLines?: number;
  logDropped?: number;
  /** The seq the next added item gets. */
  nextSeq: number;
  /** Its `invocation.docType` in lower case, for runs posted after it (`NewRun.afterDocTypes`); absent without one. */
  docTypeKey?: string | null;
  /** The runs it follows; absent on runs stored before runs could follow others. */
  follows?: string[];
  afterFailure?: AfterFailure;
}

/** Results too large to inline in their run, as JSON text so both engines answer exactly the same. */
export interface RunResultsDocument {
  /** The run id. */
  _id: string;
  body: string;
}

export interface RunItemDocument {
  _id: string;
  runId: string;
  seq: number;
  key: string;
  status: ItemStatus;
  attempts: number;
  error?: string | null;
  errorCode?: string | null;
  note?: string | null;
  affected?: boolean | null;
  owner?: string | null;
  leaseExpiresAt?: Date | null;
  claimToken?: string | null;
  /** How often the item's store writes conflicted (see ITEM_MAX_CONFLICTS); absent means none. */
  conflicts?: number;
  updatedAt: Date;
}

const ACTIVE = [...ACTIVE_RUN_STATUSES];
const WORKING = [...WORKING_RUN_STATUSES];
const FINAL = [...FINAL_RUN_STATUSES];
/**
 * The statuses whose counts `finish` and `cancel` set from the items themselves (once no item can change any more):
 * an increment for items written before, landing after, is not counted twice.
 */
const COUNTED_FROM_ITEMS: RunStatus[] = [RUN_STATUS.Completed, RUN_STATUS.CompletedWithErrors, RUN_STATUS.Cancelled];
const DUPLICATE_KEY = 11000;

function toRun(doc: RunDocument): Run {
  const counts: RunCounts = {
    posted: doc.posted,
    processed: doc.processed,
    failed: doc.failed,
    affected: doc.affected,
    cancelled: doc.cancelled ?? 0,
  };
  const run: Run = {
    id: doc._id as RunId,
    tenant: doc.tenantId as TenantId,
    definitionCsid: doc.definitionCsid,
    definitionName: doc.definitionName,
    invocation: doc.invocation,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    status: doc.status,
    statusText: doc.statusText !== '' ? doc.statusText : statusTextFor(doc.status, counts, doc.open, doc.filling === true),
    open: doc.open,
    filling: doc.filling === true,
    rerunnable: doc.rerunnable,
    counts,
    reruns: doc.reruns,
    after: (doc.follows ?? []) as RunId[],
    afterFailure: doc.afterFailure ?? 'fail',
  };
  if (doc.startedAt) run.startedAt = doc.startedAt;
  if (doc.completedAt) run.completedAt = doc.completedAt;
  if (typeof doc.resultsSize === 'number') run.resultsSize = doc.resultsSize;
  if (doc.results) run.results = doc.results;
  else if (doc.resultsStoredApart === true) run.resultsStoredApart = true;
  return run;
}

function toItem(doc: RunItemDocument): RunItem {
  const item: RunItem = { runId: doc.runId as RunId, seq: doc.seq, key: doc.key, status: doc.status, attempts: doc.attempts, updatedAt: doc.updatedAt };
  if (typeof doc.error === 'string') item.error = doc.error;
  if (typeof doc.errorCode === 'string') item.errorCode = doc.errorCode;
  if (typeof doc.note === 'string') item.note = doc.note;
  if (typeof doc.affected === 'boolean') item.affected = doc.affected;
  return item;
}

/** The fields a `waitDecision` sets: a run `Failed` by it has ended, with its reason. */
function decisionFields(decision: WaitDecision, now: Date): Pick<RunDocument, 'status' | 'statusText' | 'completedAt'> {
  const failed = decision.status === RUN_STATUS.Failed;
  return { status: decision.status, statusText: failed ? decision.statusText : '', completedAt: failed ? now : null };
}

/** Runs probed per query for a record's items (`recordRuns`). */
const RECORD_RUNS_BATCH = 1000;

type RecordRunFields = Pick<RunDocument, '_id' | 'definitionCsid' | 'definitionName' | 'status' | 'createdAt' | 'completedAt'>;
type RecordItemFields = Pick<RunItemDocument, 'status' | 'attempts' | 'updatedAt' | 'error'>;

function toRecordRun(run: RecordRunFields, item: RecordItemFields): RecordRun {
  const recordRun: RecordRun = {
    runId: run._id as RunId,
    definitionCsid: run.definitionCsid,
    definitionName: run.definitionName,
    runStatus: run.status,
    runCreatedAt: run.createdAt,
    itemStatus: item.status,
    attempts: item.attempts,
    itemUpdatedAt: item.updatedAt,
  };
  if (run.completedAt) recordRun.runCompletedAt = run.completedAt;
  if (typeof item.error === 'string') recordRun.error = item.error;
  return recordRun;
}

function itemDocuments(runId: string, firstSeq: number, keys: readonly string[], now: Date): RunItemDocument[] {
  return keys.map((key, index) => ({
    _id: `${runId}/${firstSeq + index}`,
    runId,
    seq: firstSeq + index,
    key,
    status: ITEM_STATUS.New,
    attempts: 0,
    updatedAt: now,
  }));
}

async function insertItems(items: Collection<RunItemDocument>, docs: RunItemDocument[]): Promise<void> {
  for (let start = 0; start < docs.length; start += 5000) {
    try {
      await items.insertMany(docs.slice(start, start + 5000), { ordered: true });
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) {
        const key = /key: \{[^}]*key: "([^"]*)"/.exec(String((error as Error).message))?.[1] ?? 'an item';
        throw duplicateItem(key);
      }
      throw error;
    }
  }
}

/** What `MongoRunStore.complete` applies items' store writes with. */
export interface MongoRunStoreWrites {
  itemWrites: MongoItemWrites;
  /** The runs' result links, deleted with their run by `purge`. */
  links: Collection<ResultLinkDocument>;
  /** Present when the deployment supports transactions (replica set or sharded cluster). */
  client: MongoClient | undefined;
}

export class MongoRunStore implements RunStore {
  readonly #runs: Collection<RunDocument>;
  readonly #items: Collection<RunItemDocument>;
  readonly #results: Collection<RunResultsDocument>;
  readonly #writes: MongoRunStoreWrites;
  readonly #resultsInlineLimit: number;
  readonly #log: MongoRunLog<RunDocument>;
  readonly #follows: MongoRunFollows<RunDocument>;

  constructor(
    runs: Collection<RunDocument>,
    items: Collection<RunItemDocument>,
    results: Collection<RunResultsDocument>,
    logLines: Collection<RunLogDocument>,
    writes: MongoRunStoreWrites,
    options: RunStoreOptions = {},
  ) {
    this.#log = new MongoRunLog(logLines, runs, options.logLines ?? DEFAULT_RUN_LOG_LINES);
    this.#follows = new MongoRunFollows(runs);
    this.#runs = runs;
    this.#items = items;
    this.#results = results;
    this.#writes = writes;
    this.#resultsInlineLimit = options.resultsInlineLimit ?? DEFAULT_RESULTS_INLINE_LIMIT;
  }

  #byId(tenant: TenantId, id: string): Filter<RunDocument> {
    return { _id: requireString(id, 'id'), tenantId: requireString(tenant, 'tenant') };
  }

  async #doc(tenant: TenantId, id: string): Promise<RunDocument | null> {
    return this.#runs.findOne(this.#byId(tenant, id));
  }

  /** For checks on hot paths (claim, complete, renew): `#doc` would read the invocation and results too. */
  async #status(tenant: TenantId, id: string): Promise<RunStatus | undefined> {
    const doc = await this.#runs.findOne(this.#byId(tenant, id), { projection: { status: 1 } });
    return doc?.status;
  }

  async create(tenant: TenantId, input: NewRun, keys: readonly string[], now: Date): Promise<Run> {
    checkItemKeys(keys);
    const id = randomUUID();
    const afterFailure = input.afterFailure ?? 'fail';
    // Decided before the run is stored, not in one step with it (no transaction): a followed run that ends meanwhile
    // finds no follower to wake, but the new run's own wake decides again (`resolveWait`) once it is stored.
    const follows = await this.#follows.forNewRun(tenant, input);
    const decision = waitDecision(await this.#follows.statuses(tenant, follows), afterFailure);
    const doc: RunDocument = {
      _id: id,
      tenantId: tenant,
      definitionCsid: input.definitionCsid,
      definitionName: input.definitionName,
      invocation: input.invocation,
      createdBy: input.createdBy,
      createdAt: now,
      open: input.open === true,
      filling: input.filling === true,
      rerunnable: input.rerunnable !== false,
      posted: initialPosted(input, keys.length),
      processed: 0,
      failed: 0,
      affected: 0,
      cancelled: 0,
      reruns: 0,
      nextSeq: keys.length,
      docTypeKey: docTypeKey(input.invocation.docType),
      follows,
      afterFailure,
      ...decisionFields(decision, now),
    };
    // The run first: a run refused (too large a document, a lost connection) leaves no item behind that purge could
    // never find. Its items may be claimed as they come in; it cannot finish before they are all in (`posted`).
    await this.#runs.insertOne(doc);
    try {
      await insertItems(this.#items, itemDocuments(id, 0, keys, now));
    } catch (error) {
      await this.#items.deleteMany({ runId: id });
      await this.#runs.deleteOne({ _id: id });
      throw error;
    }
    return toRun(doc);
  }

  async resolveWait(tenant: TenantId, id: string, now: Date): Promise<Run | undefined> {
    const doc = await this.#doc(tenant, id);
    if (doc === null) return undefined;
    if (doc.status !== RUN_STATUS.Waiting) return toRun(doc);
    const decision = waitDecision(await this.#follows.statuses(tenant, doc.follows ?? []), doc.afterFailure ?? 'fail');
    if (decision.status === RUN_STATUS.Waiting) return toRun(doc);
    // Guarded on `Waiting`: a cancel that came first stands, and two deciders agree anyway.
    await this.#runs.updateOne({ _id: id, status: RUN_STATUS.Waiting }, { $set: decisionFields(decision, now) });
    return this.get(tenant, id);
  }

  async waitingFor(tenant: TenantId, id: string): Promise<RunId[]> {
    const doc = await this.#runs.findOne(this.#byId(tenant, id), { projection: { follows: 1 } });
    if (doc === null) return [];
    const followed = await this.#follows.statuses(tenant, doc.follows ?? []);
    return stillActive(followed);
  }

  followers(tenant: TenantId, id: string): Promise<RunId[]> {
    return this.#follows.followers(tenant, id);
  }

  creators(tenant: TenantId, ids: readonly string[]): Promise<Map<RunId, string>> {
    return this.#follows.creators(tenant, ids);
  }

  async claimFill(tenant: TenantId, id: string, owner: string, until: Date, now: Date): Promise<boolean> {
    const result = await this.#runs.updateOne(
      {
        ...this.#byId(tenant, id),
        filling: true,
        status: { $in: ACTIVE },
        $or: [{ fillOwner: null }, { fillOwner: owner }, { fillLeaseExpiresAt: { $lte: now } }],
      },
      { $set: { fillOwner: owner, fillLeaseExpiresAt: until } },
    );
    return result.matchedCount > 0;
  }

  async fill(tenant: TenantId, id: string, owner: string, keys: readonly string[], until: Date, now: Date): Promise<number | undefined> {
    // Seqs are reserved up front; keys already in the run leave gaps, which `endFill` makes up for by counting.
    const doc = await this.#runs.findOneAndUpdate(
      { ...this.#byId(tenant, id), filling: true, fillOwner: owner, status: { $in: ACTIVE } },
      { $inc: { nextSeq: keys.length }, $set: { fillLeaseExpiresAt: until } },
      { returnDocument: 'before' },
    );
    if (doc === null) return undefined;
    const present = await this.#items.find({ runId: id, key: { $in: [...keys] } }, { projection: { key: 1 } }).toArray();
    const known = new Set(present.map((item) => item.key));
    const fresh = keys.filter((key) => !known.has(key));
    if (fresh.length === 0) return 0;
    let added: number;
    try {
      added = (await this.#items.insertMany(itemDocuments(id, doc.nextSeq, fresh, now), { ordered: false })).insertedCount;
    } catch (error) {
      if (!(error instanceof MongoBulkWriteError) || error.code !== DUPLICATE_KEY) throw error;
      added = error.insertedCount;
    }
    await this.#runs.updateOne({ _id: id }, { $max: { posted: doc.nextSeq + fresh.length } });
    await this.#sweepIfCancelled(id, now);
    return added;
  }

  async endFill(tenant: TenantId, id: string, owner: string): Promise<Run | undefined> {
    const posted = await this.#items.countDocuments({ runId: id });
    await this.#runs.updateOne(
      { ...this.#byId(tenant, id), filling: true, fillOwner: owner },
      { $set: { filling: false, fillOwner: null, fillLeaseExpiresAt: null, posted } },
    );
    return this.get(tenant, id);
  }

  async get(tenant: TenantId, id: string): Promise<Run | undefined> {
    const doc = await this.#doc(tenant, id);
    return doc === null ? undefined : toRun(doc);
  }

  status(tenant: TenantId, id: string): Promise<RunStatus | undefined> {
    return this.#status(tenant, id);
  }

  async list(tenant: TenantId, query: RunQuery): Promise<Page<Run>> {
    const filter: Filter<RunDocument> = { tenantId: requireString(tenant, 'tenant') };
    if (query.status !== undefined) filter.status = requireString(query.status, 'status') as RunStatus;
    if (query.activeOnly === true) {
      filter.$and = [{ status: { $in: ACTIVE } }];
    }
    if (query.createdBy !== undefined) filter.createdBy = requireString(query.createdBy, 'createdBy');
    if (query.definitionCsid !== undefined) filter.definitionCsid = requireString(query.definitionCsid, 'definitionCsid');
    if (query.createdFrom !== undefined || query.createdTo !== undefined) {
      filter.createdAt = {
        ...(query.createdFrom !== undefined && { $gte: query.createdFrom }),
        ...(query.createdTo !== undefined && { $lt: query.createdTo }),
      };
    }
    return findPage(this.#runs, filter, { createdAt: -1, _id: -1 }, query.paging, toRun);
  }

  async listItems(tenant: TenantId, id: string, query: ItemQuery): Promise<Page<RunItem>> {
    const known = (await this.#status(tenant, id)) !== undefined;
    const filter: Filter<RunItemDocument> = { runId: known ? id : '' };
    if (query.status !== undefined) filter.status = requireString(query.status, 'status') as ItemStatus;
    return findPage(this.#items, filter, { seq: 1 }, query.paging, toItem);
  }

  /**
   * All or nothing without a transaction: every key is checked against the run's items first, then the seq range
   * is reserved and the items counted as posted in one update, only while the run accepts items (so a close after
   * it sees them posted, and no finish completes the run before they are processed). A duplicate that a
   * concurrent add slipped in between the check and the insert is undone by `#undoAdd`.
   */
  async addItems(tenant: TenantId, id: string, keys: readonly string[], now: Date): Promise<Run | undefined> {
    checkItemKeys(keys);
    const current = await this.#doc(tenant, id);
    if (current === null) return undefined;
    assertAcceptsItems(toRun(current));
    await this.#refuseListed(id, keys);
    const reserved = await this.#runs.findOneAndUpdate(
      { ...this.#byId(tenant, id), open: true, status: { $in: ACTIVE } },
      { $inc: { nextSeq: keys.length, posted: keys.length } },
      { returnDocument: 'before', projection: { nextSeq: 1 } },
    );
    if (reserved === null) {
      assertAcceptsItems(toRun((await this.#doc(tenant, id)) ?? current));
      return undefined;
    }
    try {
      await insertItems(this.#items, itemDocuments(id, reserved.nextSeq, keys, now));
    } catch (error) {
      await this.#undoAdd(id, reserved.nextSeq, keys.length);
      throw error;
    }
    await this.#sweepIfCancelled(id, now);
    return this.get(tenant, id);
  }

  /**
   * Without a transaction, in an order that is safe at every step: the run and the keys are checked first; then
   * the files and records are written (upserts of their csids, `MongoItemWrites.createRecords`); then the items,
   * as `addItems` adds them, which checks again. Items refused there take back the records this call created. A
   * crash between the records and the items leaves records no run has (and no item without its record): a retry
   * with the request's idempotency key chooses the same csids and adds their items (see `documentItemCsid`).
   */
  async addRecordItems(tenant: TenantId, id: string, records: readonly ItemRecord[], actor: string, now: Date): Promise<Run | undefined> {
    const keys = records.map((record) => record.csid);
    checkItemKeys(keys);
    const current = await this.#doc(tenant, id);
    if (current === null) return undefined;
    assertAcceptsItems(toRun(current));
    await this.#refuseListed(id, keys);
    const created = await this.#writes.itemWrites.createRecords(tenant, records, actor, now);
    try {
      return await this.addItems(tenant, id, keys, now);
    } catch (error) {
      await this.#writes.itemWrites.removeRecords(tenant, created);
      throw error;
    }
  }

  /**
   * The tenant's runs newest first (`tenant_createdAt`), a thousand at a time, each batch probed for the record's
   * item (`run_key`): no index on the key alone, which every item of every run would write for this rare read.
   */
  async recordRuns(tenant: TenantId, csid: string, paging: Paging): Promise<Page<RecordRun>> {
    const key = requireString(csid, 'csid');
    const projection = { definitionCsid: 1, definitionName: 1, status: 1, createdAt: 1, completedAt: 1 };
    const runs = this.#runs.find({ tenantId: requireString(tenant, 'tenant') }, { projection, sort: { createdAt: -1, _id: -1 } }).batchSize(RECORD_RUNS_BATCH);
    const found: RecordRun[] = [];
    let batch: RecordRunFields[] = [];
    const probe = async () => {
      const items = await this.#items
        .find({ runId: { $in: batch.map((run) => run._id) }, key }, { projection: { runId: 1, status: 1, attempts: 1, updatedAt: 1, error: 1 } })
        .toArray();
      const byRun = new Map(items.map((item) => [item.runId, item]));
      for (const run of batch) {
        const item = byRun.get(run._id);
        if (item !== undefined) found.push(toRecordRun(run, item));
      }
      batch = [];
    };
    for await (const run of runs) {
      batch.push(run);
      if (batch.length === RECORD_RUNS_BATCH) await probe();
    }
    if (batch.length > 0) await probe();
    const { offset, limit } = pageWindow(paging);
    return { pageNum: paging.pageNum, pageSize: paging.pageSize, totalItems: found.length, items: found.slice(offset, offset + limit) };
  }

  /** A key the run already has refuses the whole add, before anything is written. */
  async #refuseListed(id: string, keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += 5000) {
      const present = await this.#items.findOne({ runId: id, key: { $in: keys.slice(start, start + 5000) } }, { projection: { key: 1 } });
      if (present !== null) throw duplicateItem(present.key);
    }
  }

  /**
   * Takes back an add whose insert failed part way: the seq range it reserved is its token (no other add can hold
   * it), so its items are deleted by range, `posted` is lowered again, and the range is given back unless a later
   * add reserved past it meanwhile (a gap in seqs is harmless: they only order the items).
   */
  async #undoAdd(id: string, first: number, count: number): Promise<void> {
    await this.#items.deleteMany({ runId: id, seq: { $gte: first, $lt: first + count } });
    await this.#runs.updateOne({ _id: id }, [
      {
        $set: {
          posted: { $subtract: ['$posted', count] },
          nextSeq: { $cond: [{ $eq: ['$nextSeq', first + count] }, first, '$nextSeq'] },
        },
      },
    ]);
  }

  async close(tenant: TenantId, id: string): Promise<Run | undefined> {
    const doc = await this.#runs.findOneAndUpdate(this.#byId(tenant, id), { $set: { open: false } }, { returnDocument: 'after' });
    return doc === null ? undefined : toRun(doc);
  }

  async start(tenant: TenantId, id: string, now: Date): Promise<Run | undefined> {
    await this.#runs.updateOne({ ...this.#byId(tenant, id), status: RUN_STATUS.Queued }, [
      { $set: { status: RUN_STATUS.InProgress, startedAt: { $ifNull: ['$startedAt', now] } } },
    ]);
    return this.get(tenant, id);
  }

  /** No transaction: started first, then claimed; the run answered is as the start left it, before the claim. */
  async startAndClaim(tenant: TenantId, id: string, now: Date, options: ClaimOptions): Promise<StartedClaim> {
    const run = await this.start(tenant, id, now);
    return { run, items: run === undefined ? [] : await this.claim(tenant, id, options) };
  }

  /** No transaction: stored, then started and claimed as `startAndClaim` does. */
  async createAndClaim(tenant: TenantId, input: NewRun, keys: readonly string[], claim: ClaimOptions): Promise<CreatedClaim> {
    const run = await this.create(tenant, input, keys, claim.now);
    if (run.status !== RUN_STATUS.Queued) return { run, items: [] };
    const started = await this.startAndClaim(tenant, run.id, claim.now, { ...claim, takeOver: false });
    return { run: started.run ?? run, items: started.items };
  }

  async claim(tenant: TenantId, id: string, options: ClaimOptions): Promise<RunItem[]> {
    if (options.limit <= 0) return [];
    const status = await this.#status(tenant, id);
    if (status === undefined || !isWorkingRunStatus(status)) return [];
    const lease = { owner: options.owner, leaseExpiresAt: new Date(options.now.getTime() + options.leaseMs), updatedAt: options.now };
    const expired: Filter<RunItemDocument> = { runId: id, status: ITEM_STATUS.Processing, leaseExpiresAt: { $lte: options.now } };
    if (options.takeOver !== false) {
      if (options.maxCrashes !== undefined) await this.#failCrashed(id, expired, options.maxCrashes, options.now);
      // One suspect at a time: taken over alone, so that a crash it causes is charged to it alone.
      const suspect = await this.#items.findOneAndUpdate(
        expired,
        { $set: { status: ITEM_STATUS.Processing, ...lease, claimToken: randomUUID() }, $inc: { attempts: 1 } },
        { sort: { seq: 1 }, returnDocument: 'after' },
      );
      if (suspect !== null) return [toItem(suspect)];
    }
    const fresh: Filter<RunItemDocument> = { runId: id, status: ITEM_STATUS.New };
    const candidates = await this.#items.find(fresh, { projection: { _id: 1 } }).sort({ seq: 1 }).limit(options.limit).toArray();
    if (candidates.length === 0) return [];
    const claimToken = randomUUID();
    await this.#items.updateMany(
      { ...fresh, _id: { $in: candidates.map((c) => c._id) } },
      { $set: { status: ITEM_STATUS.Processing, ...lease, claimToken }, $inc: { attempts: 1 } },
    );
    const claimed = await this.#items.find({ runId: id, claimToken }).sort({ seq: 1 }).toArray();
    // A cancel that landed since the status was read sweeps what was tagged here (see the header): hand none of it out.
    const after = await this.#status(tenant, id);
    if (after === undefined || !isWorkingRunStatus(after)) return [];
    return claimed.map(toItem);
  }

  /** Fails the expired items charged `maxCrashes` crashes (releases give attempts back), and counts them. */
  async #failCrashed(id: string, expired: Filter<RunItemDocument>, maxCrashes: number, now: Date): Promise<void> {
    const { modifiedCount } = await this.#items.updateMany(
      { ...expired, attempts: { $gte: maxCrashes } },
      {
        $set: {
          status: ITEM_STATUS.Failed,
          error: workerStoppedError(maxCrashes),
          errorCode: WORKER_STOPPED,
          owner: null,
          leaseExpiresAt: null,
          claimToken: null,
          updatedAt: now,
        },
      },
    );
    if (modifiedCount > 0) await this.#runs.updateOne({ _id: id, status: { $nin: COUNTED_FROM_ITEMS } }, { $inc: { processed: modifiedCount, failed: modifiedCount } });
  }

  async renewLeases(tenant: TenantId, id: string, owner: string, until: Date): Promise<number[]> {
    if ((await this.#status(tenant, id)) === undefined) return [];
    const held: Filter<RunItemDocument> = { runId: id, status: ITEM_STATUS.Processing, owner };
    await this.#items.updateMany(held, { $set: { leaseExpiresAt: until } });
    const items = await this.#items.find(held, { projection: { seq: 1 } }).toArray();
    return items.map((item) => item.seq);
  }

  async complete(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], now: Date): Promise<CompleteResult> {
    if (outcomes.length === 0 || (await this.#status(tenant, id)) === undefined) return { written: 0, requeued: 0 };
    const { client } = this.#writes;
    // Outcomes without store writes need no transaction: each item's final write stands on its own.
    if (client === undefined || !outcomes.some((outcome) => writesToApply(outcome) !== undefined)) {
      return this.#complete(tenant, id, owner, outcomes, now, undefined);
    }
    const session = client.startSession();
    try {
      return await session.withTransaction((transaction) => this.#complete(tenant, id, owner, outcomes, now, transaction));
    } finally {
      await session.endSession();
    }
  }

  /** `complete`, in `session`'s transaction when given (withTransaction may call it again after a transient error). */
  async #complete(
    tenant: TenantId,
    id: string,
    owner: string,
    outcomes: readonly ItemOutcome[],
    now: Date,
    session: ClientSession | undefined,
  ): Promise<CompleteResult> {
    const write = async (group: readonly ItemOutcome[]): Promise<number> => {
      if (group.length === 0) return 0;
      const operations: AnyBulkWriteOperation<RunItemDocument>[] = group.map((outcome) => ({
        updateOne: {
          filter: { _id: `${id}/${outcome.seq}`, status: ITEM_STATUS.Processing, owner },
          update: {
            $set: {
              status: outcome.status,
              error: outcome.error ?? null,
              errorCode: outcome.errorCode ?? null,
              note: outcome.note ?? null,
              affected: outcome.affected ?? null,
              owner: null,
              leaseExpiresAt: null,
              claimToken: null,
              updatedAt: now,
            },
          },
        },
      }));
      return (await this.#items.bulkWrite(operations, { ordered: false, session })).modifiedCount;
    };
    // An outcome with store writes, results or log lines is written one by one: its writes only while the item is
    // held, a whole invocation's results and an item's lines only once its item is written.
    const plain: ItemOutcome[] = [];
    let [failed, affected, unaffected, requeued] = [0, 0, 0, 0];
    const log = new LogBatch();
    for (const outcome of outcomes) {
      const writes = writesToApply(outcome);
      if (writes === undefined && outcome.results === undefined && outcome.log === undefined && outcome.logDropped === undefined) {
        plain.push(outcome);
        continue;
      }
      if (writes !== undefined) {
        const applied = await this.#applyWrites(tenant, id, owner, outcome.seq, writes, now, session);
        if (applied === 'New') requeued += 1;
        if (applied === 'Failed') failed += 1;
        if (applied !== 'dropped') log.add(outcome);
        if (applied !== 'applied') continue;
      }
      if ((await write([outcome])) === 0) continue;
      if (writes === undefined) log.add(outcome);
      if (outcome.results !== undefined) {
        await this.#runs.updateOne({ _id: id }, [{ $set: await this.#resultsFields(id, outcome.results, session) }], { session });
      }
      if (outcome.status === 'Failed') failed += 1;
      else if (outcome.affected !== false) affected += 1;
      else unaffected += 1;
    }
    failed += await write(plain.filter((o) => o.status === 'Failed'));
    affected += await write(plain.filter((o) => o.status === 'Completed' && o.affected !== false));
    unaffected += await write(plain.filter((o) => o.status === 'Completed' && o.affected === false));
    const processed = failed + affected + unaffected;
    if (processed > 0) await this.#runs.updateOne({ _id: id, status: { $nin: COUNTED_FROM_ITEMS } }, { $inc: { processed, failed, affected } }, { session });
    await this.#log.append(id, log.entries, log.dropped, session);
    return { written: processed, requeued };
  }

  /**
   * Applies an item's writes while `owner` holds it: `dropped` (it does not, so neither its writes nor its outcome
   * count), `applied` (its outcome is to be written next), or on a conflict the status the item was given instead.
   */
  async #applyWrites(
    tenant: TenantId,
    id: string,
    owner: string,
    seq: number,
    writes: ItemWrites,
    now: Date,
    session: ClientSession | undefined,
  ): Promise<'dropped' | 'applied' | 'New' | 'Failed'> {
    const held: Filter<RunItemDocument> = { _id: `${id}/${seq}`, status: ITEM_STATUS.Processing, owner };
    const item = await this.#items.findOne(held, { session, projection: { conflicts: 1 } });
    if (item === null) return 'dropped';
    try {
      await this.#writes.itemWrites.apply(tenant, writes, now, session);
      return 'applied';
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      const next = afterConflict(item.conflicts ?? 0, error);
      const { status, conflicts, error: message, errorCode } = next;
      const update = { status, conflicts, error: message, errorCode, note: null, affected: null, owner: null, leaseExpiresAt: null, claimToken: null, updatedAt: now };
      const { modifiedCount } = await this.#items.updateOne(held, { $set: update }, { session });
      return modifiedCount === 0 ? 'dropped' : status;
    }
  }

  async release(tenant: TenantId, id: string, owner: string): Promise<number> {
    if ((await this.#status(tenant, id)) === undefined) return 0;
    const result = await this.#items.updateMany({ runId: id, status: ITEM_STATUS.Processing, owner }, [
      {
        $set: {
          status: ITEM_STATUS.New,
          owner: null,
          leaseExpiresAt: null,
          claimToken: null,
          attempts: { $max: [{ $subtract: ['$attempts', 1] }, 0] },
        },
      },
    ]);
    return result.modifiedCount;
  }

  async nextLeaseExpiry(tenant: TenantId, id: string, exceptOwner?: string): Promise<Date | undefined> {
    if ((await this.#status(tenant, id)) === undefined) return undefined;
    const filter: Filter<RunItemDocument> = { runId: id, status: ITEM_STATUS.Processing };
    if (exceptOwner !== undefined) filter.owner = { $ne: exceptOwner };
    const doc = await this.#items.find(filter).sort({ leaseExpiresAt: 1 }).limit(1).next();
    return doc?.leaseExpiresAt ?? undefined;
  }

  /** The counters as the items say, for a run about to finish. */
  async #recount(id: string, posted: number): Promise<RunCounts> {
    const groups = await this.#items
      .aggregate<{ _id: { status: ItemStatus; affected: boolean | null }; n: number }>([
        { $match: { runId: id, status: { $in: [ITEM_STATUS.Completed, ITEM_STATUS.Failed, ITEM_STATUS.Cancelled] } } },
        { $group: { _id: { status: '$status', affected: '$affected' }, n: { $sum: 1 } } },
      ])
      .toArray();
    const counts: RunCounts = { posted, processed: 0, failed: 0, affected: 0, cancelled: 0 };
    for (const group of groups) {
      if (group._id.status === ITEM_STATUS.Cancelled) {
        counts.cancelled += group.n;
        continue;
      }
      counts.processed += group.n;
      if (group._id.status === ITEM_STATUS.Failed) counts.failed += group.n;
      else if (group._id.affected !== false) counts.affected += group.n;
    }
    return counts;
  }

  async recount(tenant: TenantId, id: string): Promise<Run | undefined> {
    const doc = await this.#doc(tenant, id);
    if (doc === null) return undefined;
    const { processed, failed, affected, cancelled } = await this.#recount(id, doc.posted);
    return toRun({ ...doc, processed, failed, affected, cancelled });
  }

  /**
   * No transaction: the outcomes are written as `complete` writes them, then the run is finished when its counters,
   * recounted from its items as `finish` counts them, are those expected.
   */
  async completeAndFinish(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], finishWith: FinishWith, now: Date): Promise<CompleteAndFinishResult> {
    const done = await this.complete(tenant, id, owner, outcomes, now);
    const run = await this.recount(tenant, id);
    if (run === undefined || !isWorkingRunStatus(run.status) || !countsAre(run.counts, finishWith.counts)) return done;
    const finished = await this.finish(tenant, id, finishWith.results, now);
    // Another session may have finished it meanwhile: only the finish stamped with this call's time is this call's.
    return finishedAt(finished, now) ? { ...done, finished } : done;
  }

  async finish(tenant: TenantId, id: string, results: RunResults, now: Date): Promise<Run | undefined> {
    const doc = await this.#doc(tenant, id);
    if (doc === null) return undefined;
    // A waiting run has not started: it is never finished from here, whatever its counts say.
    if (!isWorkingRunStatus(doc.status) || doc.open || doc.filling === true) return toRun(doc);
    const counts = await this.#recount(id, doc.posted);
    const status = finalStatusFor(counts, doc.open);
    const { processed, failed, affected } = counts;
    if (status === undefined) {
      const fixed = await this.#runs.findOneAndUpdate({ _id: id }, { $set: { processed, failed, affected } }, { returnDocument: 'after' });
      return fixed === null ? undefined : toRun(fixed);
    }
    // Results stored with the whole invocation's item stand: they are the plugin's own.
    const given = typeof doc.resultsSize === 'number' ? {} : await this.#resultsFields(id, results);
    await this.#runs.updateOne({ _id: id, status: { $in: WORKING }, open: false, filling: { $ne: true }, posted: doc.posted }, [
      {
        $set: { status, statusText: '', completedAt: now, startedAt: { $ifNull: ['$startedAt', now] }, ...given, processed, failed, affected },
      },
    ]);
    return this.get(tenant, id);
  }

  /**
   * The run fields that carry `results` (for a pipeline update), their body stored first when they go apart, so
   * a run never points at results that are not there. A body whose run then ended otherwise (cancelled meanwhile)
   * is never read, since the run does not say `resultsStoredApart`; rerun and purge delete it.
   */
  async #resultsFields(id: string, results: RunResults, session?: ClientSession): Promise<Partial<Record<keyof RunDocument, unknown>>> {
    const stored = resultsToStore(results, this.#resultsInlineLimit);
    if (stored.apart) await this.#results.replaceOne({ _id: id }, { body: stored.json }, { upsert: true, session });
    return {
      // $literal: in a pipeline update, a note starting with '$' would otherwise be read as a field path.
      results: stored.apart ? null : { $literal: results },
      resultsSize: stored.size,
      resultsStoredApart: stored.apart,
    };
  }

  async results(tenant: TenantId, id: string): Promise<RunResults | undefined> {
    const doc = await this.#runs.findOne(this.#byId(tenant, id), { projection: { results: 1, resultsStoredApart: 1 } });
    if (doc === null) return undefined;
    if (doc.resultsStoredApart !== true) return doc.results ?? undefined;
    const stored = await this.#results.findOne({ _id: id });
    return stored === null ? undefined : (JSON.parse(stored.body) as RunResults);
  }

  async fail(tenant: TenantId, id: string, statusText: string, now: Date): Promise<Run | undefined> {
    await this.#runs.updateOne(
      { ...this.#byId(tenant, id), status: { $in: ACTIVE } },
      { $set: { status: RUN_STATUS.Failed, statusText, completedAt: now } },
    );
    return this.get(tenant, id);
  }

  async cancel(tenant: TenantId, id: string, now: Date): Promise<Run | undefined> {
    const doc = await this.#doc(tenant, id);
    if (doc === null) return undefined;
    assertCancellable(toRun(doc));
    const updated = await this.#runs.findOneAndUpdate(
      { ...this.#byId(tenant, id), status: { $in: ACTIVE } },
      { $set: { status: RUN_STATUS.Cancelled, statusText: '', completedAt: now, fillOwner: null, fillLeaseExpiresAt: null } },
      { returnDocument: 'after' },
    );
    if (updated === null) {
      assertCancellable(toRun((await this.#doc(tenant, id)) ?? doc));
      return this.get(tenant, id);
    }
    await this.#cancelItems(id, now);
    return this.get(tenant, id);
  }

  /**
   * Ends the items of a cancelled run that are not final, whoever holds them, then counts the run from its items:
   * none of them changes any more, so the cancel answers exact counts, which increments landing late leave alone.
   * `$max`: a sweep of items added meanwhile (`#sweepIfCancelled`) may count them first, and counts only grow now.
   */
  async #cancelItems(id: string, now: Date): Promise<void> {
    await this.#items.updateMany(
      { runId: id, status: { $in: [ITEM_STATUS.New, ITEM_STATUS.Processing] } },
      { $set: { status: ITEM_STATUS.Cancelled, owner: null, leaseExpiresAt: null, claimToken: null, updatedAt: now } },
    );
    const { processed, failed, affected, cancelled } = await this.#recount(id, 0);
    await this.#runs.updateOne({ _id: id }, { $max: { processed, failed, affected, cancelled } });
  }

  /** After items were added to a run that was active when checked: a cancel since then did not see them. */
  async #sweepIfCancelled(id: string, now: Date): Promise<void> {
    const doc = await this.#runs.findOne({ _id: id }, { projection: { status: 1 } });
    if (doc?.status === RUN_STATUS.Cancelled) await this.#cancelItems(id, now);
  }

  /**
   * Items first, while the run is still final (nothing claims or completes an item of a final run), then the run
   * back to `Queued` with the counts the items now give, in one update guarded on the run still being final: a
   * session that ends at any point sees either the finished run or the requeued one with its counts reset, never a
   * `Queued` run whose items are still final (which it would finish again at once). The results body goes before
   * the requeue, so it can never delete the next finish's.
   */
  async rerun(tenant: TenantId, id: string, options: { onlyFailed: boolean }, now: Date): Promise<Run | undefined> {
    const doc = await this.#doc(tenant, id);
    if (doc === null) return undefined;
    assertRerunnable(toRun(doc));
    const reset = {
      $set: { status: ITEM_STATUS.New, attempts: 0, conflicts: 0, error: null, errorCode: null, note: null, affected: null, owner: null, leaseExpiresAt: null, claimToken: null, updatedAt: now },
    };
    const unfinished = { runId: id, status: { $in: [ITEM_STATUS.Failed, ITEM_STATUS.Cancelled] } };
    await this.#items.updateMany(options.onlyFailed ? unfinished : { runId: id }, reset);
    const counts = await this.#recount(id, doc.posted);
    await this.#results.deleteOne({ _id: id });
    await this.#log.clear([id]);
    const decision = waitDecision(await this.#follows.statuses(tenant, doc.follows ?? []), doc.afterFailure ?? 'fail');
    const requeued = await this.#runs.findOneAndUpdate(
      { ...this.#byId(tenant, id), status: { $in: FINAL } },
      {
        $set: {
          ...decisionFields(decision, now),
          startedAt: null,
          results: null,
          resultsSize: null,
          resultsStoredApart: null,
          processed: counts.processed,
          failed: counts.failed,
          affected: counts.affected,
          cancelled: counts.cancelled,
          logLines: 0,
          logDropped: 0,
        },
        $inc: { reruns: 1 },
      },
      { returnDocument: 'after' },
    );
    // Another rerun requeued it first (its items were reset twice over: the same reset).
    if (requeued === null) assertRerunnable(toRun((await this.#doc(tenant, id)) ?? doc));
    return requeued === null ? this.get(tenant, id) : toRun(requeued);
  }

  async log(tenant: TenantId, id: string, query: RunLogQuery, paging: Paging): Promise<(Page<RunLogLine> & RunLogSummary) | undefined> {
    return this.#log.page(id, tenant, query, paging);
  }

  async itemErrors(tenant: TenantId, id: string, limit: number): Promise<Record<string, string>> {
    if ((await this.#status(tenant, id)) === undefined) return {};
    const docs = await this.#items.find({ runId: id, status: ITEM_STATUS.Failed }).sort({ seq: 1 }).limit(limit).toArray();
    return Object.fromEntries(docs.map((d) => [d.key, d.error ?? 'failed']));
  }

  async listActive(): Promise<Array<{ tenant: TenantId; id: RunId }>> {
    const docs = await this.#runs.find({ status: { $in: ACTIVE } }, { projection: { _id: 1, tenantId: 1 } }).toArray();
    return docs.map((d) => ({ tenant: d.tenantId as TenantId, id: d._id as RunId }));
  }

  async purge(before: Date): Promise<number> {
    const doomed = await this.#runs.find({ status: { $in: FINAL }, completedAt: { $lt: before } }, { projection: { _id: 1 } }).toArray();
    if (doomed.length === 0) return 0;
    const ids = doomed.map((d) => d._id);
    await this.#items.deleteMany({ runId: { $in: ids } });
    await this.#results.deleteMany({ _id: { $in: ids } });
    await this.#writes.links.deleteMany({ runId: { $in: ids } });
    await this.#log.clear(ids);
    return (await this.#runs.deleteMany({ _id: { $in: ids }, status: { $in: FINAL } })).deletedCount;
  }
}
