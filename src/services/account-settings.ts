/**
 * What a signed-in user changes on the account pages (SPEC §5): password, secret question, terminals.
 * Every change is audited; a new terminal gets a certificate and the download mail, and the other
 * terminals are told a device was added.
 */
import type { Clock } from '../clock.js';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Account, LoginMethod, Tenant, Terminal, TerminalType } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import { tenantMailData, type Mailer } from '../mail/index.js';
import { afterFailure } from '../policy/lockout.js';
import { isMailboxAddress } from '../policy/mailbox.js';
import { generateDownloadPassword } from '../policy/password-generator.js';
import { checkSecretAnswer, normalizeSecretAnswer } from '../policy/secret-answer.js';
import { SECRET_QUESTION_IDS } from '../policy/tenant-policy.js';
import { newId } from '../random.js';
import {
  StoreConflictError,
  type AccountStore,
  type CounterStore,
  type NewMail,
  type TerminalStore,
  type WorkStore,
} from '../store.js';
import { lockAccount } from './account-lock.js';
import type { AuditLog } from './audit.js';
import type { CertificateService } from './certificates.js';
import type { EnrollmentService, Violation } from './enrollment.js';
import type { LoginService } from './login.js';

export type SettingsResult =
  { kind: 'ok' } | { kind: 'invalid'; violations: Violation[] } | { kind: 'locked' };

export interface AccountSettingsDeps {
  store: AccountStore & CounterStore & TerminalStore & WorkStore;
  hasher: PasswordHasher;
  login: LoginService;
  enrollment: EnrollmentService;
  certificates: CertificateService;
  mailer: Mailer;
  clock: Clock;
  audit: AuditLog;
  randomInt: (max: number) => number;
}

export class AccountSettings {
  constructor(private readonly d: AccountSettingsDeps) {}

  /**
   * The current password proven again (パスワード変更, and before sensitive changes): a wrong one counts
   * toward the lock like a wrong login password, and the failure that reaches the threshold locks.
   */
  async reauthenticate(account: Account, tenant: Tenant, password: string): Promise<SettingsResult> {
    const { store, clock, hasher } = this.d;
    const max = tenant.policy.lockout.maxPasswordFailures;
    const reservation = await store.reserveAttempt(account.id, 'password', max, clock.now());
    if (!reservation.ok) return { kind: 'locked' };
    if (!account.passwordHash || !(await hasher.verify(account.passwordHash, password))) {
      if (afterFailure(reservation.count, max).lock) {
        await lockAccount(this.d, account, 'password', { details: { failures: reservation.count } });
        return { kind: 'locked' };
      }
      return { kind: 'invalid', violations: [{ code: 'account.current_password_wrong' }] };
    }
    await store.resetCounter(account.id, 'password', clock.now());
    return { kind: 'ok' };
  }

  /** パスワード変更: the current password first (a wrong one counts toward the lock), then the rules. */
  async changePassword(
    account: Account,
    tenant: Tenant,
    form: { current: string; password: string; confirmation: string },
  ): Promise<SettingsResult> {
    const proven = await this.reauthenticate(account, tenant, form.current);
    if (proven.kind !== 'ok') return proven;
    const result = await this.d.login.changePassword(
      account,
      tenant,
      form.password,
      form.confirmation,
      `user:${account.id}`,
    );
    return result.kind === 'ok' ? { kind: 'ok' } : { kind: 'invalid', violations: result.violations };
  }

  /** 秘密の質問・答え変更. */
  async changeSecret(
    account: Account,
    form: { questionId: string; answer: string },
  ): Promise<SettingsResult> {
    const violations: Violation[] = [
      ...((SECRET_QUESTION_IDS as readonly string[]).includes(form.questionId)
        ? []
        : [{ code: 'secret_question.required' }]),
      ...checkSecretAnswer(form.answer),
    ];
    if (violations.length) return { kind: 'invalid', violations };
    const secretAnswerHash = await this.d.hasher.hash(normalizeSecretAnswer(form.answer));
    await this.d.store.updateAccount(
      account.id,
      { secretQuestionId: form.questionId, secretAnswerHash },
      this.d.clock.now(),
    );
    await this.#audit(account, 'account.secret_changed');
    return { kind: 'ok' };
  }

  terminalViolations(
    tenant: Tenant,
    terminals: Terminal[],
    form: { email: string; confirmation: string; type: string },
  ): Violation[] {
    const violations: Violation[] = [];
    if (!isMailboxAddress(form.email)) violations.push({ code: 'account.terminal.invalid_email' });
    if (form.email !== form.confirmation) violations.push({ code: 'account.terminal.email_mismatch' });
    if (!['pc', 'mobile', 'smartphone'].includes(form.type))
      violations.push({ code: 'account.terminal.type_required' });
    if (terminals.length >= tenant.policy.features.maxTerminals)
      violations.push({
        code: 'account.terminal.too_many',
        params: { max: tenant.policy.features.maxTerminals },
      });
    return violations;
  }

