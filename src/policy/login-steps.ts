/**
 * The login step machine, pure: which step follows a completed one. Steps run in this order:
 * certificate → password → (forced password change) → (authenticator set-up) → (one-time password) → done.
 * Set-up happens only for accounts whose own method is `password_otp` and that have no TOTP yet; an
 * RP asking for the OTP level for an account without one gets an error instead.
 */
import type { Account } from '../domain.js';

export type LoginStep = 'password' | 'change_password' | 'otp_setup' | 'otp' | 'done';
export type ChangeReason = 'expired' | 'must_change';

export const ACR = {
  password: 'urn:tobira:acr:x509-pwd',
  otp: 'urn:tobira:acr:x509-pwd-otp',
} as const;

export interface StepFacts {
  account: Pick<Account, 'loginMethod' | 'mustChangePassword' | 'totpSecretEnc'>;
  passwordExpired: boolean;
  /** The RP asked for the OTP level with acr_values. */
  otpRequested: boolean;
}

export function changeReason(facts: StepFacts): ChangeReason | null {
  if (facts.account.mustChangePassword) return 'must_change';
  if (facts.passwordExpired) return 'expired';
  return null;
}

/**
 * The level a relying party's `acr_values` asks of this account. The values are a preference list
 * (OIDC Core 3.1.2.1): the first one Tobira can deliver wins, unknown values are skipped. An account
 * whose own method is `password_otp` always gets the OTP level. `unavailable`: only the OTP level was
 * asked for and the account has no authenticator — the login answers `unmet_authentication_requirements`.
 */
export function requestedLevel(
  acrValues: readonly string[],
  account: Pick<Account, 'loginMethod' | 'totpSecretEnc'>,
): 'password' | 'otp' | 'unavailable' {
  if (account.loginMethod === 'password_otp') return 'otp';
  const known = acrValues.filter((value) => value === ACR.password || value === ACR.otp);
  if (known.length === 0) return 'password';
  for (const value of known) {
    if (value === ACR.password) return 'password';
    if (account.totpSecretEnc !== null) return 'otp';
  }
  return 'unavailable';
}

/** `acr_values` as sent: space-separated. */
export const acrValuesOf = (param: unknown): string[] =>
  typeof param === 'string' ? param.split(' ').filter(Boolean) : [];

export function otpRequired(facts: StepFacts): boolean {
  return facts.account.loginMethod === 'password_otp' || facts.otpRequested;
}

/** Can the OTP level be delivered at all? An RP asking for it for an account with no TOTP cannot get it. */
export function otpAvailable(facts: StepFacts): boolean {
  return facts.account.totpSecretEnc !== null;
}

export function nextStep(completed: Exclude<LoginStep, 'done'>, facts: StepFacts): LoginStep {
  if (completed === 'password' && changeReason(facts)) return 'change_password';
  if ((completed === 'password' || completed === 'change_password') && otpRequired(facts)) {
    return !otpAvailable(facts) && facts.account.loginMethod === 'password_otp' ? 'otp_setup' : 'otp';
  }
  return 'done';
}

/**
 * RFC 8176 method references: `swk` (proof of possession of a software-held key — the client
 * certificate's, imported as PKCS#12 or made on the device from a CSR; Tobira cannot attest hardware),
 * `pwd`, `otp`; and `mfa`, since the certificate and the password are already two factors.
 */
export function authenticationContext(usedOtp: boolean): { amr: string[]; acr: string } {
  return usedOtp
    ? { amr: ['swk', 'pwd', 'otp', 'mfa'], acr: ACR.otp }
    : { amr: ['swk', 'pwd', 'mfa'], acr: ACR.password };
}
