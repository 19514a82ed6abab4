/**
 * Each SQLite write statement's SQL and durability as it runs, for the durability tests, and the WAL
 * syncs made meanwhile: better-sqlite3's Statement methods, the store's Durability.relaxed and
 * fs.fdatasync observed in place. FULL: the write's caller waits for the WAL's sync when it changed a
 * row (adapters/sqlite/durability.ts, wal-sync.ts: as durable as `synchronous = FULL`); NORMAL: it does
 * not wait.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { Durability } from '../../adapters/sqlite/durability.js';

export const FULL = 2;
export const NORMAL = 1;

export interface SqliteWrite {
  sql: string;
  level: number;
}

export interface ObservedWrites {
  writes: SqliteWrite[];
  /** WAL syncs started (fs.fdatasync calls) while observing. */
  syncs: number;
}

type Method = 'run' | 'get' | 'all';

/** Observes every write statement from `start()` to `stop()`; `restore()` puts the methods back. */
export function observeSqliteWrites(): {
  start(): void;
  stop(): ObservedWrites;
  restore(): void;
} {
  let seen: ObservedWrites | null = null;
  let relaxedDepth = 0;
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<
    Method,
    (...args: unknown[]) => unknown
  >;
  const originals = { run: proto.run, get: proto.get, all: proto.all };
  for (const method of ['run', 'get', 'all'] as const) {
    const original = originals[method];
    proto[method] = function (this: Database.Statement, ...args: unknown[]) {
      if (seen && !this.readonly)
        seen.writes.push({ sql: this.source, level: relaxedDepth > 0 ? NORMAL : FULL });
      return original.apply(this, args);
    };
  }
  const relaxed = Object.getOwnPropertyDescriptor(Durability.prototype, 'relaxed')!;
  const originalRelaxed = Durability.prototype.relaxed;
  Durability.prototype.relaxed = function <T>(this: Durability, write: () => T): T {
    relaxedDepth++;
    try {
      return originalRelaxed.call(this, write) as T;
    } finally {
      relaxedDepth--;
    }
  };
  const fdatasync = fs.fdatasync;
  fs.fdatasync = ((...args: Parameters<typeof fs.fdatasync>) => {
    if (seen) seen.syncs++;
    return fdatasync(...args);
  }) as typeof fs.fdatasync;
  return {
    start: () => void (seen = { writes: [], syncs: 0 }),
    stop: () => {
      const observed = seen ?? { writes: [], syncs: 0 };
      seen = null;
      return observed;
    },
    restore: () => {
      Object.assign(proto, originals);
      Object.defineProperty(Durability.prototype, 'relaxed', relaxed);
      fs.fdatasync = fdatasync;
    },
  };
}
