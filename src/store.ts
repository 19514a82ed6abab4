/**
 * The store port. Services depend on role interfaces (./store/*.ts), each naming only what it uses —
 * `AccountStore & CounterStore`, never a driver. `Store` is the sum of the roles: two adapters
 * implement it — `adapters/sqlite` (embedded default) and `adapters/mongo` (production) — and both pass
 * the one contract suite in `test/store/contract.ts`, which is split by role the same way.
 *
 * Rules every adapter keeps:
 * - Counters and one-time tickets change atomically in the database (one statement / one conditional
 *   update), never by read-modify-write in JavaScript.
 * - Methods return copies; mutating a returned record changes nothing stored.
 * - "Not found" is `null` (or `false` for conditional updates); constraint violations throw
 *   `StoreConflictError`; an unreachable database throws `StoreUnavailableError`.
 */
import type { AccountStore, CounterStore } from './store/accounts.js';
import type { EphemeralStore, OidcArtifactStore } from './store/artifacts.js';
import type { CertificateStore, TerminalStore } from './store/devices.js';
import type { ApiKeyStore, ClientStore, TenantStore } from './store/directory.js';
import type { AuditStore, LoginHistoryStore } from './store/history.js';
import type { OutboxStore } from './store/outbox.js';
import type { RateLimitStore } from './store/rate-limits.js';
import type { TicketStore } from './store/tickets.js';
import type { WorkStore } from './store/work.js';
import type { SecurityEpochStore } from './store/epoch.js';

export * from './store/accounts.js';
export * from './store/artifacts.js';
export * from './store/devices.js';
export * from './store/directory.js';
export * from './store/errors.js';
export * from './store/history.js';
export * from './store/outbox.js';
export * from './store/rate-limits.js';
export * from './store/results.js';
export * from './store/tickets.js';
export * from './store/work.js';
export type { SecurityEpochStore } from './store/epoch.js';

/** Opening, health and closing: for the composition root, readiness checks and metrics. */
export interface StoreLifecycle {
  /** Short name for logs and health output: `sqlite` or `mongodb`. */
  readonly kind: string;
  /**
   * False when the store is correct only within one process (FerretDB: operations are serialised in
   * the process, not atomic across connections), so `tobira start` refuses several workers. Known after
   * `init()`; unset means several processes are safe.
   */
  readonly multiProcess?: boolean;
  /** Create tables/collections and indexes, run migrations. Idempotent. */
  init(): Promise<void>;
  /** Cheap round trip for readiness checks; throws StoreUnavailableError when down. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Every role: what an adapter implements and the composition root (src/app.ts) hands out. */
export interface Store
  extends
    StoreLifecycle,
    SecurityEpochStore,
    TenantStore,
    ClientStore,
    ApiKeyStore,
    AccountStore,
    CounterStore,
    TerminalStore,
    CertificateStore,
    TicketStore,
    WorkStore,
    LoginHistoryStore,
    AuditStore,
    OutboxStore,
    RateLimitStore,
    OidcArtifactStore,
    EphemeralStore {}
