/**
 * Prepared-statement cache and the paged-list helper shared by the SQLite stores. List queries are built
 * from a bounded set of shapes (see `sql.ts`), so caching by SQL text prepares each shape once per store.
 *
 * Every write goes through `write` (a statement that writes outside a transaction gets one of its own), where
 * the file guard checks that the write lands in the store's file. The stores hold `LiveStatement`s, which
 * follow the cache to a new connection when the store reopens its file after writing it back (see
 * `SqliteStore`), so nothing that holds a statement has to know.
 */
import type { Database, RunResult, Statement } from 'better-sqlite3';
import type { Page, Paging } from '../../domain/paging.js';
import { pageWindow } from '../queryRules.js';
import type { SqliteFileGuard } from './fileGuard.js';

/** SQL text with its positional parameters, as the builders in `sql.ts` return it. */
export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** A prepared statement that survives a reopen of the database, and whose writes are guarded. */
export class LiveStatement<Row = unknown> {
  #inner: Statement<unknown[], Row>;
  #plucked = false;

  constructor(
    readonly cache: StatementCache,
    readonly text: string,
    inner: Statement<unknown[], Row>,
  ) {
    this.#inner = inner;
  }

  /** Whether the statement only reads. */
  get readonly(): boolean {
    return this.#inner.readonly;
  }

  pluck(toggle = true): this {
    this.#plucked = toggle;
    this.#inner.pluck(toggle);
    return this;
  }

  run(...params: unknown[]): RunResult {
    return this.cache.writeOne(() => this.#inner.run(...params));
  }

  get(...params: unknown[]): Row | undefined {
    return this.#inner.readonly ? this.#inner.get(...params) : this.cache.writeOne(() => this.#inner.get(...params));
  }

  all(...params: unknown[]): Row[] {
    return this.#inner.readonly ? this.#inner.all(...params) : this.cache.writeOne(() => this.#inner.all(...params));
  }

  /** Prepares the same text on `db` (the reopened database). */
  reprepare(db: Database): void {
    this.#inner = db.prepare<unknown[], Row>(this.text);
    if (this.#plucked) this.#inner.pluck(true);
  }
}

export class StatementCache {
  #db: Database;
  readonly #guard: SqliteFileGuard | undefined;
  readonly #statements = new Map<string, LiveStatement<unknown>>();

  /** Without a `guard` (an in-memory database) writes are not checked. */
  constructor(db: Database, guard?: SqliteFileGuard) {
    this.#db = db;
    this.#guard = guard;
  }

  get db(): Database {
    return this.#db;
  }

  /**
   * Runs a read-then-write in one transaction that takes the write lock up front (`BEGIN IMMEDIATE`), so
   * another process cannot write between our read and our write. The file guard looks before COMMIT (a file
   * gone or replaced rolls the write back) and after it (a file removed in between): a write it doubts throws
   * `StoreUnavailableError` instead of being acknowledged. A nested write is checked by the outermost one.
   */
  write<T>(work: () => T): T {
    const guard = this.#guard;
    if (guard === undefined || this.#db.inTransaction) return this.#db.transaction(work).immediate();
    guard.beforeWrite();
    let result: T;
    try {
      result = this.#db
        .transaction(() => {
          const done = work();
          guard.verify();
          return done;
        })
        .immediate();
      guard.verify();
    } catch (error) {
      throw guard.failed(error);
    }
    guard.succeeded();
    return result;
  }

  /** One writing statement: a guarded transaction of its own, unless it runs inside one already. */
  writeOne<T>(work: () => T): T {
    return this.#db.inTransaction ? work() : this.write(work);
  }

  /** Inside a `write`: runs `work` in a savepoint, so that when it throws only its own changes roll back. */
  savepoint<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  prepare<Row = unknown>(text: string): LiveStatement<Row> {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = new LiveStatement<unknown>(this, text, this.#db.prepare<unknown[], unknown>(text));
      this.#statements.set(text, statement);
    }
    return statement as LiveStatement<Row>;
  }

  /** Moves every statement to `db`, the store's file reopened; the caller closes the old connection. */
  reopen(db: Database): void {
    for (const statement of this.#statements.values()) statement.reprepare(db);
    this.#db = db;
  }

  /**
   * Counts and reads one page in a single read transaction, so `totalItems` and `items` agree. With
   * `cache: false` the statements are not kept: an advanced search's SQL takes the shape of a client's query,
   * and caching every shape would let clients grow the cache without bound.
   */
  page<Row, Item>(
    count: SqlQuery,
    select: SqlQuery,
    paging: Paging,
    map: (row: Row) => Item,
    options: { cache: boolean } = { cache: true },
  ): Page<Item> {
    const { offset, limit } = pageWindow(paging);
    const countStatement = options.cache
      ? this.prepare<number>(count.text).pluck()
      : this.#db.prepare<unknown[], number>(count.text).pluck();
    const selectStatement = options.cache ? this.prepare<Row>(select.text) : this.#db.prepare<unknown[], Row>(select.text);
    return this.#db.transaction(() => {
      const totalItems = countStatement.get(...count.values) ?? 0;
      const rows = limit === 0 ? [] : selectStatement.all(...select.values, limit, offset);
      return { pageNum: paging.pageNum, pageSize: paging.pageSize, totalItems, items: rows.map(map) };
    })();
  }
}

/** The row of an `INSERT`/`UPDATE ... RETURNING` that is known to affect one row. */
export function returnedRow<Row>(row: Row | undefined): Row {
  if (row === undefined) throw new Error('SQLite returned no row from a RETURNING statement');
  return row;
}
