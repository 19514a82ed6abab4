/** Lean MongoDB documents → the plain domain records of src/domain.ts (no mongoose types leak out). */
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

export type Doc = Record<string, unknown> & { _id: string };

const d = (v: unknown): Date => new Date(v as Date);
const dn = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(v as Date));
const sn = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
/** Deep copy of stored JSON-like values, so callers never share objects with the driver. */
const copy = <T>(v: unknown): T => structuredClone(v) as T;

export const toTenant = (x: Doc): Tenant => ({
  id: x._id,
  name: String(x.name),
  supportContact: String(x.supportContact),
  policy: parseTenantPolicy(copy(x.policy)),
  createdAt: d(x.createdAt),
  updatedAt: d(x.updatedAt),
});

export const toClient = (x: Doc): OidcClientRecord => ({
  clientId: x._id,
  tenantId: String(x.tenantId),
  metadata: copy(x.metadata),
  firstParty: Boolean(x.firstParty),
  createdAt: d(x.createdAt),
  updatedAt: d(x.updatedAt),
});

export const toAccount = (x: Doc): Account => ({
  id: x._id,
  tenantId: String(x.tenantId),
  userId: String(x.userId),
  status: x.status as Account['status'],
  lockReason: (x.lockReason ?? null) as Account['lockReason'],
  lockedAt: dn(x.lockedAt),
  passwordHash: sn(x.passwordHash),
  passwordChangedAt: dn(x.passwordChangedAt),
  passwordHistory: [...((x.passwordHistory as string[] | undefined) ?? [])],
  mustChangePassword: Boolean(x.mustChangePassword),
  failedPasswordCount: Number(x.failedPasswordCount ?? 0),
  failedSecretAnswerCount: Number(x.failedSecretAnswerCount ?? 0),
  failedEnrollmentOtpCount: Number(x.failedEnrollmentOtpCount ?? 0),
  secretQuestionId: sn(x.secretQuestionId),
  secretAnswerHash: sn(x.secretAnswerHash),
  loginMethod: x.loginMethod as Account['loginMethod'],
  totpSecretEnc: sn(x.totpSecretEnc),
  totpLastStep: x.totpLastStep === null || x.totpLastStep === undefined ? null : Number(x.totpLastStep),
  createdAt: d(x.createdAt),
  updatedAt: d(x.updatedAt),
});

export const toTerminal = (x: Doc): Terminal => {
  const p = x.pendingDownload as { p12Enc: string; passwordEnc: string; expiresAt: Date } | null | undefined;
  return {
    id: x._id,
    accountId: String(x.accountId),
    number: Number(x.number),
    email: String(x.email),
    type: x.type as Terminal['type'],
    currentCertificateSerial: sn(x.currentCertificateSerial),
    pendingDownload: p ? { p12Enc: p.p12Enc, passwordEnc: p.passwordEnc, expiresAt: d(p.expiresAt) } : null,
    deleted: Boolean(x.deleted),
    createdAt: d(x.createdAt),
    updatedAt: d(x.updatedAt),
  };
};

export const toCertificate = (x: Doc): Certificate => ({
  serial: x._id,
  accountId: String(x.accountId),
  terminalId: String(x.terminalId),
  subjectCn: String(x.subjectCn),
  fingerprintS256: String(x.fingerprintS256),
  notBefore: d(x.notBefore),
  notAfter: d(x.notAfter),
  status: x.status as Certificate['status'],
  revokedAt: dn(x.revokedAt),
  revocationReason: sn(x.revocationReason),
  pem: String(x.pem),
  createdAt: d(x.createdAt),
});

export const toTicket = (x: Doc): Ticket => ({
  id: x._id,
  purpose: x.purpose as Ticket['purpose'],
  tokenHash: String(x.tokenHash),
  accountId: String(x.accountId),
  terminalId: sn(x.terminalId),
  secretHash: sn(x.secretHash),
  expiresAt: d(x.expiresAt),
  usedAt: dn(x.usedAt),
  failedAttempts: Number(x.failedAttempts ?? 0),
  createdAt: d(x.createdAt),
});

export const toLoginEvent = (x: Doc): LoginEvent => ({
  id: x._id,
  accountId: sn(x.accountId),
  tenantId: sn(x.tenantId),
  at: d(x.at),
  sourceIp: String(x.sourceIp),
  result: x.result as LoginEvent['result'],
  clientId: sn(x.clientId),
  userAgent: sn(x.userAgent),
  certSerial: sn(x.certSerial),
});

export const toAuditEvent = (x: Doc): AuditEvent => ({
  id: x._id,
  at: d(x.at),
  actor: String(x.actor),
  action: String(x.action),
  tenantId: sn(x.tenantId),
  accountId: sn(x.accountId),
  sourceIp: sn(x.sourceIp),
  details: copy(x.details ?? {}),
});

export const toMail = (x: Doc): OutboxMail => ({
  id: x._id,
  to: String(x.to),
  subject: String(x.subject),
  text: String(x.text),
  html: sn(x.html),
  template: String(x.template),
  status: x.status as OutboxMail['status'],
  attempts: Number(x.attempts ?? 0),
  nextAttemptAt: d(x.nextAttemptAt),
  lastError: sn(x.lastError),
  claimedBy: sn(x.claimedBy),
  claimedUntil: dn(x.claimedUntil),
  createdAt: d(x.createdAt),
  sentAt: dn(x.sentAt),
});

export const toApiKey = (x: Doc): ApiKey => ({
  id: x._id,
  keyHash: String(x.keyHash),
  label: String(x.label),
  createdAt: d(x.createdAt),
  revokedAt: dn(x.revokedAt),
});
