/**
 * Prepared-statement cache and the paged-list helper shared by the SQLite stores. List queries are built
 * from a bounded set of shapes (see `sql.ts`), so caching by SQL text prepares each shape once per store.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Page, Paging } from '../../domain/paging.js';
import { pageWindow } from '../queryRules.js';

/** SQL text with its positional parameters, as the builders in `sql.ts` return it. */
export interface SqlQuery {
  text: string;
  values: unknown[];
}

export class StatementCache {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement<unknown[], unknown>>();

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Runs a read-then-write in one transaction that takes the write lock up front (`BEGIN IMMEDIATE`), so
   * another process cannot write between our read and our write.
   */
  write<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  /** Inside a `write`: runs `work` in a savepoint, so that when it throws only its own changes roll back. */
  savepoint<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }

  prepare<Row = unknown>(text: string): Statement<unknown[], Row> {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = this.#db.prepare<unknown[], unknown>(text);
      this.#statements.set(text, statement);
    }
    return statement as Statement<unknown[], Row>;
  }

  /** Counts and reads one page in a single read transaction, so `totalItems` and `items` agree. */
  page<Row, Item>(count: SqlQuery, select: SqlQuery, paging: Paging, map: (row: Row) => Item): Page<Item> {
    const { offset, limit } = pageWindow(paging);
    const countStatement = this.prepare<number>(count.text).pluck();
    const selectStatement = this.prepare<Row>(select.text);
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
