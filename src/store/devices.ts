/** Roles: terminals (端末) and the certificates issued to them. */
import type { Account, Certificate, PendingDownload, Tenant, Terminal, TerminalType } from '../domain.js';

export interface NewTerminal {
  id: string;
  accountId: string;
  email: string;
  type: TerminalType;
}

export type TerminalPatch = Partial<Pick<Terminal, 'email' | 'type' | 'deleted' | 'pendingDownload'>>;

export type NewCertificate = Omit<Certificate, 'status' | 'revokedAt' | 'revocationReason' | 'createdAt'>;

/**
 * What a CRL lists of a revoked or superseded certificate. Its PEM stays in the store: a CRL re-sign
 * reads thousands of them on the event loop (SQLite: ~30 ms for 5,000 rows with the PEM, ~6 without).
 */
export type RevokedCertificate = Pick<Certificate, 'serial' | 'revokedAt' | 'revocationReason'>;

export interface IssuedCertificate {
  certificate: NewCertificate;
  /** The PKCS#12 waiting for download, or null when the key never left the device (CSR). */
  pendingDownload: PendingDownload | null;
}

/** A stored issuance and what it superseded: serials a CRL must now list (none for a first one). */
export interface SavedCertificate {
  certificate: Certificate;
  superseded: string[];
}

export interface TerminalStore {
  /** Assigns the next terminal number of the account (1, 2, …; numbers are never reused). */
  createTerminal(terminal: NewTerminal, now: Date): Promise<Terminal>;
  getTerminal(id: string): Promise<Terminal | null>;
  /** Terminals of the account ordered by number; deleted ones only with `includeDeleted`. */
  listTerminals(accountId: string, options?: { includeDeleted?: boolean }): Promise<Terminal[]>;
  updateTerminal(id: string, patch: TerminalPatch, now: Date): Promise<Terminal | null>;
  /** Drop pending downloads (sealed PKCS#12 + password) that expired at or before `now`; returns how many. */
  clearExpiredDownloads(now: Date): Promise<number>;
}

/** A certificate with what it stands for, as stored now; null where the record is missing. */
export interface CertificateStanding {
  certificate: Certificate;
  terminal: Terminal | null;
  account: Account | null;
  /** The account's tenant. */
  tenant: Tenant | null;
}

export interface CertificateStore {
  /**
   * Record a newly issued certificate for a terminal in one unit: insert the certificate, mark the
   * terminal's previous current certificate `superseded` (with revokedAt = now), point the terminal at
   * the new serial and set its pending download. Returns the serials it marked superseded (only an
   * active one is: a revoked one is listed already), so the caller re-signs the CRL only then.
   * `syncWithAuditEvent`: the caller records the issuance's audit event before it hands anything out,
   * so the save need not reach the disk on its own: that event's durable write takes it along (SQLite:
   * adapters/sqlite/durability.ts; each MongoDB write is acknowledged as it stands).
   */
  saveIssuedCertificate(
    issued: IssuedCertificate,
    now: Date,
    options?: { syncWithAuditEvent?: boolean },
  ): Promise<SavedCertificate>;
  getCertificate(serial: string): Promise<Certificate | null>;
  getCertificateByFingerprint(fingerprintS256: string): Promise<Certificate | null>;
  /**
   * The certificate with this fingerprint with its terminal, account and tenant in one indexed read
   * (the binding rule asks on every login step and token use); null when there is no such certificate.
   */
  findCertificateStanding(fingerprintS256: string): Promise<CertificateStanding | null>;
  listCertificates(query: {
    accountId?: string;
    terminalId?: string;
    status?: Certificate['status'];
  }): Promise<Certificate[]>;
  /** Revoke an active certificate; returns null if it does not exist, the record unchanged if not active. */
  revokeCertificate(serial: string, reason: string, now: Date): Promise<Certificate | null>;
  /** Revoked and superseded certificates that have not expired at `now`: the CRL's content. */
  listRevokedCertificates(now: Date): Promise<RevokedCertificate[]>;
  /** How many active certificates expire after `now` and no later than `before` (for monitoring). */
  countCertificatesExpiring(now: Date, before: Date): Promise<number>;
  /** Active certificates that expire after `now` and no later than `before`, soonest first. */
  listCertificatesExpiring(now: Date, before: Date): Promise<Certificate[]>;
  /**
   * Claim the expiry reminder `days` before the end of an active certificate: true for exactly one
   * caller per certificate and threshold (a conditional update), also for a smaller threshold after a
   * larger one; false once this or a smaller threshold was claimed, or when not active or missing.
   * The claim lives on the certificate, so a re-issued one (new serial) starts fresh.
   */
  claimExpiryReminder(serial: string, days: number): Promise<boolean>;
}
