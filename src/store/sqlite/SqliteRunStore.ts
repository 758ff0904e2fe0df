/**
 * Runs on SQLite. Every write that reads first, and every multi-row write, runs in one `BEGIN IMMEDIATE`
 * transaction, so claims are atomic across processes sharing the file and counters always agree with items. The
 * records and relations share the database, so `complete` applies items' store writes in its transaction too.
 */
import { randomUUID } from 'node:crypto';
import type { Page, Paging } from '../../domain/paging.js';
import type { ItemRecord, RecordRun } from '../../domain/recordItems.js';
import { DEFAULT_RUN_LOG_LINES, type RunLogLine, type RunLogQuery, type RunLogSummary } from '../../domain/runLog.js';
import {
  finalStatusFor,
  isWorkingRunStatus,
  ITEM_STATUS,
  RUN_STATUS,
  stillActive,
  waitDecision,
  type AfterFailure,
  type WaitDecision,
  WORKER_STOPPED,
  workerStoppedError,
  statusTextFor,
  type ItemStatus,
  type Run,
  type RunId,
  type RunItem,
  type RunResults,
  type RunStatus,
} from '../../domain/runs.js';
import type { TenantId } from '../../domain/types.js';
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
import { itemListSql, RUN_SQL, runListSql } from './runSql.js';
import { RECORD_FILE_SQL, RECORD_RUNS_SQL } from './sql.js';
import { SqliteItemWrites } from './SqliteItemWrites.js';
import { SqliteRunFollows } from './SqliteRunFollows.js';
import { SqliteRunLog } from './SqliteRunLog.js';
import type { StatementCache } from './statements.js';

interface RunRow {
  id: string;
  tenant_id: string;
  definition_csid: string;
  definition_name: string;
  invocation: string;
  created_by: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  status: string;
  status_text: string;
  open: number;
  filling: number;
  rerunnable: number;
  posted: number;
  processed: number;
  failed: number;
  affected: number;
  cancelled: number;
  results: string | null;
  results_size: number | null;
  reruns: number;
  follows: string;
  after_failure: string;
}

interface ItemRow {
  run_id: string;
  seq: number;
  item_key: string;
  status: string;
  attempts: number;
  error: string | null;
  error_code: string | null;
  note: string | null;
  affected: number | null;
  updated_at: string;
}

function toRun(row: RunRow): Run {
  const status = row.status as RunStatus;
  const counts = { posted: row.posted, processed: row.processed, failed: row.failed, affected: row.affected, cancelled: row.cancelled };
  const open = row.open === 1;
  const filling = row.filling === 1;
  const run: Run = {
    id: row.id as RunId,
    tenant: row.tenant_id as TenantId,
    definitionCsid: row.definition_csid,
    definitionName: row.definition_name,
    invocation: JSON.parse(row.invocation) as Run['invocation'],
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    status,
    statusText: row.status_text !== '' ? row.status_text : statusTextFor(status, counts, open, filling),
    open,
    filling,
    rerunnable: row.rerunnable === 1,
    counts,
    reruns: row.reruns,
    after: JSON.parse(row.follows) as RunId[],
    afterFailure: row.after_failure as AfterFailure,
  };
  if (row.started_at !== null) run.startedAt = new Date(row.started_at);
  if (row.completed_at !== null) run.completedAt = new Date(row.completed_at);
  if (row.results_size !== null) run.resultsSize = row.results_size;
  if (row.results !== null) run.results = JSON.parse(row.results) as RunResults;
  else if (row.results_size !== null) run.resultsStoredApart = true;
  return run;
}

function toItem(row: ItemRow): RunItem {
  const item: RunItem = {
    runId: row.run_id as RunId,
    seq: row.seq,
    key: row.item_key,
    status: row.status as ItemStatus,
    attempts: row.attempts,
    updatedAt: new Date(row.updated_at),
  };
  if (row.error !== null) item.error = row.error;
  if (row.error_code !== null) item.errorCode = row.error_code;
  if (row.note !== null) item.note = row.note;
  if (row.affected !== null) item.affected = row.affected === 1;
  return item;
}

