/**
 * The store interface (port). Services depend on this, never on a driver. Two adapters implement it —
 * `adapters/sqlite` (embedded default) and `adapters/mongo` (production) — and both pass the one contract
 * suite in `test/store/contract.ts`.
 *
 * Rules every adapter keeps:
 * - Counters and one-time tickets change atomically in the database (one statement / one conditional
 *   update), never by read-modify-write in JavaScript.
 * - Methods return copies; mutating a returned record changes nothing stored.
 * - "Not found" is `null` (or `false` for conditional updates); constraint violations throw
 *   `StoreConflictError`; an unreachable database throws `StoreUnavailableError`.
 */
import type {
  Account,
  AccountStatus,
  ApiKey,
  AuditEvent,
  Certificate,
  FailureCounter,
  LockReason,
  LoginEvent,
  LoginMethod,
  OidcClientRecord,
  OutboxMail,
  PendingDownload,
  Tenant,
  Terminal,
  TerminalType,
  Ticket,
} from './domain.js';

export class StoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A unique constraint was violated (duplicate user ID, serial, …). `field` names it. */
export class StoreConflictError extends StoreError {
  readonly field: string;
  constructor(field: string, message = `duplicate value for ${field}`, options?: { cause?: unknown }) {
    super('store_conflict', message, options);
    this.field = field;
  }
}

/** The database cannot be reached; callers answer 503 and retry later. */
export class StoreUnavailableError extends StoreError {
  constructor(message = 'the store is unavailable', options?: { cause?: unknown }) {
    super('store_unavailable', message, options);
  }
}

// ---- inputs ----------------------------------------------------------------------------------------

export type NewTenant = Pick<Tenant, 'id' | 'name' | 'supportContact' | 'policy'>;
export type TenantPatch = Partial<Pick<Tenant, 'name' | 'supportContact' | 'policy'>>;

export interface NewAccount {
  id: string;
  tenantId: string;
  userId: string;
  status: AccountStatus;
  loginMethod: LoginMethod;
  displayName?: string | null;
}

/** Fields a service may set directly. Counters are not here: they have their own atomic methods. */
export type AccountPatch = Partial<
  Pick<
    Account,
    | 'status'
    | 'displayName'
    | 'lockReason'
    | 'lockedAt'
    | 'passwordHash'
    | 'passwordChangedAt'
    | 'passwordHistory'
    | 'mustChangePassword'
    | 'secretQuestionId'
    | 'secretAnswerHash'
    | 'loginMethod'
    | 'totpSecretEnc'
    | 'totpLastStep'
  >
>;

export interface NewTerminal {
  id: string;
  accountId: string;
  email: string;
  type: TerminalType;
}

export type TerminalPatch = Partial<Pick<Terminal, 'email' | 'type' | 'deleted' | 'pendingDownload'>>;

export type NewCertificate = Omit<Certificate, 'status' | 'revokedAt' | 'revocationReason' | 'createdAt'>;

export interface IssuedCertificate {
  certificate: NewCertificate;
  /** The PKCS#12 waiting for download, or null when the key never left the device (CSR). */
  pendingDownload: PendingDownload | null;
}

export type NewLoginEvent = Omit<LoginEvent, 'id'>;
export type NewAuditEvent = Omit<AuditEvent, 'id'>;
export type NewTicket = Omit<Ticket, 'usedAt' | 'failedAttempts' | 'createdAt'>;
/** `tenantId` absent or null: a platform-wide key. */
export type NewApiKey = Pick<ApiKey, 'id' | 'keyHash' | 'label'> & { tenantId?: string | null };
export type NewOidcClient = Pick<OidcClientRecord, 'clientId' | 'tenantId' | 'metadata' | 'firstParty'>;
/** A mail's body parts as stored (sealed by the Mailer; opaque to the store). */
export interface MailBody {
  text: string;
  html: string | null;
}
export type NewMail = Pick<OutboxMail, 'id' | 'to' | 'subject' | 'template'> &
  MailBody & {
    nextAttemptAt?: Date;
  };

