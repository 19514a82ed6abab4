/**
 * Durability per write. The connection commits with `synchronous = FULL` (connection.ts): in WAL mode
 * the log is fsynced at every commit, so a commit is on disk before the caller goes on. Some writes may
 * be lost at a power cut without harm — losing them only forgets something, fails closed, or errs toward
 * stricter — and those commit with `synchronous = NORMAL`: appended to the WAL without waiting for the
 * disk (still atomic and corruption-safe; the next FULL commit or checkpoint syncs them too, since the
 * WAL is one sequential file). SQLite reads the setting when a transaction commits, and better-sqlite3
 * runs each call to completion, so switching it around one call applies to exactly that call.
 *
 * Relaxed (NORMAL): rate-limit window counts (a power cut forgives a few requests), login history lines,
 * resetting a failure counter after a success (lost: the counter stays higher — stricter), oidc-provider
 * artifacts written by upsert (sessions, interactions, grants, codes, tokens: lost, they no longer
 * exist and the user signs in again) and Tobira's short-lived state (login state, session bindings,
 * account sessions: lost, the flow starts over; a binding lost refuses its tokens) — except the upserts
 * that mark something used once (USED_ONCE_MODELS below).
 * Everything else stays FULL: a consumed ticket or code, a counted failure, a lock, a revocation, a
 * password change, a deletion (of a session: a logout), audit events, mail, enrollment's unit of work —
 * what must never come back or go missing after the answer was given.
 * A counted failure is durable before its answer without its reservation waiting for the disk: the login
 * reserves its attempt with `syncWithFailureEvent` (NORMAL), and the login event of a failed attempt
 * (COUNTED_FAILURES below) commits FULL before the failure is answered — the WAL is one sequential file,
 * so its fsync takes the reservation along; after a success the counter is reset anyway (a lost
 * reservation and a lost reset leave the count as it was before the attempt).
 * An issuance outside a unit of work (a PKCS#12 kept for download, a CSR's certificate) is saved the
 * same way: `syncWithAuditEvent` (NORMAL), then its audit event (FULL) before anything is handed out.
 * A full login commits 15 times and waits for the disk twice: the interaction deleted as the login
 * resumes (its result is used once) and the code consumed at the token endpoint
 * (test/integration/login-durability.test.ts).
 */
import type Database from 'better-sqlite3';

/**
 * Upserted records that mark something as used once, so they stay FULL like a consumed ticket:
 * oidc-provider's record of a client assertion's jti (private_key_jwt replay detection), and the form
 * session a download overwrites to allow its file one fetch.
 */
const USED_ONCE_MODELS: ReadonlySet<string> = new Set(['ReplayDetection', 'TobiraFormSession']);

/** Login events of an attempt that counted as a failure: FULL, they make its reservation durable. */
export const COUNTED_FAILURES: ReadonlySet<string> = new Set(['bad_password', 'user_mismatch', 'otp_failed']);

/** Whether an upsert of `model` (an oidc-provider model or a short-lived state kind) may skip the fsync. */
export function relaxedUpsert(model: string): boolean {
  return !USED_ONCE_MODELS.has(model);
}

/** The store methods whose commits may skip the fsync (see above). */
export const RELAXED_WRITES: ReadonlySet<string> = new Set([
  'hitRateLimit',
  'hitRateLimits',
  'addLoginEvent',
  'resetCounter',
  'oidcUpsert',
  'putState',
]);

export class Durability {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Runs `write` (synchronous, one or more commits) with commits that do not wait for the disk. */
  relaxed<T>(write: () => T): T {
    // exec, not pragma(): no Statement object per switch (0.9 µs a pair instead of 3, ~12 pairs a login).
    this.#db.exec('PRAGMA synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.#db.exec('PRAGMA synchronous = FULL');
    }
  }
}
