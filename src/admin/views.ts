/** What the admin API shows of each record: never hashes, sealed secrets or key material. */
import type { Account, Certificate, OidcClientRecord, OutboxMail, Tenant, Terminal } from '../domain.js';

export const tenantView = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  supportContact: t.supportContact,
  policy: t.policy,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

export const clientView = (c: OidcClientRecord) => ({
  clientId: c.clientId,
  tenantId: c.tenantId,
  name: c.metadata.client_name,
  redirectUris: c.metadata.redirect_uris,
  firstParty: c.firstParty,
  createdAt: c.createdAt,
});

export const terminalView = (t: Terminal) => ({
  number: t.number,
  email: t.email,
  type: t.type,
  currentCertificateSerial: t.currentCertificateSerial,
  downloadPendingUntil: t.pendingDownload?.expiresAt ?? null,
  deleted: t.deleted,
});

export const accountView = (a: Account, terminals?: Terminal[]) => ({
  id: a.id,
  tenantId: a.tenantId,
  userId: a.userId,
  displayName: a.displayName,
  status: a.status,
  lockReason: a.lockReason,
  lockedAt: a.lockedAt,
  loginMethod: a.loginMethod,
  totpEnrolled: a.totpSecretEnc !== null,
  mustChangePassword: a.mustChangePassword,
  passwordChangedAt: a.passwordChangedAt,
  failedPasswordCount: a.failedPasswordCount,
  createdAt: a.createdAt,
  updatedAt: a.updatedAt,
  ...(terminals ? { terminals: terminals.map(terminalView) } : {}),
});

export const certificateView = (c: Certificate) => ({
  serial: c.serial,
  accountId: c.accountId,
  subjectCn: c.subjectCn,
  fingerprintS256: c.fingerprintS256,
  notBefore: c.notBefore,
  notAfter: c.notAfter,
  status: c.status,
  revokedAt: c.revokedAt,
  revocationReason: c.revocationReason,
});

export const mailView = (m: OutboxMail) => ({
  id: m.id,
  to: m.to,
  template: m.template,
  subject: m.subject,
  status: m.status,
  attempts: m.attempts,
  nextAttemptAt: m.nextAttemptAt,
  lastError: m.lastError,
  createdAt: m.createdAt,
  sentAt: m.sentAt,
});