/**
 * The writes of one multi-step use case (enrollment, certificate re-issue, terminal add), prepared
 * beforehand — keys, certificates and sealed mail bodies made — so that `commitWork` applies them as one.
 */
export interface WorkUnit {
  /** The one-time ticket the work redeems: it must be unused and unexpired, and is consumed. */
  ticketId?: string;
  /** The work applies only while the account has status `whileStatus`; `patch` is applied with it. */
  account?: { id: string; whileStatus: AccountStatus; patch?: AccountPatch };
  /** A terminal to create; it must get `number` (the certificate names it), else a conflict on `number`. */
  terminal?: NewTerminal & { number: number };
  certificates?: IssuedCertificate[];
  tickets?: NewTicket[];
  mails?: NewMail[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface LoginEventQuery {
  accountId?: string;
  tenantId?: string;
  since?: Date;
  until?: Date;
  offset?: number;
  limit?: number;
}

export interface AuditQuery {
  tenantId?: string;
  accountId?: string;
  action?: string;
  since?: Date;
  offset?: number;
  limit?: number;
}

export interface AccountQuery {
  tenantId?: string;
  /** Prefix of the user ID. */
  userIdPrefix?: string;
  status?: AccountStatus;
  offset?: number;
  limit?: number;
}

/** Result of reserving one failure-counted attempt. */
export type AttemptReservation =
  /** The attempt may proceed; `count` is this attempt's number (1 … max). */
  | { ok: true; count: number }
  /** No attempt left, or the account is locked or missing: do not verify anything. */
  | { ok: false };

/** The oidc-provider models the store persists (see oidc-provider's Adapter interface). */
export interface OidcPayload {
  [key: string]: unknown;
  uid?: string;
  userCode?: string;
  grantId?: string;
  consumed?: number;
}

/** How long a MongoDB unit of work holds its ticket; after a crash the link works again after this. */
export const WORK_CLAIM_MS = 30_000;

// ---- the interface ---------------------------------------------------------------------------------

export interface Store {
  /** Short name for logs and health output: `sqlite` or `mongodb`. */
  readonly kind: string;

  /** Create tables/collections and indexes, run migrations. Idempotent. */
  init(): Promise<void>;
  /** Cheap round trip for readiness checks; throws StoreUnavailableError when down. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // tenants
  createTenant(tenant: NewTenant, now: Date): Promise<Tenant>;
  getTenant(id: string): Promise<Tenant | null>;
  listTenants(): Promise<Tenant[]>;
  updateTenant(id: string, patch: TenantPatch, now: Date): Promise<Tenant | null>;

  // OIDC clients (relying parties)
  createClient(client: NewOidcClient, now: Date): Promise<OidcClientRecord>;
  getClient(clientId: string): Promise<OidcClientRecord | null>;
  listClients(tenantId?: string): Promise<OidcClientRecord[]>;
  updateClient(
    clientId: string,
    metadata: Record<string, unknown>,
    now: Date,
  ): Promise<OidcClientRecord | null>;
  deleteClient(clientId: string): Promise<boolean>;

  // accounts
  createAccount(account: NewAccount, now: Date): Promise<Account>;
  getAccount(id: string): Promise<Account | null>;
  /** Case-sensitive exact match on the user ID. */
  getAccountByUserId(userId: string): Promise<Account | null>;
  findAccounts(query: AccountQuery): Promise<Page<Account>>;
  updateAccount(id: string, patch: AccountPatch, now: Date): Promise<Account | null>;
  /** Deletes the account and everything it owns (terminals, tickets; certificates are kept, revoked). */
  deleteAccount(id: string, now: Date): Promise<boolean>;

  /**
   * Atomically take one attempt of `counter` for an `active` account: increments the counter only when
   * it is below `max`. Returns `{ ok: false }` when the account is missing, not active, or has no
   * attempt left — concurrent callers can never exceed `max` between them.
   * (Enrollment counts on `pending` accounts: pass `allowPending`.)
   */
  reserveAttempt(
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options?: { allowPending?: boolean },
  ): Promise<AttemptReservation>;
  /** Set `counter` back to 0 (after a success). */
  resetCounter(accountId: string, counter: FailureCounter, now: Date): Promise<void>;
  /** Lock the account (status `locked`, reason, time). Returns the updated account or null if missing. */
  lockAccount(accountId: string, reason: LockReason, now: Date): Promise<Account | null>;
  /** Unlock: status back to `active` (or `pending` when no password was ever set), counters to 0. */
  unlockAccount(accountId: string, now: Date): Promise<Account | null>;
  /**
   * Accept a TOTP step only if it is later than the last accepted one (replay protection), atomically.
   * Returns false when `step` was already used (or an earlier one).
   */
  advanceTotpStep(accountId: string, step: number, now: Date): Promise<boolean>;

  // terminals (端末)
  /** Assigns the next terminal number of the account (1, 2, …; numbers are never reused). */
  createTerminal(terminal: NewTerminal, now: Date): Promise<Terminal>;
  getTerminal(id: string): Promise<Terminal | null>;
  /** Terminals of the account ordered by number; deleted ones only with `includeDeleted`. */
  listTerminals(accountId: string, options?: { includeDeleted?: boolean }): Promise<Terminal[]>;
  updateTerminal(id: string, patch: TerminalPatch, now: Date): Promise<Terminal | null>;
  /** Drop pending downloads (sealed PKCS#12 + password) that expired at or before `now`; returns how many. */
  clearExpiredDownloads(now: Date): Promise<number>;

  // certificates
  /**
   * Record a newly issued certificate for a terminal in one unit: insert the certificate, mark the
   * terminal's previous current certificate `superseded` (with revokedAt = now), point the terminal at
   * the new serial and set its pending download.
   */
  saveIssuedCertificate(issued: IssuedCertificate, now: Date): Promise<Certificate>;
  getCertificate(serial: string): Promise<Certificate | null>;
  getCertificateByFingerprint(fingerprintS256: string): Promise<Certificate | null>;
  listCertificates(query: {
    accountId?: string;
    terminalId?: string;
    status?: Certificate['status'];
  }): Promise<Certificate[]>;
  /** Revoke an active certificate; returns null if it does not exist, the record unchanged if not active. */
  revokeCertificate(serial: string, reason: string, now: Date): Promise<Certificate | null>;
  /** Revoked and superseded certificates that have not expired at `now`: the CRL's content. */
  listRevokedCertificates(now: Date): Promise<Certificate[]>;
  /** How many active certificates expire after `now` and no later than `before` (for monitoring). */
  countCertificatesExpiring(now: Date, before: Date): Promise<number>;

  // one-time tickets
  createTicket(ticket: NewTicket, now: Date): Promise<Ticket>;
  getTicketByTokenHash(tokenHash: string): Promise<Ticket | null>;
  /**
   * Mark the ticket used if it is unused and not expired at `now` — one conditional update, so of
   * concurrent callers exactly one gets true.
   */
  consumeTicket(id: string, now: Date): Promise<boolean>;
  /** Like reserveAttempt, on the ticket's own failedAttempts (e.g. download password tries). */
  reserveTicketAttempt(id: string, max: number): Promise<AttemptReservation>;
  /** Expire every unused ticket of the account with this purpose (when a new one replaces them). */
  invalidateTickets(accountId: string, purpose: Ticket['purpose'], now: Date): Promise<number>;
  /** Delete tickets expired before `before`; returns the number deleted. */
  purgeExpiredTickets(before: Date): Promise<number>;

  // multi-step use cases
  /**
   * Apply a WorkUnit whole, or nothing: false (nothing written) when its ticket is used or expired or
   * its account is not `whileStatus`. SQLite: one transaction, so a crash leaves nothing. MongoDB
   * (no transaction spans these writes): the ticket is claimed first and consumed last, and the
   * account patched just before; a unit cut off by a crash leaves the ticket unused, so after the
   * claim lapses (WORK_CLAIM_MS) the same link runs the whole use case again (its new certificates
   * supersede the partial ones). Mail is enqueued by the unit; wake the worker afterwards.
   */
  commitWork(unit: WorkUnit, now: Date): Promise<boolean>;

  // login history (ログイン履歴)
  addLoginEvent(event: NewLoginEvent): Promise<LoginEvent>;
  /** Newest first. */
  listLoginEvents(query: LoginEventQuery): Promise<Page<LoginEvent>>;
  /** Events before `before` of one tenant, of none (`null`: the tenant was never known), or of all. */
  purgeLoginEvents(before: Date, tenantId?: string | null): Promise<number>;

  // audit
  addAuditEvent(event: NewAuditEvent): Promise<AuditEvent>;
  /** Newest first. */
  listAuditEvents(query: AuditQuery): Promise<Page<AuditEvent>>;

  // mail outbox
  enqueueMail(mail: NewMail, now: Date): Promise<OutboxMail>;
  /**
   * Claim up to `limit` mails that are `pending` with nextAttemptAt <= now, or `sending` whose claim
   * expired (a crashed worker). Sets status `sending`, claimedBy, claimedUntil = now + leaseMs and
   * increments attempts. Two workers never claim the same mail.
   */
  claimMail(workerId: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMail[]>;
  /** `sent`, and the body dropped in the same update: a delivered mail keeps only its metadata. */
  markMailSent(id: string, workerId: string, now: Date): Promise<boolean>;
  /**
   * Back to `pending` at `retryAt`, or `failed` for good when retryAt is null — then the body is
   * dropped in the same update, as it will never be sent.
   */
  markMailFailed(
    id: string,
    workerId: string,
    error: string,
    retryAt: Date | null,
    now: Date,
  ): Promise<boolean>;
  listMail(query: {
    status?: OutboxMail['status'];
    to?: string;
    offset?: number;
    limit?: number;
  }): Promise<Page<OutboxMail>>;
  /**
   * Compare-and-set of an unsettled mail's body: replaced only while the mail is pending or sending
   * and its text is still `current`, so a body a worker has meanwhile settled is never written back.
   */
  replaceMailBody(id: string, current: MailBody, next: MailBody): Promise<boolean>;
  /** Drop the body of every settled (sent or failed) mail that still has one; returns how many. */
  redactSettledMail(): Promise<number>;
  /** Delete settled (sent or failed) mail created before `before`; returns how many. */
  purgeSettledMail(before: Date): Promise<number>;

  // rate limits (one counter per fixed window, shared by every process on the store)
  /** Increment the bucket's counter (creating it to expire at `expiresAt`) and return the new count. */
  hitRateLimit(key: string, expiresAt: Date, now: Date): Promise<number>;
  /** The bucket's count without changing it; 0 when there is none or it has expired. */
  countRateLimit(key: string, now: Date): Promise<number>;

  // admin API keys
  createApiKey(key: NewApiKey, now: Date): Promise<ApiKey>;
  getApiKeyByHash(keyHash: string): Promise<ApiKey | null>;
  listApiKeys(): Promise<ApiKey[]>;
  revokeApiKey(id: string, now: Date): Promise<boolean>;

  // oidc-provider artifacts (model = 'Session', 'AccessToken', 'Grant', 'Interaction', …)
  oidcUpsert(
    model: string,
    id: string,
    payload: OidcPayload,
    expiresInSeconds: number | undefined,
    now: Date,
  ): Promise<void>;
  /** Returns null once expired at `now`. */
  oidcFind(model: string, id: string, now: Date): Promise<OidcPayload | null>;
  oidcFindByUid(model: string, uid: string, now: Date): Promise<OidcPayload | null>;
  oidcFindByUserCode(model: string, userCode: string, now: Date): Promise<OidcPayload | null>;
  /** Sets payload.consumed = epoch seconds of `now`. */
  oidcConsume(model: string, id: string, now: Date): Promise<void>;
  oidcDestroy(model: string, id: string): Promise<void>;
  oidcRevokeByGrantId(grantId: string): Promise<void>;
  /** Remove expired artifacts (Mongo does it by TTL index; SQLite by this sweep). */
  oidcPurgeExpired(now: Date): Promise<number>;
}
