/** Row ↔ record mapping for the SQLite adapter. Rows are snake_case with epoch-millisecond integers. */
import type {
  Account,
  ApiKey,
  AuditEvent,
  Certificate,
  LoginEvent,
  OidcClientRecord,
  OutboxMail,
  Tenant,
  Terminal,
  Ticket,
} from '../../src/domain.js';
import { parseTenantPolicy } from '../../src/policy/tenant-policy.js';
import { parseOnce } from '../../src/store/parse-memo.js';
import type { AttemptReservation, RevokedCertificate } from '../../src/store.js';

export type Row = Record<string, unknown>;

export const ms = (d: Date | null | undefined): number | null => (d ? d.getTime() : null);
const date = (v: unknown): Date => new Date(v as number);
const dateOrNull = (v: unknown): Date | null =>
  v === null || v === undefined ? null : new Date(v as number);
const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));
const json = <T>(v: unknown): T => JSON.parse(v as string) as T;

/** Parsed once per stored text (the schema parse costs more than the read). */
const tenantPolicy = parseOnce((text) => parseTenantPolicy(json(text)));

export const toTenant = (r: Row): Tenant => ({
  id: str(r.id),
  name: str(r.name),
  supportContact: str(r.support_contact),
  policy: tenantPolicy(str(r.policy)),
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
});

export const toClient = (r: Row): OidcClientRecord => ({
  clientId: str(r.client_id),
  tenantId: str(r.tenant_id),
  metadata: json(r.metadata),
  firstParty: r.first_party === 1,
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
});

export const toAccount = (r: Row): Account => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  userId: str(r.user_id),
  displayName: strOrNull(r.display_name),
  status: str(r.status) as Account['status'],
  lockReason: strOrNull(r.lock_reason) as Account['lockReason'],
  lockedAt: dateOrNull(r.locked_at),
  passwordHash: strOrNull(r.password_hash),
  passwordChangedAt: dateOrNull(r.password_changed_at),
  passwordHistory: json(r.password_history),
  mustChangePassword: r.must_change_password === 1,
  failedPasswordCount: r.failed_password as number,
  failedSecretAnswerCount: r.failed_secret_answer as number,
  failedEnrollmentOtpCount: r.failed_enrollment_otp as number,
  secretQuestionId: strOrNull(r.secret_question_id),
  secretAnswerHash: strOrNull(r.secret_answer_hash),
  loginMethod: str(r.login_method) as Account['loginMethod'],
  totpSecretEnc: strOrNull(r.totp_secret_enc),
  totpLastStep: (r.totp_last_step as number | null) ?? null,
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
});

export const toTerminal = (r: Row): Terminal => {
  const pending = r.pending_download
    ? json<{ p12Enc: string; passwordEnc: string; expiresAt: number }>(r.pending_download)
    : null;
  return {
    id: str(r.id),
    accountId: str(r.account_id),
    number: r.number as number,
    email: str(r.email),
    type: str(r.type) as Terminal['type'],
    currentCertificateSerial: strOrNull(r.current_certificate_serial),
    pendingDownload: pending
      ? { p12Enc: pending.p12Enc, passwordEnc: pending.passwordEnc, expiresAt: new Date(pending.expiresAt) }
      : null,
    deleted: r.deleted === 1,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
  };
};

export const pendingDownloadJson = (p: Terminal['pendingDownload']): string | null =>
  p
    ? JSON.stringify({ p12Enc: p.p12Enc, passwordEnc: p.passwordEnc, expiresAt: p.expiresAt.getTime() })
    : null;

export const toRevokedCertificate = (r: Row): RevokedCertificate => ({
  serial: str(r.serial),
  revokedAt: dateOrNull(r.revoked_at),
  revocationReason: strOrNull(r.revocation_reason),
});

export const toCertificate = (r: Row): Certificate => ({
  serial: str(r.serial),
  accountId: str(r.account_id),
  terminalId: str(r.terminal_id),
  subjectCn: str(r.subject_cn),
  fingerprintS256: str(r.fingerprint_s256),
  notBefore: date(r.not_before),
  notAfter: date(r.not_after),
  status: str(r.status) as Certificate['status'],
  revokedAt: dateOrNull(r.revoked_at),
  revocationReason: strOrNull(r.revocation_reason),
  pem: str(r.pem),
  createdAt: date(r.created_at),
});

export const toTicket = (r: Row): Ticket => ({
  id: str(r.id),
  purpose: str(r.purpose) as Ticket['purpose'],
  tokenHash: str(r.token_hash),
  accountId: str(r.account_id),
  terminalId: strOrNull(r.terminal_id),
  secretHash: strOrNull(r.secret_hash),
  expiresAt: date(r.expires_at),
  usedAt: dateOrNull(r.used_at),
  replacedAt: dateOrNull(r.replaced_at),
  failedAttempts: r.failed_attempts as number,
  createdAt: date(r.created_at),
});

export const toLoginEvent = (r: Row): LoginEvent => ({
  id: str(r.id),
  accountId: strOrNull(r.account_id),
  tenantId: strOrNull(r.tenant_id),
  at: date(r.at),
  sourceIp: str(r.source_ip),
  result: str(r.result) as LoginEvent['result'],
  clientId: strOrNull(r.client_id),
  userAgent: strOrNull(r.user_agent),
  certSerial: strOrNull(r.cert_serial),
});

export const toAuditEvent = (r: Row): AuditEvent => ({
  id: str(r.id),
  at: date(r.at),
  actor: str(r.actor),
  action: str(r.action),
  tenantId: strOrNull(r.tenant_id),
  accountId: strOrNull(r.account_id),
  sourceIp: strOrNull(r.source_ip),
  details: json(r.details),
});

export const toMail = (r: Row): OutboxMail => ({
  id: str(r.id),
  to: str(r.recipient),
  subject: str(r.subject),
  text: strOrNull(r.text),
  html: strOrNull(r.html),
  template: str(r.template),
  status: str(r.status) as OutboxMail['status'],
  attempts: r.attempts as number,
  nextAttemptAt: date(r.next_attempt_at),
  lastError: strOrNull(r.last_error),
  claimedBy: strOrNull(r.claimed_by),
  claimedUntil: dateOrNull(r.claimed_until),
  createdAt: date(r.created_at),
  sentAt: dateOrNull(r.sent_at),
});

export const toApiKey = (r: Row): ApiKey => ({
  id: str(r.id),
  keyHash: str(r.key_hash),
  label: str(r.label),
  tenantId: strOrNull(r.tenant_id),
  createdAt: date(r.created_at),
  revokedAt: dateOrNull(r.revoked_at),
});

/** `… RETURNING <counter> AS count` of a conditional increment: a row means the attempt was granted. */
export const reservation = (row: { count: number } | undefined): AttemptReservation =>
  row ? { ok: true, count: row.count } : { ok: false };
