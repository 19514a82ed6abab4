/** Opens the database file with the settings every connection needs. */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { mapSqliteError } from './errors.js';

/**
 * How long a writer waits for another connection's write lock before giving up (SQLITE_BUSY) — another
 * worker process (TOBIRA_WORKERS) or node on the same file. Writes are single statements or short
 * IMMEDIATE transactions (no key generation or hashing inside one), so the wait stays in milliseconds.
 * SQLite's busy handler sleeps in the calling thread (1, 2, 5… ms; ~3 sleeps per login per worker with
 * 2 workers at 8 clients). Waiting between turns of the event loop instead (busy timeout 0, the call run
 * again after setImmediate, then 1–8 ms) was tried and measured: more CPU per login (main threads
 * +0.4–0.9 ms, argon2id's pool +1–2 ms) and no more logins/s at load — a sleeping worker leaves its core
 * to the pool's verifies — so the handler stays.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The database holds password hashes and sealed secrets: owner-only, whatever the umask. SQLite gives
 * the -wal and -shm files the main file's mode; the chmod also tightens files made before this rule.
 */
function restrictFileModes(path: string): void {
  if (path === ':memory:' || path === '') return;
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

export function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    restrictFileModes(path);
    db = new Database(path);
    // First, so that even switching the journal mode waits for a busy file instead of failing.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // WAL: readers never block the writer, and several processes can share the file.
    db.pragma('journal_mode = WAL');
    restrictFileModes(path);
    // NORMAL: a commit appends to the WAL without waiting for the disk (still atomic and
    // corruption-safe). A write that must survive a power cut — a consumed download ticket, a counted
    // wrong password — then waits for the WAL's sync before its caller goes on (durability.ts,
    // wal-sync.ts): as durable as FULL, without the event loop and the write lock held through the disk.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Deleted and overwritten content is zeroed, not left in free space where a copy of the file or a
    // backup would still hold it (redacted mail bodies, consumed key material).
    db.pragma('secure_delete = ON');
    // Measured and left (Node 24, compiled, 2 workers, 8 clients, interleaved, loaded machine): a read
    // that begins after another process committed drops this connection's whole page cache, so each
    // worker re-reads ~90 pages per login (read syscalls per login ~20 alone vs ~105-130; an outside
    // writer at 400 commits/s beside one worker does the same: main thread +0.5 ms per login, -0.2 to
    // +1.1). mmap_size = 256 MiB spares only the pages not in the WAL (read syscalls ~110 -> ~85, CPU
    // within noise; with wal_autocheckpoint = 100 as well, +0.5 ms); rarer checkpoints
    // (wal_autocheckpoint = 20000) saved no main-thread CPU either (8.53/7.95/8.31 vs 8.64/7.69/8.38 ms).
    return db;
  } catch (error) {
    db?.close();
    throw mapSqliteError(error);
  }
}
