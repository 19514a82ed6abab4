/**
 * The embedded Store on better-sqlite3: one connection, one table class per area (each preparing its
 * statements once), composed here. The driver is synchronous; the methods are async only to fit the
 * Store interface, and every driver error leaves as a typed StoreError.
 */
import type Database from 'better-sqlite3';
import type {
  Account,
  ApiKey,
  AuditEvent,
  Certificate,
  FailureCounter,
  LockReason,
  LoginEvent,
  OidcClientRecord,
  OutboxMail,
  Tenant,
  Terminal,
  Ticket,
} from '../../src/domain.js';
import {
  StoreError,
  type AccountPatch,
  type AccountQuery,
  type AttemptReservation,
  type AuditQuery,
  type CertificateStanding,
  type EphemeralRecord,
  type IssuedCertificate,
  type LoginEventQuery,
  type MailBody,
  type NewAccount,
  type NewApiKey,
  type NewAuditEvent,
  type NewLoginEvent,
  type NewMail,
  type NewOidcClient,
  type NewTenant,
  type NewTerminal,
  type NewTicket,
  type OidcPayload,
  type RateLimitCounts,
  type RateLimitHit,
  type Page,
  type RevokedCertificate,
  type SavedCertificate,
  type Store,
  type TenantPatch,
  type TerminalPatch,
  type WorkDone,
  type WorkUnit,
} from '../../src/store.js';
import { AccountTable } from './accounts.js';
import { CertificateTable, type CertificateQuery } from './certificates.js';
import { openDatabase } from './connection.js';
import { AccountCounters } from './counters.js';
import { COUNTED_FAILURES, Durability, relaxedUpsert } from './durability.js';
import { mapSqliteError } from './errors.js';
import { AuditLog, LoginHistory } from './history.js';
import { ApiKeyTable, RateLimits } from './limits.js';
import { migrate } from './migrations.js';
import { OidcArtifacts } from './oidc.js';
import { Outbox, type MailQuery } from './outbox.js';
import { StatementCache } from './sql.js';
import { CertificateStandings } from './standing.js';
import { ClientTable, TenantTable } from './tenants.js';
import { TerminalTable } from './terminals.js';
import { TicketTable } from './tickets.js';
import {
  SERVING_CONNECTION_CHECKPOINT_PAGES,
  startCheckpointThread,
  type CheckpointOptions,
} from './checkpointer.js';
import { CommitWatch } from './commit-watch.js';
import { WalSync } from './wal-sync.js';
import { workCommitter } from './work.js';

/** The table classes; built once the schema exists, since statements are prepared against it. */
function tables(db: Database.Database, wal: WalSync | null) {
  const statements = new StatementCache(db);
  const written = {
    accounts: new AccountTable(db, statements),
    terminals: new TerminalTable(db, statements),
    certificates: new CertificateTable(db, statements),
    tickets: new TicketTable(db),
    outbox: new Outbox(db, statements),
  };
  return {
    ...written,
    roundTrip: db.prepare('SELECT 1'),
    securityEpoch: db.prepare<[], number>('SELECT value FROM security_epoch WHERE id = 1').pluck(),
    durability: new Durability(db, wal),
    tenants: new TenantTable(db),
    clients: new ClientTable(db),
    counters: new AccountCounters(db),
    logins: new LoginHistory(db, statements),
    audit: new AuditLog(db, statements),
    commitWork: workCommitter(db, written),
    rateLimits: new RateLimits(db),
    apiKeys: new ApiKeyTable(db),
    oidc: new OidcArtifacts(db),
    standings: new CertificateStandings(db),
  };
}

