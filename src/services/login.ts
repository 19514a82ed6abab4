/**
 * The login use case after the certificate identified the account: password, forced change, TOTP.
 * Counting is atomic in the store (reserve an attempt, then verify), so concurrent wrong guesses can
 * never exceed the policy's threshold; every attempt becomes a login event.
 */
import type { Clock } from '../clock.js';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Account, LoginResult, Tenant } from '../domain.js';
import { passwordExpired } from '../policy/expiry.js';
import { afterFailure } from '../policy/lockout.js';
import { type ChangeReason, type StepFacts } from '../policy/login-steps.js';
import { checkPassword, checkPasswordConfirmation, type PasswordViolation } from '../policy/password.js';
import { noMetrics, type LoginMetrics } from '../metrics.js';
import type { AccountStore, CounterStore, LoginHistoryStore, TerminalStore } from '../store.js';

/** What the login use case reads and counts in the store. */
type LoginStores = AccountStore & CounterStore & TerminalStore & LoginHistoryStore;
import { lockAccount } from './account-lock.js';
import type { AuditLog } from './audit.js';
import { matchingStep, totpSealPurpose } from './totp.js';

export interface AttemptContext {
  sourceIp: string;
  userAgent: string | null;
  clientId: string | null;
  certSerial: string | null;
}

export type FailureOutcome =
  /**
   * `remaining` is set only when the tenant shows the warning; `reused`: the one-time password was right
   * but already accepted once (it still counts as a failure).
   */
  { kind: 'failed'; remaining: number | null; reused?: boolean } | { kind: 'locked'; supportContact: string };

export type PasswordOutcome =
  { kind: 'ok'; account: Account; facts: Omit<StepFacts, 'otpRequested'> } | FailureOutcome;

export type ChangePasswordOutcome =
  { kind: 'ok'; account: Account } | { kind: 'invalid'; violations: PasswordViolation[] };

export class LoginService {
  readonly #store: LoginStores;
  readonly #hasher: PasswordHasher;
  readonly #box: SecretBox;
  readonly #clock: Clock;
  readonly #audit: AuditLog;
  readonly #metrics: LoginMetrics;

  constructor(deps: {
    store: LoginStores;
    hasher: PasswordHasher;
    box: SecretBox;
    clock: Clock;
    audit: AuditLog;
    metrics?: LoginMetrics;
  }) {
    this.#store = deps.store;
    this.#hasher = deps.hasher;
    this.#box = deps.box;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
    this.#metrics = deps.metrics ?? noMetrics;
  }

