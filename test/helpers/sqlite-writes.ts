/**
 * Each SQLite write statement's SQL and `synchronous` level as it runs, for the durability tests:
 * better-sqlite3's Statement methods observed in place (FULL: the commit waits for the disk).
 */
import Database from 'better-sqlite3';

export const FULL = 2;
export const NORMAL = 1;

export interface SqliteWrite {
  sql: string;
  level: number;
}

type Method = 'run' | 'get' | 'all';

/** Observes every write statement from `start()` to `stop()`; `restore()` puts the methods back. */
export function observeSqliteWrites(): {
  start(): void;
  stop(): SqliteWrite[];
  restore(): void;
} {
  let seen: SqliteWrite[] | null = null;
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<
    Method,
    (...args: unknown[]) => unknown
  >;
  const originals = { run: proto.run, get: proto.get, all: proto.all };
  for (const method of ['run', 'get', 'all'] as const) {
    const original = originals[method];
    proto[method] = function (this: Database.Statement, ...args: unknown[]) {
      if (seen && !this.readonly)
        seen.push({
          sql: this.source,
          level: this.database.pragma('synchronous', { simple: true }) as number,
        });
      return original.apply(this, args);
    };
  }
  return {
    start: () => void (seen = []),
    stop: () => {
      const writes = seen ?? [];
      seen = null;
      return writes;
    },
    restore: () => void Object.assign(proto, originals),
  };
}
