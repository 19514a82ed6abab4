/**
 * The login step machine as one service: certificate → ID/password → (forced password change) →
 * (authenticator set-up) → (one-time password) → done. Which step follows is decided once, by the pure
 * `policy/login-steps.ts`; the checks are `LoginService` (counted, audited) and `TotpService`. The
 * routes (interactions/login-routes.ts) only translate HTTP: they load and save the state, render the
 * step it names, and hand a finished login to oidc-provider. Who may log in at all — the certificate,
 * its account and the client's tenant — is the binding rule's (`BindingGuard`), asked before any step.
 */
import type { Account, Tenant } from '../domain.js';
import type { Standing } from '../policy/binding.js';
import {
  acrValuesOf,
  authenticationContext,
  changeReason,
  nextStep,
  otpAvailable,
  requestedLevel,
  type ChangeReason,
  type LoginStep,
  type StepFacts,
} from '../policy/login-steps.js';
import type { PasswordViolation } from '../policy/password.js';
import { newToken } from '../random.js';
import type { AttemptContext, FailureOutcome, LoginService } from './login.js';
import type { TotpService } from './totp.js';

/** Server-side state of one login (never trusted from the browser). */
export interface LoginState {
  csrf: string;
  /** The certificate that started this login; every later request must present the same one. */
  certFingerprint: string;
  certSerial: string;
  accountId: string;
  terminalId: string;
  step: LoginStep;
  changeReason: ChangeReason | null;
  otpRequested: boolean;
  /** Sealed TOTP secret being set up (step `otp_setup`), activated by its first correct code. */
  pendingTotpSecretEnc?: string | null;
  /** The forced change's new password, hashed: put in force only when the whole login succeeds. */
  pendingPasswordHash?: string | null;
}

/** What a submitted step leads to. */
export type StepResult =
  /** Go on to `state.step` (the caller saves the state and shows that step). */
  | { kind: 'next'; state: LoginState }
  /** Every step passed: the caller completes the login with `complete`. */
  | { kind: 'done'; state: LoginState; account: Account; usedOtp: boolean }
  /** A counted failure (or the lock it reached); `errorKey` names the message. */
  | { kind: 'failed'; outcome: FailureOutcome; errorKey: string }
  /** The new password breaks the rules; nothing changed. */
  | { kind: 'invalid'; violations: PasswordViolation[] }
  /** The relying party asked for the OTP level and the account has no authenticator. */
  | { kind: 'unavailable' };

/** What a step without a form of rules (password, OTP) leads to. */
export type Progress = Exclude<StepResult, { kind: 'invalid' }>;

type Completed = 'password' | 'change_password' | 'otp';

export class LoginFlow {
  readonly #login: LoginService;
  readonly #totp: Pick<TotpService, 'begin' | 'activate'>;

  constructor(deps: { login: LoginService; totp: Pick<TotpService, 'begin' | 'activate'> }) {
    this.#login = deps.login;
    this.#totp = deps.totp;
  }

  /** A new login for the certificate's account, at the level the relying party's `acr_values` asks. */
  begin(identity: Standing, acrValues: unknown): LoginState {
    return {
      csrf: newToken(24),
      certFingerprint: identity.certificate.fingerprintS256,
      certSerial: identity.certificate.serial,
      accountId: identity.account.id,
      terminalId: identity.terminal.id,
      step: 'password',
      changeReason: null,
      otpRequested: requestedLevel(acrValuesOf(acrValues), identity.account) !== 'password',
    };
  }

  async password(
    state: LoginState,
    identity: Standing,
    typed: { userId: string; password: string },
    attempt: AttemptContext,
  ): Promise<Progress> {
    const { account, tenant } = identity;
    const outcome = await this.#login.verifyPassword(account, tenant, typed.userId, typed.password, attempt);
    if (outcome.kind !== 'ok') return { kind: 'failed', outcome, errorKey: 'login.failed' };
    const facts: StepFacts = { ...outcome.facts, otpRequested: state.otpRequested };
    return this.#advance({ ...state, changeReason: changeReason(facts) }, facts, 'password');
  }

  /** The forced change: checked and hashed now, in force only when the login completes. */
  async changePassword(
    state: LoginState,
    identity: Standing,
    form: { password: string; confirmation: string },
  ): Promise<StepResult> {
    const { account, tenant } = identity;
    const prepared = await this.#login.preparePasswordChange(
      account,
      tenant,
      form.password,
      form.confirmation,
    );
    if (prepared.kind === 'invalid') return prepared;
    const facts: StepFacts = {
      account: { ...account, mustChangePassword: false },
      passwordExpired: false,
      otpRequested: state.otpRequested,
    };
    return this.#advance({ ...state, pendingPasswordHash: prepared.hash }, facts, 'change_password');
  }

  async otp(state: LoginState, identity: Standing, code: string, attempt: AttemptContext): Promise<Progress> {
    const outcome = await this.#login.verifyOtp(identity.account, identity.tenant, code, attempt);
    if (outcome.kind !== 'ok') return { kind: 'failed', outcome, errorKey: otpErrorKey(outcome) };
    const facts: StepFacts = {
      account: identity.account,
      passwordExpired: false,
      otpRequested: state.otpRequested,
    };
    return this.#advance(state, facts, 'otp');
  }

  /** The authenticator of a `password_otp` account set up at its first login: its first correct code. */
  async otpSetup(
    state: LoginState,
    identity: Standing,
    code: string,
    attempt: AttemptContext,
  ): Promise<Progress> {
    const activated = state.pendingTotpSecretEnc
      ? await this.#totp.activate(identity.account, state.pendingTotpSecretEnc, code)
      : null;
    if (!activated) {
      await this.#login.recordEvent('otp_failed', identity.account, attempt);
      return { kind: 'failed', outcome: { kind: 'failed', remaining: null }, errorKey: 'otp.failed' };
    }
    return { kind: 'done', state, account: activated, usedOtp: true };
  }

  /**
   * A finished login: the pending password change put in force, the success recorded; returns what the
   * tokens will say of it.
   */
  async complete(
    done: Extract<StepResult, { kind: 'done' }>,
    tenant: Tenant,
    attempt: AttemptContext,
  ): Promise<{ amr: string[]; acr: string }> {
    const { state, account } = done;
    if (state.pendingPasswordHash) {
      await this.#login.applyPasswordChange(account, tenant, state.pendingPasswordHash, `user:${account.id}`);
      await this.#login.recordEvent('password_changed', account, attempt);
    }
    await this.#login.recordEvent('success', account, attempt);
    return authenticationContext(done.usedOtp);
  }

  #advance(state: LoginState, facts: StepFacts, completed: Completed): Progress {
    const step = nextStep(completed, facts);
    const account = facts.account as Account;
    if (step === 'otp' && !otpAvailable(facts)) return { kind: 'unavailable' };
    if (step === 'done') return { kind: 'done', state, account, usedOtp: completed === 'otp' };
    const pendingTotpSecretEnc = step === 'otp_setup' ? this.#totp.begin(account) : null;
    return { kind: 'next', state: { ...state, step, pendingTotpSecretEnc } };
  }
}

/** The error of a refused one-time password: a right code already used is said to be so. */
export function otpErrorKey(outcome: FailureOutcome): string {
  return outcome.kind === 'failed' && outcome.reused ? 'otp.reused' : 'otp.failed';
}
