/** What the admin API shows of each record: never hashes, sealed secrets or key material. */
import type { Account, Certificate, OidcClientRecord, OutboxMail, Tenant, Terminal } from '../domain.js';
import { brandUrls } from '../http/brand-routes.js';
import { PKCE_REQUIRED_PROPERTY, TLS_SUBJECT_PROPERTIES, pkceRequired } from '../policy/client-auth.js';

/** A page of records, each as its view shows it. */
export const pageView = <T, V>(page: { items: T[]; total: number }, view: (item: T) => V) => ({
  items: page.items.map((item) => view(item)),
  total: page.total,
});

/** The logo as what it is and where it is served, not its bytes (listed with every tenant). */
function brandingView(t: Tenant) {
  const { logo, ...rest } = t.policy.branding;
  if (!logo) return rest;
  const bytes = Buffer.byteLength(logo.data, 'base64');
  return { ...rest, logo: { contentType: logo.contentType, bytes, url: brandUrls(t).logo } };
}

export const tenantView = (t: Tenant) => ({
  id: t.id,
  name: t.name,
  supportContact: t.supportContact,
  policy: { ...t.policy, branding: brandingView(t) },
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

export const clientView = (c: OidcClientRecord) => ({
  clientId: c.clientId,
  tenantId: c.tenantId,
  name: c.metadata.client_name,
  redirectUris: c.metadata.redirect_uris,
  postLogoutRedirectUris: c.metadata.post_logout_redirect_uris,
  tokenEndpointAuthMethod: c.metadata.token_endpoint_auth_method ?? 'client_secret_basic',
  pkceRequired: pkceRequired(
    c.metadata.token_endpoint_auth_method as string | undefined,
    c.metadata[PKCE_REQUIRED_PROPERTY],
  ),
  certificateBoundAccessTokens: c.metadata.tls_client_certificate_bound_access_tokens === true,
  ...(c.metadata.jwks_uri ? { jwksUri: c.metadata.jwks_uri } : {}),
  ...(c.metadata.jwks ? { jwks: c.metadata.jwks } : {}),
  ...tlsSubjectView(c.metadata),
  firstParty: c.firstParty,
  createdAt: c.createdAt,
});

const tlsSubjectView = (metadata: Record<string, unknown>) => {
  const property = TLS_SUBJECT_PROPERTIES.find((p) => typeof metadata[p] === 'string');
  return property ? { tlsClientAuth: { property, value: metadata[property] as string } } : {};
};

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
