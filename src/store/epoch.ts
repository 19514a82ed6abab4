/**
 * The store's security epoch: one integer, moved by every write that could change a record some process
 * keeps in memory across requests (request-cache.ts: clients, certificate standings, access and refresh
 * tokens, grants, session bindings). A process reads it once per request and drops its cached records
 * when it moved, so a revocation, lock, deletion or logout made by any worker, node or the CLI is seen by
 * the very next request everywhere, at the price of one small read.
 *
 * Who moves it: on SQLite, triggers (migration 8) in the very transaction of the write, whatever wrote
 * it — every UPDATE and DELETE of tenants, clients, accounts, terminals and certificates, and of the
 * oidc rows of SHARED_MODELS; an account's UPDATE only when it sets a column other than its counters
 * (COUNTER_WRITES, migration 10). On MongoDB (no triggers, no transactions on FerretDB), the adapter moves
 * it right after each write that `bumpsSecurityEpoch` names (`bumpAfterWrites`), before the write's
 * caller goes on. Deny by default: every write moves it unless it is listed below as only adding new
 * records (a miss is never cached, so a new record invalidates nothing) or as touching no record that is
 * cached across requests.
 */
import { storeCallKind } from './instrumented.js';

export interface SecurityEpochStore {
  /**
   * The current epoch; moves (never back) with every write that could invalidate a cached record. A
   * store whose driver is synchronous (SQLite) answers with the number itself, so a request's kept
   * records are answered with no promise step (request-cache.ts); `await` takes either.
   * Measured and left (Node 24, better-sqlite3 on a WAL file): SQLite's `PRAGMA data_version` instead of
   * the row costs the same — both begin a read transaction (the WAL index's header, a read-mark lock);
   * 0.9 µs each in a loop, 7.4–9.5 µs each with the CPU's caches cold as in a request (1–1.5 µs apart,
   * within noise) — and would need this connection's own commits tracked beside it.
   */
  getSecurityEpoch(): Promise<number> | number;
}

/**
 * oidc-provider models and Tobira state kinds whose records may be kept across requests. An upsert that
 * replaces one, and its consumption or deletion, moves the epoch (SQLite migration 8 names the same).
 */
export const SHARED_MODELS: ReadonlySet<string> = new Set([
  'AccessToken',
  'RefreshToken',
  'Grant',
  // Found by uid for every token that expires with its session.
  'Session',
  'TobiraSessionCertificate',
]);

/**
 * Writes of records no cache keeps (per request or across requests): rate limits, the append-only
 * history, tickets, mail, API keys. The request cache (request-cache.ts) passes them through too.
 */
export const UNCACHED_WRITES: ReadonlySet<string> = new Set([
  'hitRateLimit',
  'hitRateLimits',
  'addLoginEvent',
  'addAuditEvent',
  'createTicket',
  'consumeTicket',
  'reserveTicketAttempt',
  'invalidateTickets',
  'purgeExpiredTickets',
  'purgeLoginEvents',
  'enqueueMail',
  'claimMail',
  'markMailSent',
  'markMailFailed',
  'replaceMailBody',
  'redactSettledMail',
  'purgeSettledMail',
  'createApiKey',
  'revokeApiKey',
]);

/**
 * Writes of an account's failure counters and last TOTP step only (and its `updatedAt`), which every
 * login makes: a kept certificate standing may carry these fields stale, since no decision reads them
 * from a kept record — each is decided by the conditional update itself (`reserveAttempt`'s
 * `failed < max`, `advanceTotpStep`'s `step > last`), the lock that ends a series of failures is its
 * own write (`lockAccount`, which moves the epoch) and `#locked` re-reads the account. On SQLite the
 * accounts trigger names every other column (migration 10); test/store/sqlite-epoch.test.ts checks that
 * each column is named or one of these.
 */
export const COUNTER_WRITES: ReadonlySet<string> = new Set([
  'reserveAttempt',
  'resetCounter',
  'advanceTotpStep',
]);

/** Writes that leave the epoch: those, counters, and new records only (a miss is never kept). */
const NEUTRAL_WRITES: ReadonlySet<string> = new Set([
  ...UNCACHED_WRITES,
  ...COUNTER_WRITES,
  'createTenant',
  'createClient',
  'createAccount',
]);

/** Writes of one model's record (model first): they move the epoch only for SHARED_MODELS. */
export const MODEL_WRITES: ReadonlySet<string> = new Set([
  'oidcUpsert',
  'putState',
  'oidcConsume',
  'oidcDestroy',
  'deleteState',
]);
/** Of those, the upserts: a new record (the usual case: a new token) invalidates nothing. */
export const UPSERTS: ReadonlySet<string> = new Set(['oidcUpsert', 'putState']);

const LIFECYCLE = new Set(['init', 'ping', 'close', 'backup', 'getSecurityEpoch']);

/** Whether a call of `method` with `args` may change a record cached across requests. */
export function bumpsSecurityEpoch(method: string, args: readonly unknown[]): boolean {
  if (LIFECYCLE.has(method) || storeCallKind(method) === 'read' || NEUTRAL_WRITES.has(method)) return false;
  if (MODEL_WRITES.has(method)) return SHARED_MODELS.has(String(args[0]));
  return true;
}

/**
 * For an adapter without triggers: every write `bumpsSecurityEpoch` names gets `bump()` after it
 * (also when it failed: it may have been applied; a failed bump after a successful write fails it). An upsert bumps only when it replaced a record
 * (`exists`, asked before the write). Defined as own properties of `target`, over its methods.
 */
export function bumpAfterWrites(
  target: object,
  epoch: { bump(): Promise<void>; exists(model: string, id: string): Promise<boolean> },
  /** The adapter's own helpers (not Store methods), which its methods call. */
  helpers: ReadonlySet<string>,
): void {
  const names = new Set<string>();
  for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
    proto = Object.getPrototypeOf(proto);
  }
  for (const name of Object.keys(target)) names.add(name);
  for (const name of names) {
    const method = (target as Record<string, unknown>)[name];
    if (name === 'constructor' || helpers.has(name) || typeof method !== 'function') continue;
    if (LIFECYCLE.has(name) || storeCallKind(name) === 'read' || NEUTRAL_WRITES.has(name)) continue;
    const call = method as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value: async function (this: unknown, ...args: unknown[]) {
        if (!bumpsSecurityEpoch(name, args)) return call.apply(this, args);
        const replacing = UPSERTS.has(name) ? await epoch.exists(String(args[0]), String(args[1])) : true;
        let result: unknown;
        try {
          result = await call.apply(this, args);
        } catch (error) {
          // It may have been applied all the same (an outage mid-write); the write's error is the answer.
          if (replacing) await epoch.bump().catch(() => undefined);
          throw error;
        }
        if (replacing) await epoch.bump();
        return result;
      },
    });
  }
}