  async recordEvent(
    result: LoginResult,
    account: Pick<Account, 'id' | 'tenantId'> | null,
    attempt: AttemptContext,
  ): Promise<void> {
    await this.#store.addLoginEvent({
      accountId: account?.id ?? null,
      tenantId: account?.tenantId ?? null,
      at: this.#clock.now(),
      sourceIp: attempt.sourceIp,
      result,
      clientId: attempt.clientId,
      userAgent: attempt.userAgent,
      certSerial: attempt.certSerial,
    });
    this.#metrics.loginAttempt(result);
  }

  /**
   * The ID/password step for the account the certificate proved. A typed user ID of another account is
   * an ordinary failure on this one: the response is the same as for a wrong password.
   */
  async verifyPassword(
    account: Account,
    tenant: Tenant,
    typedUserId: string,
    password: string,
    attempt: AttemptContext,
  ): Promise<PasswordOutcome> {
    if (account.status === 'locked') return this.#locked(account, tenant, attempt, false);
    const max = tenant.policy.lockout.maxPasswordFailures;
    // Durable with the failure's login event (#failure, before any answer); a success resets it.
    const reservation = await this.#store.reserveAttempt(account.id, 'password', max, this.#clock.now(), {
      syncWithFailureEvent: true,
    });
    if (!reservation.ok) return this.#locked(account, tenant, attempt, true);

    const sameUser = typedUserId === account.userId;
    const valid =
      sameUser && account.passwordHash !== null
        ? await this.#hasher.verify(account.passwordHash, password)
        : await this.#hasher.dummyVerify(password);
    if (!valid) {
      return this.#failure(
        account,
        tenant,
        reservation.count,
        sameUser ? 'bad_password' : 'user_mismatch',
        attempt,
      );
    }

    await this.#store.resetCounter(account.id, 'password', this.#clock.now());
    const current = (await this.#rehashIfWeak(account, password)) ?? account;
    return {
      kind: 'ok',
      account: current,
      facts: {
        account: current,
        passwordExpired: passwordExpired(tenant.policy, current.passwordChangedAt, this.#clock.now()),
      },
    };
  }

  /** TOTP (RFC 6238, ±1 step); a code is accepted once; failures count toward the password lock. */
  async verifyOtp(
    account: Account,
    tenant: Tenant,
    code: string,
    attempt: AttemptContext,
  ): Promise<{ kind: 'ok' } | FailureOutcome> {
    if (account.status === 'locked') return this.#locked(account, tenant, attempt, false);
    const max = tenant.policy.lockout.maxPasswordFailures;
    // Durable with the failure's login event (#failure, before any answer); a success resets it.
    const reservation = await this.#store.reserveAttempt(account.id, 'password', max, this.#clock.now(), {
      syncWithFailureEvent: true,
    });
    if (!reservation.ok) return this.#locked(account, tenant, attempt, true);

    const step = this.#matchTotp(account, code);
    const fresh = step !== null && (await this.#store.advanceTotpStep(account.id, step, this.#clock.now()));
    if (!fresh) {
      const outcome = await this.#failure(account, tenant, reservation.count, 'otp_failed', attempt);
      return outcome.kind === 'failed' && step !== null ? { ...outcome, reused: true } : outcome;
    }
    await this.#store.resetCounter(account.id, 'password', this.#clock.now());
    return { kind: 'ok' };
  }

  /** A password change now (account pages): checked, then in force at once. */
  async changePassword(
    account: Account,
    tenant: Tenant,
    password: string,
    confirmation: string,
    actor: string,
  ): Promise<ChangePasswordOutcome> {
    const prepared = await this.preparePasswordChange(account, tenant, password, confirmation);
    if (prepared.kind === 'invalid') return prepared;
    return { kind: 'ok', account: await this.applyPasswordChange(account, tenant, prepared.hash, actor) };
  }

  /**
   * The forced change of the login (expiry or after re-issue), first half: policy and history checked,
   * the new password hashed — but not in force. The login applies it only when every later step (the
   * one-time password) has succeeded too, so an abandoned login changes nothing.
   */
  async preparePasswordChange(
    account: Account,
    tenant: Tenant,
    password: string,
    confirmation: string,
  ): Promise<{ kind: 'ok'; hash: string } | { kind: 'invalid'; violations: PasswordViolation[] }> {
    const violations = await this.passwordViolations(account, tenant, password, confirmation);
    if (violations.length) return { kind: 'invalid', violations };
    return { kind: 'ok', hash: await this.#hasher.hash(password) };
  }

  /** Put a prepared password hash in force: the old one joins the history; audited. */
  async applyPasswordChange(account: Account, tenant: Tenant, hash: string, actor: string): Promise<Account> {
    const now = this.#clock.now();
    const history = [account.passwordHash, ...account.passwordHistory]
      .filter((h): h is string => h !== null)
      .slice(0, tenant.policy.password.historyCount);
    const updated = await this.#store.updateAccount(
      account.id,
      { passwordHash: hash, passwordChangedAt: now, passwordHistory: history, mustChangePassword: false },
      now,
    );
    await this.#audit.record({
      actor,
      action: 'account.password_changed',
      tenantId: account.tenantId,
      accountId: account.id,
    });
    return updated ?? account;
  }

  /** Every broken rule, including reuse of the current or a recent password. */
  async passwordViolations(
    account: Account,
    tenant: Tenant,
    password: string,
    confirmation: string,
  ): Promise<PasswordViolation[]> {
    const terminals = await this.#store.listTerminals(account.id);
    const violations = [
      ...checkPassword(password, {
        policy: tenant.policy.password,
        userId: account.userId,
        emails: terminals.map((t) => t.email),
      }),
      ...checkPasswordConfirmation(password, confirmation),
    ];
    if (violations.length) return violations;
    const recent = [account.passwordHash, ...account.passwordHistory]
      .filter((h): h is string => h !== null)
      .slice(0, tenant.policy.password.historyCount);
    if (await this.#hasher.matchesAny(recent, password)) {
      violations.push({ code: 'password.reused', params: { count: tenant.policy.password.historyCount } });
    }
    return violations;
  }

  #matchTotp(account: Account, code: string): number | null {
    if (!account.totpSecretEnc) return null;
    return matchingStep(
      this.#box.openText(account.totpSecretEnc, totpSealPurpose(account.id)),
      code,
      this.#clock.now(),
    );
  }

  async #failure(
    account: Account,
    tenant: Tenant,
    count: number,
    result: LoginResult,
    attempt: AttemptContext,
  ): Promise<FailureOutcome> {
    const max = tenant.policy.lockout.maxPasswordFailures;
    const { lock, remaining } = afterFailure(count, max);
    // Awaited before any answer: this event's write is what makes the reservation durable (see above).
    await this.recordEvent(result, account, attempt);
    if (lock) {
      await lockAccount({ store: this.#store, clock: this.#clock, audit: this.#audit }, account, 'password', {
        sourceIp: attempt.sourceIp,
        details: { failures: count },
      });
      return { kind: 'locked', supportContact: tenant.supportContact };
    }
    return { kind: 'failed', remaining: tenant.policy.lockout.showRemainingAttempts ? remaining : null };
  }

  async #locked(
    account: Account,
    tenant: Tenant,
    attempt: AttemptContext,
    ensureLocked: boolean,
  ): Promise<FailureOutcome> {
    // No attempt left: a request reached the threshold without its lock being recorded (a concurrent one
    // about to, or one that died). Lock an account that is still active — never a pending one — and
    // through the audited lock, like every other lock.
    if (ensureLocked) {
      const current = await this.#store.getAccount(account.id);
      if (current?.status === 'active') {
        const deps = { store: this.#store, clock: this.#clock, audit: this.#audit };
        await lockAccount(deps, current, 'password', {
          sourceIp: attempt.sourceIp,
          details: { failures: current.failedPasswordCount },
        });
      }
    }
    await this.recordEvent('locked', account, attempt);
    return { kind: 'locked', supportContact: tenant.supportContact };
  }

  async #rehashIfWeak(account: Account, password: string): Promise<Account | null> {
    if (!account.passwordHash || !this.#hasher.needsRehash(account.passwordHash)) return null;
    const passwordHash = await this.#hasher.hash(password);
    return this.#store.updateAccount(account.id, { passwordHash }, this.#clock.now());
  }
}

export type { ChangeReason };
