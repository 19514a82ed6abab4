/** Opens the database file with the settings every connection needs. */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { mapSqliteError } from './errors.js';

/**
 * How long a writer waits for another connection's write lock before giving up (SQLITE_BUSY) — another
 * worker process (TOBIRA_WORKERS) or node on the same file. Writes are single statements or short
 * IMMEDIATE transactions (no key generation or hashing inside one), so the wait stays in milliseconds.
 */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Once a store is open, a call that meets another connection's lock fails at once (busy timeout 0) and
 * `waitForLock` runs it again between turns of the event loop. SQLite's own busy handler sleeps in the
 * calling thread (1, 2, 5, 10… ms): with 2 workers on one file each stopped its whole event loop 3–4
 * times per login at 8 clients (strace: clock_nanosleep per fsync of a worker), while the other
 * worker's lock is held for well under a millisecond. The busy timeout stays for opening and migrating.
 */
export function failFastOnLocks(db: Database.Database, failFast = true): void {
  db.exec(`PRAGMA busy_timeout = ${failFast ? 0 : BUSY_TIMEOUT_MS}`);
}

/** SQLITE_BUSY or one of its extended codes: another connection holds the lock. */
export function isLockBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

/**
 * Runs `run` (synchronous statements, or one better-sqlite3 transaction) again after it failed with
 * SQLITE_BUSY (isLockBusy), while it does: such a call changed nothing (a transaction is rolled back
 * whole), so running it again is running it once. First after the event loop's other work, then after
 * 1, 2, 4 and 8 ms, until BUSY_TIMEOUT_MS; then the last SQLITE_BUSY is thrown, other errors at once.
 */
export async function waitForLock<T>(run: () => T): Promise<T> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (let attempt = 0; ; attempt += 1) {
    await new Promise<void>((resolve) =>
      attempt === 0 ? setImmediate(resolve) : setTimeout(resolve, Math.min(2 ** (attempt - 1), 8)),
    );
    try {
      return run();
    } catch (error) {
      if (!isLockBusy(error) || Date.now() >= deadline) throw error;
    }
  }
}

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
    // FULL: a commit is on disk before the caller goes on. NORMAL would stay corruption-safe in WAL
    // mode, but a power loss could roll back the last commits — a consumed download ticket or a
    // counted wrong password coming back after the .p12 was served or the attempt answered.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Deleted and overwritten content is zeroed, not left in free space where a copy of the file or a
    // backup would still hold it (redacted mail bodies, consumed key material).
    db.pragma('secure_delete = ON');
    return db;
  } catch (error) {
    db?.close();
    throw mapSqliteError(error);
  }
}
