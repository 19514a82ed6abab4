/** Small SQL builders shared by the tables: optional filters, patches, paging, cached dynamic statements. */
import type Database from 'better-sqlite3';
import type { Page } from '../../src/store.js';
import type { Row } from './rows.js';

type Statement = Database.Statement<unknown[], Row>;

/**
 * Prepared statements for SQL assembled at run time (optional filters, patch columns). The text comes only
 * from fixed fragments, so the set is small; each is prepared once and reused.
 */
export class StatementCache {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database.Database) {
    this.#db = db;
  }

  get(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare<unknown[], Row>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** `WHERE …` from the conditions whose value is given (undefined and null are left out). */
export function where(conditions: [sql: string, value: unknown][]): { sql: string; params: unknown[] } {
  const given = conditions.filter(([, v]) => v !== undefined && v !== null);
  return {
    sql: given.length ? `WHERE ${given.map(([c]) => c).join(' AND ')}` : '',
    params: given.map(([, v]) => v),
  };
}

/** For each patchable field: its column and how its value is stored. */
export type ColumnMap<P> = {
  [K in keyof Required<P>]: [column: string, encode: (value: Exclude<P[K], undefined>) => unknown];
};

/** `a = ?, b = ?` for the fields present in the patch, with their encoded values. */
export function assignments<P extends object>(
  patch: P,
  columns: ColumnMap<P>,
): { sql: string; params: unknown[] } {
  const keys = (Object.keys(columns) as (keyof P)[]).filter((k) => patch[k] !== undefined);
  return {
    sql: keys.map((k) => `${columns[k][0]} = ?`).join(', '),
    params: keys.map((k) => columns[k][1](patch[k] as Exclude<P[keyof P], undefined>)),
  };
}

/** One page of `table` (newest or otherwise ordered) and the total matching the filter. */
export function page<T>(
  statements: StatementCache,
  query: { table: string; filter: { sql: string; params: unknown[] }; order: string },
  map: (row: Row) => T,
  offset = 0,
  limit = 50,
): Page<T> {
  const { table, filter, order } = query;
  const count = statements.get(`SELECT COUNT(*) AS n FROM ${table} ${filter.sql}`).get(...filter.params);
  const rows = statements
    .get(`SELECT * FROM ${table} ${filter.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...filter.params, limit, offset);
  return { items: rows.map(map), total: (count?.n as number | undefined) ?? 0 };
}
