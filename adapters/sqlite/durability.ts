/**
 * Durability per write. Every commit appends to the WAL with `synchronous = NORMAL` (connection.ts); a
 * write that must survive a power cut then waits, before its caller goes on, for the WAL to be synced
 * (wal-sync.ts: off the event loop, without holding the write lock, shared by the commits of concurrent
 * requests — as durable as a FULL commit). Some writes may be lost at a power cut without harm — losing
 * them only forgets something, fails closed, or errs toward stricter — and those skip the wait (still
 * atomic and corruption-safe; the next synced write or checkpoint takes them along, since the WAL is one
 * sequential file).
 *
 * Relaxed (no wait): rate-limit window counts (a power cut forgives a few requests), login history lines,
 * resetting a failure counter after a success (lost: the counter stays higher — stricter), oidc-provider
 * artifacts written by upsert (sessions, interactions, grants, codes, tokens: lost, they no longer
 * exist and the user signs in again) and Tobira's short-lived state (login state, session bindings,
 * account sessions: lost, the flow starts over; a binding lost refuses its tokens) — except the upserts
 * that mark something used once (USED_ONCE_MODELS below).
 * Every other write that changed a row waits: a consumed ticket or code, a counted failure, a lock, a
 * revocation, a password change, a deletion (of a session: a logout), audit events, mail, enrollment's
 * unit of work — what must never come back or go missing after the answer was given.
 * A counted failure is durable before its answer without its reservation waiting for the disk: the login
 * reserves its attempt with `syncWithFailureEvent` (relaxed), and the login event of a failed attempt
 * (COUNTED_FAILURES below) waits for the sync before the failure is answered — the sync takes the
 * reservation along; after a success the counter is reset anyway (a lost reservation and a lost reset
 * leave the count as it was before the attempt).
 * An issuance outside a unit of work (a PKCS#12 kept for download, a CSR's certificate) is saved the
 * same way: `syncWithAuditEvent` (relaxed), then its audit event (synced) before anything is handed out.
 * A full login commits 15 times and waits for the disk twice: the interaction deleted as the login
 * resumes (its result is used once) and the code consumed at the token endpoint
 * (test/integration/login-durability.test.ts).
 * Unlike FULL, a commit is visible to other requests before it is on disk (its own request is answered
 * only after): a power cut can take back what another request saw — a consumed ticket refused to a
 * second try, a revocation — when the request that made it was never answered.
 */
import type Database from 'better-sqlite3';
import type { WalSync } from './wal-sync.js';

/**
 * Upserted records that mark something as used once, so they wait for the disk like a consumed ticket:
 * oidc-provider's record of a client assertion's jti (private_key_jwt replay detection), and the form
 * session a download overwrites to allow its file one fetch.
 */
const USED_ONCE_MODELS: ReadonlySet<string> = new Set(['ReplayDetection', 'TobiraFormSession']);

/** Login events of an attempt that counted as a failure: synced, they make its reservation durable. */
export const COUNTED_FAILURES: ReadonlySet<string> = new Set(['bad_password', 'user_mismatch', 'otp_failed']);

/** Whether an upsert of `model` (an oidc-provider model or a short-lived state kind) may skip the sync. */
export function relaxedUpsert(model: string): boolean {
  return !USED_ONCE_MODELS.has(model);
}

/** The store methods whose commits may skip the sync (see above). */
export const RELAXED_WRITES: ReadonlySet<string> = new Set([
  'hitRateLimit',
  'hitRateLimits',
  'addLoginEvent',
  'resetCounter',
  'oidcUpsert',
  'putState',
]);

export class Durability {
  readonly #changes: Database.Statement<[], number>;
  readonly #wal: WalSync | null;

  /** `wal` is null for an in-memory database (nothing to sync). */
  constructor(db: Database.Database, wal: WalSync | null) {
    // Rows changed by this connection since it opened, triggers included: a write that changed none
    // (a ticket already consumed) committed nothing to wait for.
    this.#changes = db.prepare<[], number>('SELECT total_changes()').pluck();
    this.#wal = wal;
  }

  /** Runs `write` (synchronous, one or more commits) and waits until what it changed is on disk. */
  async durable<T>(write: () => T): Promise<T> {
    const before = this.#changes.get();
    const result = write();
    if (this.#wal && this.#changes.get() !== before) await this.#wal.sync();
    return result;
  }

  /** Runs `write` (synchronous, one or more commits) without waiting for the disk. */
  relaxed<T>(write: () => T): T {
    return write();
  }
}
