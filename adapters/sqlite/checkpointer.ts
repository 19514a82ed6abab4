/**
 * SQLite's checkpoints run by the cluster's primary, so that no serving event loop waits for them.
 *
 * A checkpoint copies the WAL's frames into the database file between two fsyncs (the WAL's before, the
 * database file's after); SQLite runs it in whichever connection's commit crosses `wal_autocheckpoint`
 * pages, synchronously. Measured with 2 workers at load (strace, Node 24, 12 s): each worker's main
 * thread spent 220–300 ms in those fsyncs (the database file's up to 29 ms at once) once the durable
 * writes' own syncs had moved off it (wal-sync.ts). Under TOBIRA_WORKERS > 1 the workers' connections
 * keep a distant `wal_autocheckpoint` as a safety net (SERVING_CONNECTION_CHECKPOINT_PAGES) and the
 * primary, whose event loop only supervises, runs a PASSIVE checkpoint (never waits for a lock, never
 * blocks a reader or writer) every CHECKPOINT_INTERVAL_MS on a connection of its own. What remains on a
 * worker: the WAL header's sync when its next commit restarts the log (SQLite does it in the writer).
 * A single process (TOBIRA_WORKERS=1) has no primary: there the same checkpoints run on a thread of its
 * own (startCheckpointThread).
 */
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { openDatabase } from './connection.js';

/** ~1.5 s of a login's 46 pages at 60 logins/s per interval: fewer fsync pairs than every 1,000 pages. */
export const CHECKPOINT_INTERVAL_MS = 1_000;

/** The serving connections' own checkpoint, should the primary's fall behind (40 MiB of WAL at 4 KiB). */
export const SERVING_CONNECTION_CHECKPOINT_PAGES = 10_000;

export interface CheckpointResult {
  /** Frames in the WAL. */
  log: number;
  /** Frames copied into the database file so far. */
  checkpointed: number;
}

/**
 * Who copies a connection's WAL into the database file: the connection itself as SQLite does by default,
 * another process (a cluster's primary), or a thread of this process; and who hears a failed checkpoint.
 */
export interface CheckpointOptions {
  checkpoints?: 'connection' | 'elsewhere' | 'thread';
  onCheckpointError?: (error: unknown) => void;
}

export interface WalCheckpointer {
  /** One PASSIVE checkpoint now (the timer's work). */
  checkpoint(): CheckpointResult;
  close(): void;
}

/** Starts checkpointing the database at `path` every `intervalMs`; `onError` hears a failed one. */
export function startWalCheckpointer(options: {
  path: string;
  intervalMs?: number;
  onError: (error: unknown) => void;
}): WalCheckpointer {
  const db: Database.Database = openDatabase(options.path);
  const statement = db.prepare<[], { busy: number; log: number; checkpointed: number }>(
    'PRAGMA wal_checkpoint(PASSIVE)',
  );
  const checkpoint = (): CheckpointResult => {
    const { log, checkpointed } = statement.get()!;
    return { log, checkpointed };
  };
  const timer = setInterval(() => {
    try {
      checkpoint();
    } catch (error) {
      options.onError(error);
    }
  }, options.intervalMs ?? CHECKPOINT_INTERVAL_MS);
  timer.unref();
  return {
    checkpoint,
    close: () => {
      clearInterval(timer);
      if (db.open) db.close();
    },
  };
}

/**
 * The thread's program: plain JavaScript evaluated in it (no TypeScript loader nor build step for one
 * statement on a timer), with better-sqlite3 loaded from where this process found it.
 */
const THREAD_PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.get(); } catch (error) { parentPort.postMessage(String(error)); }
}, workerData.intervalMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * The checkpoints on a thread with its own connection, for a process with no primary to run them; the
 * thread never keeps the process alive. `close()` stops it and waits for it to end.
 */
export function startCheckpointThread(options: {
  path: string;
  intervalMs?: number;
  onError: (error: unknown) => void;
}): { close(): Promise<void> } {
  const worker = new Worker(THREAD_PROGRAM, {
    eval: true,
    workerData: {
      path: options.path,
      intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
    },
    // One statement on a timer: the smallest heap V8 allows is plenty.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
  });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (message) => options.onError(new Error(String(message))));
  worker.on('error', options.onError);
  return {
    close: async () => {
      // Held by the thread until it has ended: a process whose last work is this close (the CLI)
      // would otherwise find its event loop empty and exit with the close unfinished.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}