type ClaimedRow = Pick<ItemRow, 'seq' | 'item_key' | 'attempts'>;

/**
 * An item `claimNew` took, from the columns it returns: the rest is known. The claim made it Processing at `now`,
 * and an item that has not ended has no error, note or outcome (they are written as it ends, and cleared when a
 * rerun or a conflict makes it New again); reading them back cost a fifth of a claim (store alone, 100,000 items).
 */
function claimedItem(runId: RunId, now: Date): (row: ClaimedRow) => RunItem {
  return (row) => ({ runId, seq: row.seq, key: row.item_key, status: ITEM_STATUS.Processing, attempts: row.attempts, updatedAt: now });
}

/** The columns a `waitDecision` sets: a run `Failed` by it has ended, with its reason. */
function decisionColumns(decision: WaitDecision, now: Date): { status: RunStatus; statusText: string; completedAt: string | null } {
  const failed = decision.status === RUN_STATUS.Failed;
  return { status: decision.status, statusText: failed ? decision.statusText : '', completedAt: failed ? now.toISOString() : null };
}

interface RecordRunRow {
  id: string;
  definition_csid: string;
  definition_name: string;
  run_status: string;
  created_at: string;
  completed_at: string | null;
  item_status: string;
  attempts: number;
  updated_at: string;
  error: string | null;
}

function toRecordRun(row: RecordRunRow): RecordRun {
  const recordRun: RecordRun = {
    runId: row.id as RunId,
    definitionCsid: row.definition_csid,
    definitionName: row.definition_name,
    runStatus: row.run_status as RunStatus,
    runCreatedAt: new Date(row.created_at),
    itemStatus: row.item_status as ItemStatus,
    attempts: row.attempts,
    itemUpdatedAt: new Date(row.updated_at),
  };
  if (row.completed_at !== null) recordRun.runCompletedAt = new Date(row.completed_at);
  if (row.error !== null) recordRun.error = row.error;
  return recordRun;
}

/** An outcome with neither store writes nor results: `complete` writes all of these in one statement. */
function isPlain(outcome: ItemOutcome): boolean {
  return writesToApply(outcome) === undefined && outcome.results === undefined;
}

/** An outcome as the item's columns: status, error, error code, note, affected. */
function outcomeColumns(outcome: ItemOutcome): [string, string | null, string | null, string | null, number | null] {
  const affected = outcome.affected === undefined ? null : outcome.affected ? 1 : 0;
  return [outcome.status, outcome.error ?? null, outcome.errorCode ?? null, outcome.note ?? null, affected];
}

/** The part of a run its write checks look at. */
type RunState = Pick<Run, 'id' | 'status' | 'open' | 'rerunnable'>;

type RunStatements = { [K in keyof typeof RUN_SQL]: ReturnType<StatementCache['prepare']> };

export class SqliteRunStore implements RunStore {
  readonly #statements: StatementCache;
  readonly #sql: RunStatements;
  readonly #resultsInlineLimit: number;
  readonly #itemWrites: SqliteItemWrites;
  readonly #log: SqliteRunLog;
  readonly #follows: SqliteRunFollows;
  readonly #insertFile;