type Tables = ReturnType<typeof tables>;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly #db: Database.Database;
  readonly #wal: WalSync | null;
  readonly #checkpointThread: { close(): Promise<void> } | undefined;
  readonly #commits: CommitWatch | null;
  /** The security epoch as last read, while no commit has happened since (getSecurityEpoch). */
  #epoch: number | undefined;
  #tables: Tables | undefined;

  /**
   * Opens the file (or `':memory:'`); call `init()` before anything else. `checkpoints`: who copies the
   * WAL into the database file (checkpointer.ts) — this connection as SQLite does by default, another
   * process (a cluster's primary), or a thread of this process started here.
   */
  constructor(path: string, options: CheckpointOptions & { checkpointIntervalMs?: number } = {}) {
    this.#db = openDatabase(path);
    const file = path !== ':memory:' && path !== '';
    const checkpoints = file ? (options.checkpoints ?? 'connection') : 'connection';
    if (checkpoints !== 'connection')
      this.#db.pragma(`wal_autocheckpoint = ${SERVING_CONNECTION_CHECKPOINT_PAGES}`);
    if (checkpoints === 'thread')
      this.#checkpointThread = startCheckpointThread({
        path,
        ...(options.checkpointIntervalMs ? { intervalMs: options.checkpointIntervalMs } : {}),
        // The connection's own checkpoint at 10,000 pages remains: a failure here only delays copying.
        onError: options.onCheckpointError ?? (() => undefined),
      });
    this.#wal = file ? new WalSync(path) : null;
    this.#commits = file ? new CommitWatch(path) : null;
  }

  #ready(): Tables {
    if (!this.#tables) throw new StoreError('store_not_initialized', 'call init() before using the store');
    return this.#tables;
  }

  /** Runs `fn` (reads only) on the tables, turning driver errors into StoreErrors. */
  async #read<T>(fn: (t: Tables) => T): Promise<T> {
    try {
      return fn(this.#ready());
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  /** `#read` for a write: answered once what it changed is on disk (durability.ts). */
  async #write<T>(fn: (t: Tables) => T): Promise<T> {
    try {
      const x = this.#ready();
      return await x.durability.durable(() => fn(x));
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  /** `#read` for a write that may be lost at a power cut without harm: it does not wait for the disk. */
  #relaxed<T>(fn: (t: Tables) => T): Promise<T> {
    return this.#read((x) => x.durability.relaxed(() => fn(x)));
  }

  // Public members are arrow properties bound to this instance, so they work through a Proxy or when
  // passed around unbound.
  init = async (): Promise<void> => {
    try {
      migrate(this.#db);
      this.#tables ??= tables(this.#db, this.#wal);
    } catch (error) {
      throw mapSqliteError(error);
    }
  };

  ping = (): Promise<void> => this.#read((x) => void x.roundTrip.get());

  /**
   * Moved by triggers in the transaction of each write that could invalidate a cached record (migration 8).
   * Read on every token request: answered synchronously (the driver is), not through `#read`'s promise.
   */
  getSecurityEpoch = (): number => {
    if (!this.#tables) throw new StoreError('store_not_initialized', 'call init() before using the store');
    // The WAL index's header first, then the row: a header unchanged at the next request vouches that
    // nothing was committed since this read (commit-watch.ts), so the row is not read again.
    if (this.#commits?.unchangedSinceLastLook() && this.#epoch !== undefined) return this.#epoch;
    this.#epoch = undefined;
    try {
      this.#epoch = this.#tables.securityEpoch.get() ?? 0;
      return this.#epoch;
    } catch (error) {
      throw mapSqliteError(error);
    }
  };

  close = async (): Promise<void> => {
    await this.#checkpointThread?.close();
    await this.#wal?.close();
    this.#commits?.close();
    if (this.#db.open) this.#db.close();
  };

  /**
   * A consistent copy of the whole database to `destination`, taken with SQLite's online backup
   * while the store keeps serving (other connections and processes included).
   */
  backup = async (destination: string): Promise<void> => {
    try {
      await this.#db.backup(destination);
    } catch (error) {
      throw mapSqliteError(error);
    }
  };

  // tenants and clients
  createTenant = (t: NewTenant, now: Date): Promise<Tenant> => this.#write((x) => x.tenants.create(t, now));
  getTenant = (id: string): Promise<Tenant | null> => this.#read((x) => x.tenants.get(id));
  listTenants = (): Promise<Tenant[]> => this.#read((x) => x.tenants.list());
  updateTenant = (id: string, patch: TenantPatch, now: Date): Promise<Tenant | null> =>
    this.#write((x) => x.tenants.update(id, patch, now));

  createClient = (c: NewOidcClient, now: Date): Promise<OidcClientRecord> =>
    this.#write((x) => x.clients.create(c, now));
  getClient = (clientId: string): Promise<OidcClientRecord | null> =>
    this.#read((x) => x.clients.get(clientId));
  listClients = (tenantId?: string): Promise<OidcClientRecord[]> =>
    this.#read((x) => x.clients.list(tenantId));
  updateClient = (
    clientId: string,
    metadata: Record<string, unknown>,
    now: Date,
  ): Promise<OidcClientRecord | null> => this.#write((x) => x.clients.update(clientId, metadata, now));
  deleteClient = (clientId: string): Promise<boolean> => this.#write((x) => x.clients.delete(clientId));

  // accounts
  createAccount = (a: NewAccount, now: Date): Promise<Account> =>
    this.#write((x) => x.accounts.create(a, now));
  getAccount = (id: string): Promise<Account | null> => this.#read((x) => x.accounts.get(id));
  getAccountByUserId = (userId: string): Promise<Account | null> =>
    this.#read((x) => x.accounts.getByUserId(userId));
  findAccounts = (q: AccountQuery): Promise<Page<Account>> => this.#read((x) => x.accounts.find(q));
  updateAccount = (id: string, patch: AccountPatch, now: Date): Promise<Account | null> =>
    this.#write((x) => x.accounts.update(id, patch, now));
  deleteAccount = (id: string, now: Date): Promise<boolean> => this.#write((x) => x.accounts.delete(id, now));

  reserveAttempt = (
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options?: { allowPending?: boolean; syncWithFailureEvent?: boolean },
  ): Promise<AttemptReservation> => {
    const reserve = (x: Tables) => x.counters.reserve(accountId, counter, max, now, options);
    return options?.syncWithFailureEvent ? this.#relaxed(reserve) : this.#write(reserve);
  };
  resetCounter = (accountId: string, counter: FailureCounter, now: Date): Promise<void> =>
    this.#relaxed((x) => x.counters.reset(accountId, counter, now));
  lockAccount = (accountId: string, reason: LockReason, now: Date): Promise<Account | null> =>
    this.#write((x) => x.counters.lock(accountId, reason, now));
  unlockAccount = (accountId: string, now: Date): Promise<Account | null> =>
    this.#write((x) => x.counters.unlock(accountId, now));
  advanceTotpStep = (accountId: string, step: number, now: Date): Promise<boolean> =>
    this.#write((x) => x.counters.advanceTotpStep(accountId, step, now));

  // terminals
  createTerminal = (t: NewTerminal, now: Date): Promise<Terminal> =>
    this.#write((x) => x.terminals.create(t, now));
  getTerminal = (id: string): Promise<Terminal | null> => this.#read((x) => x.terminals.get(id));
  listTerminals = (accountId: string, options?: { includeDeleted?: boolean }): Promise<Terminal[]> =>
    this.#read((x) => x.terminals.list(accountId, options));
  updateTerminal = (id: string, patch: TerminalPatch, now: Date): Promise<Terminal | null> =>
    this.#write((x) => x.terminals.update(id, patch, now));
  clearExpiredDownloads = (now: Date): Promise<number> =>
    this.#write((x) => x.terminals.clearExpiredDownloads(now));

  // certificates
  saveIssuedCertificate = (
    issued: IssuedCertificate,
    now: Date,
    options?: { syncWithAuditEvent?: boolean },
  ): Promise<SavedCertificate> => {
    const save = (x: Tables) => x.certificates.saveIssued(issued, now);
    return options?.syncWithAuditEvent ? this.#relaxed(save) : this.#write(save);
  };
  getCertificate = (serial: string): Promise<Certificate | null> =>
    this.#read((x) => x.certificates.get(serial));
  getCertificateByFingerprint = (fingerprintS256: string): Promise<Certificate | null> =>
    this.#read((x) => x.certificates.getByFingerprint(fingerprintS256));
  findCertificateStanding = (fingerprintS256: string): Promise<CertificateStanding | null> =>
    this.#read((x) => x.standings.get(fingerprintS256));
  listCertificates = (q: CertificateQuery): Promise<Certificate[]> =>
    this.#read((x) => x.certificates.list(q));
  revokeCertificate = (serial: string, reason: string, now: Date): Promise<Certificate | null> =>
    this.#write((x) => x.certificates.revoke(serial, reason, now));
  listRevokedCertificates = (now: Date): Promise<RevokedCertificate[]> =>
    this.#read((x) => x.certificates.listRevoked(now));
  countCertificatesExpiring = (now: Date, before: Date): Promise<number> =>
    this.#read((x) => x.certificates.countExpiring(now, before));
  listCertificatesExpiring = (now: Date, before: Date): Promise<Certificate[]> =>
    this.#read((x) => x.certificates.listExpiring(now, before));
  claimExpiryReminder = (serial: string, days: number): Promise<boolean> =>
    this.#write((x) => x.certificates.claimReminder(serial, days));

  // one-time tickets
  createTicket = (t: NewTicket, now: Date): Promise<Ticket> => this.#write((x) => x.tickets.create(t, now));
  getTicketByTokenHash = (tokenHash: string): Promise<Ticket | null> =>
    this.#read((x) => x.tickets.getByTokenHash(tokenHash));
  consumeTicket = (id: string, now: Date): Promise<boolean> => this.#write((x) => x.tickets.consume(id, now));
  reserveTicketAttempt = (id: string, max: number): Promise<AttemptReservation> =>
    this.#write((x) => x.tickets.reserveAttempt(id, max));
  invalidateTickets = (accountId: string, purpose: Ticket['purpose'], now: Date): Promise<number> =>
    this.#write((x) => x.tickets.invalidate(accountId, purpose, now));
  purgeExpiredTickets = (before: Date): Promise<number> => this.#write((x) => x.tickets.purgeExpired(before));

  commitWork = (unit: WorkUnit, now: Date): Promise<WorkDone | false> =>
    this.#write((x) => x.commitWork(unit, now));

  // login history and audit
  addLoginEvent = (e: NewLoginEvent): Promise<LoginEvent> =>
    COUNTED_FAILURES.has(e.result)
      ? this.#write((x) => x.logins.add(e))
      : this.#relaxed((x) => x.logins.add(e));
  listLoginEvents = (q: LoginEventQuery): Promise<Page<LoginEvent>> => this.#read((x) => x.logins.list(q));
  purgeLoginEvents = (before: Date, tenantId?: string | null): Promise<number> =>
    this.#write((x) => x.logins.purge(before, tenantId));
  addAuditEvent = (e: NewAuditEvent): Promise<AuditEvent> => this.#write((x) => x.audit.add(e));
  listAuditEvents = (q: AuditQuery): Promise<Page<AuditEvent>> => this.#read((x) => x.audit.list(q));

  // mail outbox
  enqueueMail = (m: NewMail, now: Date): Promise<OutboxMail> => this.#write((x) => x.outbox.enqueue(m, now));
  claimMail = (workerId: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMail[]> =>
    this.#write((x) => x.outbox.claim(workerId, now, leaseMs, limit));
  markMailSent = (id: string, workerId: string, now: Date): Promise<boolean> =>
    this.#write((x) => x.outbox.markSent(id, workerId, now));
  markMailFailed = (id: string, workerId: string, error: string, retryAt: Date | null): Promise<boolean> =>
    this.#write((x) => x.outbox.markFailed(id, workerId, error, retryAt));
  listMail = (q: MailQuery): Promise<Page<OutboxMail>> => this.#read((x) => x.outbox.list(q));
  replaceMailBody = (id: string, current: MailBody, next: MailBody): Promise<boolean> =>
    this.#write((x) => x.outbox.replaceBody(id, current, next));
  redactSettledMail = (): Promise<number> => this.#write((x) => x.outbox.redactSettled());
  purgeSettledMail = (before: Date): Promise<number> => this.#write((x) => x.outbox.purgeSettled(before));

  // rate limits and API keys
  hitRateLimit = (key: string, expiresAt: Date, now: Date): Promise<number> =>
    this.#relaxed((x) => x.rateLimits.hit(key, expiresAt, now));
  countRateLimit = (key: string, now: Date): Promise<number> =>
    this.#read((x) => x.rateLimits.count(key, now));
  hitRateLimits = (hits: RateLimitHit[], now: Date): Promise<RateLimitCounts[]> =>
    this.#relaxed((x) => x.rateLimits.hitMany(hits, now));
  createApiKey = (k: NewApiKey, now: Date): Promise<ApiKey> => this.#write((x) => x.apiKeys.create(k, now));
  getApiKeyByHash = (keyHash: string): Promise<ApiKey | null> =>
    this.#read((x) => x.apiKeys.getByHash(keyHash));
  listApiKeys = (): Promise<ApiKey[]> => this.#read((x) => x.apiKeys.list());
  revokeApiKey = (id: string, now: Date): Promise<boolean> => this.#write((x) => x.apiKeys.revoke(id, now));

  // oidc-provider artifacts
  oidcUpsert = (
    model: string,
    id: string,
    payload: OidcPayload,
    expiresInSeconds: number | undefined,
    now: Date,
  ): Promise<void> => {
    const write = (x: Tables) => x.oidc.upsert(model, id, payload, expiresInSeconds, now);
    return relaxedUpsert(model) ? this.#relaxed(write) : this.#write(write);
  };
  oidcFind = (model: string, id: string, now: Date): Promise<OidcPayload | null> =>
    this.#read((x) => x.oidc.find(model, id, now));
  oidcFindByUid = (model: string, uid: string, now: Date): Promise<OidcPayload | null> =>
    this.#read((x) => x.oidc.findByUid(model, uid, now));
  oidcFindByUserCode = (model: string, userCode: string, now: Date): Promise<OidcPayload | null> =>
    this.#read((x) => x.oidc.findByUserCode(model, userCode, now));
  oidcConsume = (model: string, id: string, now: Date): Promise<boolean> =>
    this.#write((x) => x.oidc.consume(model, id, now));
  oidcDestroy = (model: string, id: string): Promise<void> => this.#write((x) => x.oidc.destroy(model, id));
  oidcRevokeByGrantId = (grantId: string): Promise<void> =>
    this.#write((x) => x.oidc.revokeByGrantId(grantId));
  /** Expired rate-limit buckets go in the same sweep; the count is of oidc artifacts. */
  oidcPurgeExpired = (now: Date): Promise<number> =>
    this.#write((x) => {
      x.rateLimits.purgeExpired(now);
      return x.oidc.purgeExpired(now);
    });

  // Tobira's short-lived state: the artifacts' table, under Tobira's own kinds
  putState = (
    kind: string,
    id: string,
    record: EphemeralRecord,
    ttlSeconds: number,
    now: Date,
  ): Promise<void> => this.oidcUpsert(kind, id, record, ttlSeconds, now);
  getState = (kind: string, id: string, now: Date): Promise<EphemeralRecord | null> =>
    this.oidcFind(kind, id, now);
  deleteState = (kind: string, id: string): Promise<void> => this.oidcDestroy(kind, id);
}
