/**
 * Domain records shared by services, adapters and pages. Plain data: no driver types, no methods.
 * Every timestamp is a `Date` in UTC; adapters convert to and from their own representation.
 */
import type { TenantPolicy } from './policy/tenant-policy.js';

export type AccountStatus = 'pending' | 'active' | 'locked';
export type LockReason = 'password' | 'secret_answer' | 'enrollment_otp' | 'admin';
export type LoginMethod = 'password' | 'password_otp';
export type TerminalType = 'pc' | 'mobile' | 'smartphone';
export type CertificateStatus = 'active' | 'revoked' | 'superseded';
export type TicketPurpose = 'enroll' | 'password_reissue' | 'cert_reissue' | 'cert_download';
/** Account failure counters, each with its own policy threshold and lock reason. */
export type FailureCounter = 'password' | 'secret_answer' | 'enrollment_otp';

export interface Tenant {
  id: string;
  name: string;
  /** Shown on lock pages: whom to contact (the website's support desk). */
  supportContact: string;
  policy: TenantPolicy;
  createdAt: Date;
  updatedAt: Date;
}

export interface Account {
  /** Opaque, stable identifier; the OIDC `sub`. */
  id: string;
  tenantId: string;
  /** Login name such as `p-01-usr012`; unique platform-wide. */
  userId: string;
  /** The person's name as the website knows it (the `name` claim of the `profile` scope); optional. */
  displayName: string | null;
  status: AccountStatus;
  lockReason: LockReason | null;
  lockedAt: Date | null;
  passwordHash: string | null;
  passwordChangedAt: Date | null;
  /** Previous password hashes, newest first (bounded by policy). */
  passwordHistory: string[];
  mustChangePassword: boolean;
  failedPasswordCount: number;
  failedSecretAnswerCount: number;
  failedEnrollmentOtpCount: number;
  secretQuestionId: string | null;
  secretAnswerHash: string | null;
  loginMethod: LoginMethod;
  /** TOTP secret, encrypted at rest (see src/crypto/secret-box.ts). */
  totpSecretEnc: string | null;
  /** Last accepted TOTP time step, so the same code is never accepted twice. */
  totpLastStep: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PendingDownload {
  /** PKCS#12 bytes, encrypted at rest with the data key (base64 of the sealed box). */
  p12Enc: string;
  /** The download password, encrypted at rest: the account page shows it while a download is pending. */
  passwordEnc: string;
  expiresAt: Date;
}

export interface Terminal {
  id: string;
  accountId: string;
  /** 端末No: 1, 2, … per account, never reused. */
  number: number;
  email: string;
  type: TerminalType;
  currentCertificateSerial: string | null;
  pendingDownload: PendingDownload | null;
  deleted: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface Certificate {
  /** Lower-case hex, no separators; unique. */
  serial: string;
  accountId: string;
  terminalId: string;
  subjectCn: string;
  /** SHA-256 of the DER certificate, lower-case hex; unique. */
  fingerprintS256: string;
  notBefore: Date;
  notAfter: Date;
  status: CertificateStatus;
  revokedAt: Date | null;
  revocationReason: string | null;
  pem: string;
  createdAt: Date;
}

/** Stable result codes of a login attempt (ログイン結果). */
export type LoginResult =
  | 'success'
  | 'cert_missing'
  | 'cert_invalid'
  | 'cert_revoked'
  | 'cert_unknown'
  /** A certificate of this CA and a standing account, but of another tenant than the website's. */
  | 'cert_wrong_site'
  | 'user_mismatch'
  | 'bad_password'
  | 'locked'
  | 'otp_failed'
  | 'password_changed'
  | 'rate_limited';

export interface LoginEvent {
  id: string;
  accountId: string | null;
  tenantId: string | null;
  at: Date;
  sourceIp: string;
  result: LoginResult;
  clientId: string | null;
  userAgent: string | null;
  certSerial: string | null;
}

export interface Ticket {
  id: string;
  purpose: TicketPurpose;
  /** SHA-256 (hex) of the token in the link; the token itself is never stored. */
  tokenHash: string;
  accountId: string;
  terminalId: string | null;
  /** Optional second factor bound to the ticket (e.g. argon2id of the enrollment one-time password). */
  secretHash: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  /** When a newer ticket of the same purpose replaced this one (it expired then too); else null. */
  replacedAt: Date | null;
  failedAttempts: number;
  createdAt: Date;
}

export interface OidcClientRecord {
  clientId: string;
  tenantId: string;
  /** oidc-provider client metadata (client_secret, redirect_uris, …) as given by the operator. */
  metadata: Record<string, unknown>;
  /** First-party clients skip the consent prompt. */
  firstParty: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface AuditEvent {
  id: string;
  at: Date;
  /** `system`, `admin:<key id>`, `user:<account id>`, `cli`. */
  actor: string;
  action: string;
  tenantId: string | null;
  accountId: string | null;
  sourceIp: string | null;
  details: Record<string, unknown>;
}

export type MailStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface OutboxMail {
  id: string;
  to: string;
  /** Fixed text per template and locale (no per-recipient data), so it is kept in clear for listings. */
  subject: string;
  /**
   * The body parts as the Mailer stored them: sealed with the data key, bound to this mail's id (see
   * mail/sealing.ts); the store keeps them opaque. Both null once the mail is settled (sent or failed
   * for good): nothing that could enroll or recover an account outlives its delivery.
   */
  text: string | null;
  html: string | null;
  /** Template name, for listing and audit (never the body). */
  template: string;
  status: MailStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  claimedBy: string | null;
  claimedUntil: Date | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface ApiKey {
  id: string;
  /** SHA-256 (hex) of the key; the key is shown once at creation. */
  keyHash: string;
  label: string;
  /** The one tenant this key may act on (a website operator's key), or null for the whole platform. */
  tenantId: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}
