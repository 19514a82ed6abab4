/**
 * The one binding rule of Tobira, pure: a login is bound to one certificate, that certificate to one
 * account, the account to one tenant, and a client serves one tenant (the built-in account pages serve
 * every tenant). Every path that can mint a code, a token or a page of someone's account asks this
 * (through `BindingGuard`): the authorization endpoint with or without a session, the token, userinfo
 * and introspection endpoints, the account-pages callback and every account page.
 */
import type { Account, Certificate, LoginResult, Tenant, Terminal } from '../domain.js';

/** Why a binding does not hold; the certificate reasons are those of the login's certificate step. */
export type BindingFailure =
  | 'cert_missing'
  | 'cert_invalid'
  | 'cert_unknown'
  | 'cert_revoked'
  /** Another certificate than the one the session (or code, or token) was bound to. */
  | 'cert_changed'
  /** Nothing records which certificate signed this session in (expired or never bound): fail closed. */
  | 'unbound'
  | 'account_locked'
  | 'account_inactive'
  /** The certificate's tenant is not the client's. */
  | 'wrong_site';

/** What the certificate proves, as the store knows it now. */
export interface Standing {
  certificate: Certificate;
  terminal: Terminal;
  account: Account;
  tenant: Tenant;
}

export interface BindingFacts {
  /** The certificate's standing, or why it has none. */
  standing: { ok: true; value: Standing } | { ok: false; reason: BindingFailure };
  /** The certificate the session / code / token was bound to at login; undefined for a login not yet made. */
  boundFingerprint?: string | null;
  /** The account the session / code / token names; undefined for a login not yet made. */
  accountId?: string;
  /** The tenant the client serves; null for a client serving every tenant; undefined: unknown client. */
  clientTenantId: string | null | undefined;
}

/** A refusal keeps the standing when the certificate itself stood (the locked page names the support desk). */
export type BindingVerdict =
  { ok: true; standing: Standing } | { ok: false; reason: BindingFailure; standing?: Standing };

export function checkBinding(facts: BindingFacts): BindingVerdict {
  if (facts.boundFingerprint === null) return { ok: false, reason: 'unbound' };
  if (!facts.standing.ok) return { ok: false, reason: facts.standing.reason };
  const standing = facts.standing.value;
  if (facts.boundFingerprint !== undefined && standing.certificate.fingerprintS256 !== facts.boundFingerprint)
    return { ok: false, reason: 'cert_changed' };
  if (facts.accountId !== undefined && standing.account.id !== facts.accountId)
    return { ok: false, reason: 'cert_changed' };
  if (
    facts.clientTenantId === undefined ||
    (facts.clientTenantId && facts.clientTenantId !== standing.tenant.id)
  )
    return { ok: false, reason: 'wrong_site' };
  if (standing.account.status === 'locked') return { ok: false, reason: 'account_locked', standing };
  if (standing.account.status !== 'active') return { ok: false, reason: 'account_inactive', standing };
  return { ok: true, standing };
}

/** The login event a refusal is recorded as (ログイン結果). */
export function loginResultOf(reason: BindingFailure): LoginResult {
  switch (reason) {
    case 'account_locked':
      return 'locked';
    case 'account_inactive':
      return 'cert_revoked';
    case 'cert_missing':
    case 'cert_invalid':
    case 'cert_revoked':
    case 'cert_unknown':
      return reason;
    case 'wrong_site':
      return 'cert_wrong_site';
    default:
      return 'cert_unknown';
  }
}