  /** ログイン方法の変更 to a method the tenant allows; OTP needs an enrolled authenticator first. */
  async setLoginMethod(account: Account, tenant: Tenant, method: LoginMethod): Promise<SettingsResult> {
    if (!tenant.policy.features.loginMethods.includes(method))
      return { kind: 'invalid', violations: [{ code: 'account.feature_off' }] };
    const current = await this.d.store.getAccount(account.id);
    if (method === 'password_otp' && !current?.totpSecretEnc)
      return { kind: 'invalid', violations: [{ code: 'account.method.totp_required' }] };
    await this.d.store.updateAccount(account.id, { loginMethod: method }, this.d.clock.now());
    await this.#audit(account, 'account.login_method_changed', { from: account.loginMethod, to: method });
    return { kind: 'ok' };
  }

  /**
   * 端末登録: a new terminal, its certificate and download mail, and a notice to the other terminals,
   * committed as one unit of work. The certificate names the terminal's number, so the number is
   * foreseen; a concurrent addition taking it first means making the certificate again.
   */
  async addTerminal(
    account: Account,
    tenant: Tenant,
    form: { email: string; type: TerminalType },
    locale: Locale,
  ): Promise<Terminal> {
    const { store, clock } = this.d;
    for (let attempt = 1; ; attempt += 1) {
      const all = await store.listTerminals(account.id, { includeDeleted: true });
      const terminal = {
        id: newId(),
        accountId: account.id,
        email: form.email,
        type: form.type,
        number: Math.max(0, ...all.map((t) => t.number)) + 1,
      };
      const { delivery } = this.d.enrollment;
      const prepared = await delivery.prepare(
        account,
        tenant,
        terminal,
        generateDownloadPassword(this.d.randomInt),
        locale,
      );
      const notices = all
        .filter((t) => !t.deleted)
        .map((other) => this.#notice(account, tenant, other, terminal, locale));
      const writes = delivery.writes([prepared]);
      let done;
      try {
        done = await store.commitWork(
          { terminal, ...writes, mails: [...writes.mails, ...notices] },
          clock.now(),
        );
      } catch (error) {
        if (error instanceof StoreConflictError && error.field === 'number' && attempt < 3) continue;
        throw error;
      }
      // Never refused (no ticket, no account condition); a new terminal's certificate supersedes nothing.
      await delivery.committed(account, [prepared], `user:${account.id}`, done || { superseded: [] });
      await this.#audit(account, 'terminal.added', { terminal: terminal.number });
      return (await store.getTerminal(terminal.id))!;
    }
  }

  /** The mail telling another terminal that this one was added. */
  #notice(
    account: Account,
    tenant: Tenant,
    other: Terminal,
    added: { number: number; email: string },
    locale: Locale,
  ): NewMail {
    return this.d.mailer.prepare({
      to: other.email,
      template: 'terminal_added',
      locale,
      data: {
        userId: account.userId,
        terminalNumber: added.number,
        terminalEmail: added.email,
        addedAt: this.d.clock.now(),
        ...tenantMailData(tenant),
      },
    });
  }

  /** 端末情報の変更: e-mail and type (the certificate keeps its e-mail until re-issued). */
  async changeTerminal(
    account: Account,
    terminal: Terminal,
    form: { email: string; type: TerminalType },
  ): Promise<void> {
    await this.d.store.updateTerminal(
      terminal.id,
      { email: form.email, type: form.type },
      this.d.clock.now(),
    );
    await this.#audit(account, 'terminal.changed', { terminal: terminal.number });
  }

  /** 端末削除: revokes the terminal's certificate; the last terminal cannot be deleted. */
  async deleteTerminal(account: Account, terminal: Terminal): Promise<SettingsResult> {
    const { store, clock, certificates, audit } = this.d;
    if ((await store.listTerminals(account.id)).length <= 1)
      return { kind: 'invalid', violations: [{ code: 'account.terminal.last' }] };
    if (terminal.currentCertificateSerial)
      await certificates.revoke(
        terminal.currentCertificateSerial,
        'cessationOfOperation',
        `user:${account.id}`,
      );
    await store.updateTerminal(terminal.id, { deleted: true, pendingDownload: null }, clock.now());
    await audit.record({
      actor: `user:${account.id}`,
      action: 'terminal.deleted',
      tenantId: account.tenantId,
      accountId: account.id,
      details: { terminal: terminal.number },
    });
    return { kind: 'ok' };
  }

  /** Every change here is the user's own, on their own account. */
  #audit(account: Account, action: string, details?: Record<string, unknown>): Promise<void> {
    return this.d.audit.record({
      actor: `user:${account.id}`,
      action,
      tenantId: account.tenantId,
      accountId: account.id,
      ...(details ? { details } : {}),
    });
  }
}