  constructor(statements: StatementCache, options: RunStoreOptions = {}) {
    this.#statements = statements;
    this.#insertFile = statements.prepare(RECORD_FILE_SQL.insertIfAbsent);
    this.#itemWrites = new SqliteItemWrites(statements);
    this.#resultsInlineLimit = options.resultsInlineLimit ?? DEFAULT_RESULTS_INLINE_LIMIT;
    this.#log = new SqliteRunLog(statements, options.logLines ?? DEFAULT_RUN_LOG_LINES);
    this.#follows = new SqliteRunFollows(statements);
    this.#sql = Object.fromEntries(
      Object.entries(RUN_SQL).map(([name, text]) => [name, statements.prepare(text)]),
    ) as RunStatements;
  }

  #row(tenant: TenantId, id: string): RunRow | undefined {
    return this.#sql.get.get(id, tenant) as RunRow | undefined;
  }

  /** For checks on hot paths (claim, complete, renew): `#row` would read the invocation and results too. */
  #state(tenant: TenantId, id: string): RunState | undefined {
    const row = this.#sql.state.get(id, tenant) as { status: string; open: number; rerunnable: number } | undefined;
    if (row === undefined) return undefined;
    return { id: id as RunId, status: row.status as RunStatus, open: row.open === 1, rerunnable: row.rerunnable === 1 };
  }

  #insertItems(runId: string, firstSeq: number, keys: readonly string[], now: string): void {
    const insert = this.#sql.insertItem;
    keys.forEach((key, index) => insert.run(runId, firstSeq + index, key, now));
  }

  /**
   * The seq after the run's last item, once none of `keys` is in the run (no index refuses a repeated key: see
   * migration 19). Within the caller's write transaction, so no other add slips in between.
   */
  #nextSeqFor(runId: string, keys: readonly string[]): number {
    const lastSeq = this.#sql.maxSeq.pluck().get(runId) as number;
    if (lastSeq < 0) return 0;
    const known = this.#sql.firstKnownKey.pluck().get({ runId, lastSeq, keys: JSON.stringify(keys) }) as string | undefined;
    if (known !== undefined) throw duplicateItem(known);
    return lastSeq + 1;
  }

  async create(tenant: TenantId, input: NewRun, keys: readonly string[], now: Date): Promise<Run> {
    checkItemKeys(keys);
    return this.#statements.write(() => toRun(this.#row(tenant, this.#createNow(tenant, input, keys, now).id) as RunRow));
  }

  /**
   * One transaction: the run stored, and when it would be stored `Queued`, stored `InProgress` instead with its first
   * items stored leased, as `start` and `claim` would leave them, without writing them twice.
   */
  async createAndClaim(tenant: TenantId, input: NewRun, keys: readonly string[], claim: ClaimOptions): Promise<CreatedClaim> {
    checkItemKeys(keys);
    return this.#statements.write(() => {
      const { id, items } = this.#createNow(tenant, input, keys, claim.now, claim);
      return { run: toRun(this.#row(tenant, id) as RunRow), items };
    });
  }

  /** Inside a write transaction: stores the run and its items, started with its first claim when `claim` is given and it may start. */
  #createNow(tenant: TenantId, input: NewRun, keys: readonly string[], now: Date, claim?: ClaimOptions): { id: string; items: RunItem[] } {
    const id = randomUUID();
    const createdAt = now.toISOString();
    const afterFailure = input.afterFailure ?? 'fail';
    const follows = this.#follows.forNewRun(tenant, input);
    const decided = decisionColumns(waitDecision(this.#follows.statuses(tenant, follows), afterFailure), now);
    const starts = claim !== undefined && decided.status === RUN_STATUS.Queued;
    this.#sql.insertRun.run({
      ...decided,
      ...(starts && { status: RUN_STATUS.InProgress }),
      startedAt: starts ? createdAt : null,
      docTypeKey: docTypeKey(input.invocation.docType),
      follows: JSON.stringify(follows),
      afterFailure,
      id,
      tenantId: tenant,
      definitionCsid: input.definitionCsid,
      definitionName: input.definitionName,
      invocation: JSON.stringify(input.invocation),
      createdBy: input.createdBy,
      createdAt,
      open: input.open === true ? 1 : 0,
      filling: input.filling === true ? 1 : 0,
      rerunnable: input.rerunnable === false ? 0 : 1,
      posted: initialPosted(input, keys.length),
    });
    const claimed = starts ? keys.slice(0, Math.max(0, claim.limit)) : [];
    const until = now.getTime() + (claim?.leaseMs ?? 0);
    const insertClaimed = this.#sql.insertClaimedItem;
    claimed.forEach((key, seq) => insertClaimed.run(id, seq, key, claim?.owner, until, createdAt));
    this.#insertItems(id, claimed.length, keys.slice(claimed.length), createdAt);
    if (claimed.length > 0) this.#sql.raiseNewFrom.run(claimed.length, id);
    const toItem = claimedItem(id as RunId, now);
    const items = claimed.map((key, seq) => toItem({ seq, item_key: key, attempts: 1 }));
    return { id, items };
  }

  async resolveWait(tenant: TenantId, id: string, now: Date): Promise<Run | undefined> {
    return this.#statements.write(() => {
      const row = this.#row(tenant, id);
      if (row === undefined) return undefined;
      const run = toRun(row);
      if (run.status !== RUN_STATUS.Waiting) return run;
      const decision = waitDecision(this.#follows.statuses(tenant, run.after), run.afterFailure);
      if (decision.status === RUN_STATUS.Waiting) return run;
      this.#sql.endWait.run({ ...decisionColumns(decision, now), id });
      return toRun(this.#row(tenant, id) as RunRow);
    });
  }

  async waitingFor(tenant: TenantId, id: string): Promise<RunId[]> {
    const row = this.#row(tenant, id);
    if (row === undefined) return [];
    const followed = this.#follows.statuses(tenant, toRun(row).after);
    return stillActive(followed);
  }

  async followers(tenant: TenantId, id: string): Promise<RunId[]> {
    return this.#follows.followers(tenant, id);
  }

  async creators(tenant: TenantId, ids: readonly string[]): Promise<Map<RunId, string>> {
    return this.#follows.creators(tenant, ids);
  }

  async claimFill(tenant: TenantId, id: string, owner: string, until: Date, now: Date): Promise<boolean> {
    return this.#sql.claimFill.run({ id, tenantId: tenant, owner, until: until.getTime(), nowMs: now.getTime() }).changes > 0;
  }

  async fill(tenant: TenantId, id: string, owner: string, keys: readonly string[], until: Date, now: Date): Promise<number | undefined> {
    return this.#statements.write(() => {
      if (this.#sql.fillHeld.get({ id, tenantId: tenant, owner }) === undefined) return undefined;
      const next = (this.#sql.maxSeq.pluck().get(id) as number) + 1;
      const added = this.#sql.fillItems.run({ runId: id, next, keys: JSON.stringify(keys), now: now.toISOString() }).changes;
      this.#sql.filled.run(next + added, until.getTime(), id);
      return added;
    });
  }

  async endFill(tenant: TenantId, id: string, owner: string): Promise<Run | undefined> {
    this.#sql.endFill.run({ id, tenantId: tenant, owner });
    return this.get(tenant, id);
  }

  async get(tenant: TenantId, id: string): Promise<Run | undefined> {
    const row = this.#row(tenant, id);
    return row === undefined ? undefined : toRun(row);
  }

  async status(tenant: TenantId, id: string): Promise<RunStatus | undefined> {
    return this.#state(tenant, id)?.status;
  }

  async list(tenant: TenantId, query: RunQuery): Promise<Page<Run>> {
    const sql = runListSql(tenant, query);
    return this.#statements.page(sql.count, sql.select, query.paging, toRun);
  }

  async listItems(tenant: TenantId, id: string, query: ItemQuery): Promise<Page<RunItem>> {
    const known = this.#state(tenant, id) !== undefined;
    const sql = itemListSql(known ? id : '', query);
    return this.#statements.page(sql.count, sql.select, query.paging, toItem);
  }

  async addItems(tenant: TenantId, id: string, keys: readonly string[], now: Date): Promise<Run | undefined> {
    checkItemKeys(keys);
    return this.#statements.write(() => {
      const run = this.#state(tenant, id);
      if (run === undefined) return undefined;
      assertAcceptsItems(run);
      this.#insertItems(id, this.#nextSeqFor(id, keys), keys, now.toISOString());
      this.#sql.addPosted.run(keys.length, id);
      return toRun(this.#row(tenant, id) as RunRow);
    });
  }

  /** Records, files and items share the database: one transaction writes them all, or none. */
  async addRecordItems(tenant: TenantId, id: string, records: readonly ItemRecord[], actor: string, now: Date): Promise<Run | undefined> {
    const keys = records.map((record) => record.csid);
    checkItemKeys(keys);
    return this.#statements.write(() => {
      const run = this.#state(tenant, id);
      if (run === undefined) return undefined;
      assertAcceptsItems(run);
      const first = this.#nextSeqFor(id, keys);
      const creates = records.map(({ csid, docType, fields }) => ({ csid, docType, fields }));
      this.#itemWrites.apply(tenant, { actor, creates, updates: [], relations: [], deletes: [] }, now);
      for (const { csid, file } of records) {
        if (file === undefined) continue;
        const { name, mediaType, size, sha256, content } = file;
        this.#insertFile.run({ csid, tenantId: tenant, name, mediaType, size, sha256, content });
      }
      this.#insertItems(id, first, keys, now.toISOString());
      this.#sql.addPosted.run(keys.length, id);
      return toRun(this.#row(tenant, id) as RunRow);
    });
  }

  async recordRuns(tenant: TenantId, csid: string, paging: Paging): Promise<Page<RecordRun>> {
    const values = [csid, tenant];
    return this.#statements.page({ text: RECORD_RUNS_SQL.count, values }, { text: RECORD_RUNS_SQL.select, values }, paging, toRecordRun);
  }

  async close(tenant: TenantId, id: string): Promise<Run | undefined> {
    return this.#statements.write(() => {
      this.#sql.close.run(id, tenant);
      const row = this.#row(tenant, id);
      return row === undefined ? undefined : toRun(row);
    });
  }

  async start(tenant: TenantId, id: string, now: Date): Promise<Run | undefined> {
    this.#sql.start.run(now.toISOString(), id, tenant);
    return this.get(tenant, id);
  }

  async claim(tenant: TenantId, id: string, options: ClaimOptions): Promise<RunItem[]> {
    return this.#claimNow(tenant, id, options);
  }

  /** One transaction: the run started, and its first claim made on the counters as they then stand. */
  async startAndClaim(tenant: TenantId, id: string, now: Date, options: ClaimOptions): Promise<StartedClaim> {
    return this.#statements.write(() => {
      this.#sql.start.run(now.toISOString(), id, tenant);
      const row = this.#row(tenant, id);
      return row === undefined ? { run: undefined, items: [] } : { run: toRun(row), items: this.#claimNow(tenant, id, options) };
    });
  }

  #claimNow(tenant: TenantId, id: string, options: ClaimOptions): RunItem[] {
    if (options.limit <= 0) return [];
    return this.#statements.write(() => {
      const run = this.#state(tenant, id);
      if (run === undefined || !isWorkingRunStatus(run.status)) return [];
      const params = {
        runId: id,
        owner: options.owner,
        until: options.now.getTime() + options.leaseMs,
        now: options.now.toISOString(),
        nowMs: options.now.getTime(),
        limit: options.limit,
      };
      if (options.takeOver !== false) {
        if (options.maxCrashes !== undefined) this.#failCrashed(id, options.maxCrashes, params);
        const suspect = this.#sql.claimExpired.all(params) as ItemRow[];
        if (suspect.length > 0) return suspect.map(toItem);
      }
      const rows = this.#sql.claimNew.all(params) as ClaimedRow[];
      // No item between new_from and the last one taken is New: the next claim starts after it.
      if (rows.length > 0) this.#sql.raiseNewFrom.run(rows.reduce((last, row) => Math.max(last, row.seq), -1) + 1, id);
      return rows.map(claimedItem(id as RunId, options.now));
    });
  }

  /** Inside `claim`'s transaction: fails the expired items charged `maxCrashes` crashes, and counts them. */
  #failCrashed(id: string, maxCrashes: number, params: { runId: string; now: string; nowMs: number }): void {
    const { changes } = this.#sql.failCrashed.run({ ...params, maxCrashes, error: workerStoppedError(maxCrashes), errorCode: WORKER_STOPPED });
    if (changes > 0) this.#sql.addCounts.run(changes, changes, 0, id);
  }

  async renewLeases(tenant: TenantId, id: string, owner: string, until: Date): Promise<number[]> {
    if (this.#state(tenant, id) === undefined) return [];
    return this.#sql.renew.pluck().all(until.getTime(), id, owner) as number[];
  }

  async complete(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], now: Date): Promise<CompleteResult> {
    return this.#completeNow(tenant, id, owner, outcomes, now);
  }

  /** One transaction: the outcomes written, then the run finished when its counters are those expected. */
  async completeAndFinish(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], finishWith: FinishWith, now: Date): Promise<CompleteAndFinishResult> {
    return this.#statements.write(() => {
      const done = this.#completeNow(tenant, id, owner, outcomes, now);
      const { run, finishedHere } = this.#finishNow(tenant, id, finishWith.results, now, finishWith.counts);
      return finishedHere && run !== undefined ? { ...done, finished: run } : done;
    });
  }

  #completeNow(tenant: TenantId, id: string, owner: string, outcomes: readonly ItemOutcome[], now: Date): CompleteResult {
    if (outcomes.length === 0) return { written: 0, requeued: 0 };
    return this.#statements.write(() => {
      if (this.#state(tenant, id) === undefined) return { written: 0, requeued: 0 };
      let processed = 0;
      let failed = 0;
      let affected = 0;
      let requeued = 0;
      const updatedAt = now.toISOString();
      const log = new LogBatch();
      const written = this.#completePlain(id, owner, outcomes, updatedAt);
      for (const outcome of outcomes) {
        const writes = writesToApply(outcome);
        if (writes === undefined && outcome.results === undefined) {
          // Taken out of the set, so that a seq given twice counts once, as the statement wrote it once.
          if (!written.delete(outcome.seq)) continue;
        } else if (writes !== undefined) {
          const applied = this.#applyWrites(tenant, id, owner, outcome.seq, writes, now);
          if (applied === 'New') requeued += 1;
          if (applied === 'Failed') {
            processed += 1;
            failed += 1;
          }
          if (applied !== 'dropped') log.add(outcome);
          if (applied !== 'applied' || !this.#completeOne(id, owner, outcome, updatedAt)) continue;
        } else if (!this.#completeOne(id, owner, outcome, updatedAt)) continue;
        if (writes === undefined) log.add(outcome);
        processed += 1;
        if (outcome.status === 'Failed') failed += 1;
        else if (outcome.affected !== false) affected += 1;
      }
      if (processed > 0) this.#sql.addCounts.run(processed, failed, affected, id);
      this.#log.append(id, tenant, log.entries, log.dropped);
      return { written: processed, requeued };
    });
  }

  /**
   * Inside `complete`'s transaction: writes the outcomes with neither writes nor results, one statement per distinct
   * outcome (a batch of no-op items is one); answers the seqs written.
   */
  #completePlain(id: string, owner: string, outcomes: readonly ItemOutcome[], now: string): Set<number> {
    const bySame = new Map<string, number[]>();
    for (const outcome of outcomes) {
      if (!isPlain(outcome)) continue;
      const same = JSON.stringify(outcomeColumns(outcome));
      const seqs = bySame.get(same);
      if (seqs === undefined) bySame.set(same, [outcome.seq]);
      else seqs.push(outcome.seq);
    }
    const written = new Set<number>();
    for (const [same, seqs] of bySame) {
      const [status, error, errorCode, note, affected] = JSON.parse(same) as ReturnType<typeof outcomeColumns>;
      const params = { runId: id, owner, now, seqs: JSON.stringify(seqs), status, error, errorCode, note, affected };
      for (const seq of this.#sql.completeItems.pluck().all(params) as number[]) written.add(seq);
    }
    return written;
  }

  /** Inside `complete`'s transaction: writes one outcome (with its results) while `owner` holds its item. */
  #completeOne(id: string, owner: string, outcome: ItemOutcome, now: string): boolean {
    const [status, error, errorCode, note, affected] = outcomeColumns(outcome);
    const changes = this.#sql.completeItem.run({ runId: id, seq: outcome.seq, owner, status, error, errorCode, note, affected, now }).changes;
    if (changes > 0 && outcome.results !== undefined) this.#storeResults(id, outcome.results);
    return changes > 0;
  }

  /**
   * Applies an item's writes while `owner` holds it: `dropped` (it does not, so neither its writes nor its outcome
   * count), `applied` (its outcome is to be written next), or on a conflict the status the item was given instead.
   */
  #applyWrites(tenant: TenantId, id: string, owner: string, seq: number, writes: ItemWrites, now: Date): 'dropped' | 'applied' | 'New' | 'Failed' {
    const conflicts = this.#sql.heldItem.pluck().get(id, seq, owner) as number | undefined;
    if (conflicts === undefined) return 'dropped';
    try {
      this.#itemWrites.apply(tenant, writes, now);
      return 'applied';
    } catch (error) {
      if (!(error instanceof WriteConflict)) throw error;
      const next = afterConflict(conflicts, error);
      this.#sql.conflictItem.run({ ...next, runId: id, seq, owner, now: now.toISOString() });
      if (next.status === 'New') this.#sql.lowerNewFrom.run(seq, id);
      return next.status;
    }
  }

  async release(tenant: TenantId, id: string, owner: string): Promise<number> {
    return this.#statements.write(() => {
      if (this.#state(tenant, id) === undefined) return 0;
      const seqs = this.#sql.release.pluck().all(id, owner) as number[];
      if (seqs.length > 0) this.#sql.lowerNewFrom.run(seqs.reduce((first, seq) => Math.min(first, seq)), id);
      return seqs.length;
    });
  }

  async nextLeaseExpiry(tenant: TenantId, id: string, exceptOwner?: string): Promise<Date | undefined> {
    if (this.#state(tenant, id) === undefined) return undefined;
    const ms = this.#sql.nextLeaseExpiry.pluck().get(id, exceptOwner ?? null) as number | null;
    return ms === null ? undefined : new Date(ms);
  }

  /** The counters share every transaction with the items they count: they never trail them. */
  recount(tenant: TenantId, id: string): Promise<Run | undefined> {
    return this.get(tenant, id);
  }

  async finish(tenant: TenantId, id: string, results: RunResults, now: Date): Promise<Run | undefined> {
    return this.#finishNow(tenant, id, results, now).run;
  }

  /**
   * `finish`, saying whether this call finished the run; with `expected`, only when the run's counters are those
   * (`completeAndFinish`), else the run is answered as it is.
   */
  #finishNow(tenant: TenantId, id: string, results: RunResults, now: Date, expected?: FinishWith['counts']): { run: Run | undefined; finishedHere: boolean } {
    return this.#statements.write(() => {
      const row = this.#row(tenant, id);
      if (row === undefined) return { run: undefined, finishedHere: false };
      const run = toRun(row);
      // A waiting run has not started: it is never finished from here, whatever its counts say.
      const status = isWorkingRunStatus(run.status) ? finalStatusFor(run.counts, run.open || run.filling) : undefined;
      if (status === undefined || (expected !== undefined && !countsAre(run.counts, expected))) return { run, finishedHere: false };
      this.#sql.finish.run({ id, status, now: now.toISOString() });
      // Results stored with the whole invocation's item stand: they are the plugin's own.
      if (row.results_size === null) this.#storeResults(id, results);
      return { run: toRun(this.#row(tenant, id) as RunRow), finishedHere: true };
    });
  }

  /** Inline when small, else apart; called inside a write transaction. */
  #storeResults(id: string, results: RunResults): void {
    const stored = resultsToStore(results, this.#resultsInlineLimit);
    this.#sql.storeResults.run({ id, results: stored.apart ? null : stored.json, resultsSize: stored.size });
    if (stored.apart) this.#sql.insertResults.run(id, stored.json);
  }

  async results(tenant: TenantId, id: string): Promise<RunResults | undefined> {
    const json = this.#sql.results.pluck().get(id, tenant) as string | null | undefined;
    return json === undefined || json === null ? undefined : (JSON.parse(json) as RunResults);
  }

  async fail(tenant: TenantId, id: string, statusText: string, now: Date): Promise<Run | undefined> {
    this.#sql.fail.run({ id, tenantId: tenant, statusText, now: now.toISOString() });
    return this.get(tenant, id);
  }

  async cancel(tenant: TenantId, id: string, now: Date): Promise<Run | undefined> {
    return this.#statements.write(() => {
      const run = this.#state(tenant, id);
      if (run === undefined) return undefined;
      assertCancellable(run);
      const at = now.toISOString();
      const cancelled = this.#sql.cancelHeldItems.run(at, id).changes + this.#sql.cancelNewItems.run(at, id, id).changes;
      this.#sql.cancel.run(at, cancelled, id);
      return toRun(this.#row(tenant, id) as RunRow);
    });
  }

  async rerun(tenant: TenantId, id: string, options: { onlyFailed: boolean }, now: Date): Promise<Run | undefined> {
    return this.#statements.write(() => {
      const row = this.#row(tenant, id);
      if (row === undefined) return undefined;
      const run = toRun(row);
      assertRerunnable(run);
      const updatedAt = now.toISOString();
      const requeue = { ...decisionColumns(waitDecision(this.#follows.statuses(tenant, run.after), run.afterFailure), now), id };
      if (options.onlyFailed) {
        this.#sql.lowerNewFromToFailed.run({ id });
        this.#sql.resetFailedItems.run(updatedAt, id);
        this.#sql.requeueFailed.run(requeue);
      } else {
        this.#sql.resetAllItems.run(updatedAt, id);
        this.#sql.requeueAll.run(requeue);
      }
      this.#sql.deleteResults.run(id);
      this.#log.clear(id);
      return toRun(this.#row(tenant, id) as RunRow);
    });
  }

  async log(tenant: TenantId, id: string, query: RunLogQuery, paging: Paging): Promise<(Page<RunLogLine> & RunLogSummary) | undefined> {
    return this.#log.page(id, tenant, query, paging);
  }

  async itemErrors(tenant: TenantId, id: string, limit: number): Promise<Record<string, string>> {
    if (this.#state(tenant, id) === undefined) return {};
    const rows = this.#sql.itemErrors.all(id, limit) as Array<{ item_key: string; error: string | null }>;
    return Object.fromEntries(rows.map((row) => [row.item_key, row.error ?? 'failed']));
  }

  async listActive(): Promise<Array<{ tenant: TenantId; id: RunId }>> {
    const rows = this.#sql.listActive.all() as Array<{ tenant_id: string; id: string }>;
    return rows.map((row) => ({ tenant: row.tenant_id as TenantId, id: row.id as RunId }));
  }

  async purge(before: Date): Promise<number> {
    return this.#statements.write(() => this.#sql.purge.run(before.toISOString()).changes);
  }
}
