/**
 * Recovery (SPEC §6, manual ch. 7–8): password re-issue and certificate re-issue, each through a mailed
 * single-use link and the secret question. Wrong answers count on the account's `secret_answer`
 * counter; at the tenant's threshold the account locks. Requests never reveal whether an account exists.
 */
import type { Clock } from '../clock.js';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Account, Tenant, Terminal, Ticket } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import { tenantMailData, type Mailer } from '../mail/index.js';
import { ticketExpiry } from '../policy/expiry.js';
import { afterFailure } from '../policy/lockout.js';
import { generateDownloadPassword, generatePassword } from '../policy/password-generator.js';
import { normalizeSecretAnswer } from '../policy/secret-answer.js';
import { newId, newToken, sha256Hex } from '../random.js';
import type {
  AccountStore,
  CounterStore,
  TenantStore,
  TerminalStore,
  TicketStore,
  WorkStore,
} from '../store.js';
import { lockAccount } from './account-lock.js';
import type { AuditLog } from './audit.js';
import { openTicket, type EnrollmentService, type OpenTicket } from './enrollment.js';
import { TerminalEmailError, assertCertifiable, certifiableEmail } from './terminal-email.js';

/** An ID no record has: what the lookups read when the user ID matched nothing. */
const NOTHING = '-';

export type AnswerOutcome = { kind: 'ok' } | { kind: 'mismatch' } | { kind: 'locked' };

export interface RecoveryDeps {
  store: TenantStore & AccountStore & CounterStore & TerminalStore & TicketStore & WorkStore;
  hasher: PasswordHasher;
  mailer: Mailer;
  enrollment: EnrollmentService;
  clock: Clock;
  audit: AuditLog;
  randomInt: (max: number) => number;
  publicUrl: string;
}

export class RecoveryService {
  constructor(private readonly d: RecoveryDeps) {}

  /**
   * パスワード再発行案内: mail a link when the user ID and one of its terminals' addresses match an
   * active account whose tenant allows re-issue. The caller shows the same page whatever happens.
   */
  async requestPasswordReissue(input: {
    userId: string;
    email: string;
    locale: Locale;
    sourceIp: string;
  }): Promise<void> {
    const { store, clock } = this.d;
    // The same three reads whether or not anything matches (a missing account reads a tenant and
    // terminals that do not exist), so the work before the decision is the same on every path.
    const account = await store.getAccountByUserId(input.userId.trim());
    const tenant = await store.getTenant(account?.tenantId ?? NOTHING);
    const terminals = await store.listTerminals(account?.id ?? NOTHING);
    const wanted = input.email.trim().toLowerCase();
    const terminal = terminals.find((t) => t.email.toLowerCase() === wanted);
    if (!account || !tenant || !terminal) return;
    if (account.status !== 'active' || !tenant.policy.features.passwordReissue) return;
    await store.invalidateTickets(account.id, 'password_reissue', clock.now());
    const { url, expiresAt } = await this.#ticket(
      account,
      tenant,
      terminal,
      'password_reissue',
      '/recovery/password/',
    );
    await this.d.mailer.enqueue({
      to: terminal.email,
      template: 'password_reissue',
      locale: input.locale,
      data: { userId: account.userId, reissueUrl: url, expiresAt, ...tenantMailData(tenant) },
    });
    await this.d.audit.record({
      actor: `user:${account.id}`,
      action: 'account.password_reissue_requested',
      tenantId: tenant.id,
      accountId: account.id,
      sourceIp: input.sourceIp,
    });
  }

  /**
   * 証明書再発行案内 asked for by the signed-in user (アカウント管理) for one of their live terminals:
   * only where the tenant's policy allows re-issue; then the same mailed link as the admin's.
   */
  async requestCertificateReissue(input: {
    account: Account;
    tenant: Tenant;
    terminalNumber: number;
    locale: Locale;
    sourceIp: string;
  }): Promise<
    { kind: 'ok'; terminal: Terminal; expiresAt: Date } | { kind: 'feature_off' } | { kind: 'no_terminal' }
  > {
    const { account, tenant } = input;
    if (!tenant.policy.features.certificateReissue) return { kind: 'feature_off' };
    const terminal = (await this.d.store.listTerminals(account.id)).find(
      (t) => t.number === input.terminalNumber && !t.deleted,
    );
    if (!terminal) return { kind: 'no_terminal' };
    const started = await this.startCertificateReissue(
      account,
      terminal,
      `user:${account.id}`,
      input.locale,
      input.sourceIp,
    );
    return { kind: 'ok', terminal, expiresAt: started.expiresAt };
  }

  /** 証明書再発行案内: started by the admin, or by the user above, for one terminal. */
  async startCertificateReissue(
    account: Account,
    terminal: Terminal,
    actor: string,
    locale: Locale,
    sourceIp?: string,
  ): Promise<{ expiresAt: Date }> {
    // A link that could only end in a refused issuance is not mailed (TerminalEmailError, nothing written).
    assertCertifiable(terminal);
    const tenant = (await this.d.store.getTenant(account.tenantId))!;
    await this.d.store.invalidateTickets(account.id, 'cert_reissue', this.d.clock.now());
    const { url, expiresAt } = await this.#ticket(
      account,
      tenant,
      terminal,
      'cert_reissue',
      '/recovery/certificate/',
    );
    await this.d.mailer.enqueue({
      to: terminal.email,
      template: 'certificate_reissue',
      locale,
      data: { userId: account.userId, reissueUrl: url, expiresAt, ...tenantMailData(tenant) },
    });
    await this.d.audit.record({
      actor,
      action: 'certificate.reissue_started',
      tenantId: tenant.id,
      accountId: account.id,
      ...(sourceIp ? { sourceIp } : {}),
      details: { terminal: terminal.number },
    });
    return { expiresAt };
  }

  async #ticket(
    account: Account,
    tenant: Tenant,
    terminal: Terminal,
    purpose: 'password_reissue' | 'cert_reissue',
    path: string,
  ) {
    const token = newToken();
    const expiresAt = ticketExpiry(tenant.policy.tickets, purpose, this.d.clock.now());
    await this.d.store.createTicket(
      {
        id: newId(),
        purpose,
        tokenHash: sha256Hex(token),
        accountId: account.id,
        terminalId: terminal.id,
        secretHash: null,
        expiresAt,
      },
      this.d.clock.now(),
    );
    return { url: new URL(`${path}${token}`, this.d.publicUrl).href, expiresAt };
  }

  /**
   * Why a certificate re-issue link cannot end in a certificate, if it cannot: its terminal's address
   * is not ASCII (changed, or mailed, before the rule). Asked when the link is opened, so the user
   * learns it before answering the secret question; completeCertificateReissue refuses it anyway.
   */
  async uncertifiable(ticket: Ticket): Promise<TerminalEmailError | null> {
    const terminal = ticket.terminalId ? await this.d.store.getTerminal(ticket.terminalId) : null;
    return terminal && !certifiableEmail(terminal.email)
      ? new TerminalEmailError(terminal.number, terminal.email)
      : null;
  }

  open(purpose: 'password_reissue' | 'cert_reissue', token: string): Promise<OpenTicket> {
    return openTicket(this.d.store, this.d.clock, purpose, token);
  }

  /** The secret question and answer; both must match. The hash is checked either way (same cost). */
  async checkAnswer(
    account: Account,
    tenant: Tenant,
    questionId: string,
    answer: string,
  ): Promise<AnswerOutcome> {
    const { store, clock, hasher } = this.d;
    if (account.status !== 'active') return { kind: 'locked' };
    const max = tenant.policy.lockout.maxSecretAnswerFailures;
    const reservation = await store.reserveAttempt(account.id, 'secret_answer', max, clock.now());
    if (!reservation.ok) {
      await store.lockAccount(account.id, 'secret_answer', clock.now());
      return { kind: 'locked' };
    }
    const answerMatches = account.secretAnswerHash
      ? await hasher.verify(account.secretAnswerHash, normalizeSecretAnswer(answer))
      : await hasher.dummyVerify(answer);
    if (answerMatches && questionId === account.secretQuestionId) {
      await store.resetCounter(account.id, 'secret_answer', clock.now());
      return { kind: 'ok' };
    }
    if (afterFailure(reservation.count, max).lock) {
      await lockAccount(this.d, account, 'secret_answer');
      return { kind: 'locked' };
    }
    return { kind: 'mismatch' };
  }

  /** パスワード再発行完了: a generated password, shown once; it must be changed at the next login. */
  async completePasswordReissue(
    ticket: Ticket,
    account: Account,
    tenant: Tenant,
  ): Promise<{ kind: 'ok'; password: string } | { kind: 'used' }> {
    const { store, clock, hasher, audit } = this.d;
    if (!(await store.consumeTicket(ticket.id, clock.now()))) return { kind: 'used' };
    const terminals = await store.listTerminals(account.id);
    const password = generatePassword(tenant.policy.password, this.d.randomInt, {
      userId: account.userId,
      emails: terminals.map((t) => t.email),
    });
    const history = [account.passwordHash, ...account.passwordHistory]
      .filter((h): h is string => h !== null)
      .slice(0, tenant.policy.password.historyCount);
    await store.updateAccount(
      account.id,
      {
        passwordHash: await hasher.hash(password),
        passwordChangedAt: clock.now(),
        passwordHistory: history,
        mustChangePassword: true,
      },
      clock.now(),
    );
    await store.resetCounter(account.id, 'password', clock.now());
    await audit.record({
      actor: `user:${account.id}`,
      action: 'account.password_reissued',
      tenantId: tenant.id,
      accountId: account.id,
    });
    return { kind: 'ok', password };
  }

  /**
   * 証明書再発行完了: a new certificate for the ticket's terminal, a new download password, the mail —
   * committed with the ticket's consumption as one unit of work (all or nothing, one winner).
   */
  async completeCertificateReissue(
    ticket: Ticket,
    account: Account,
    tenant: Tenant,
    locale: Locale,
  ): Promise<{ kind: 'ok'; downloadPassword: string } | { kind: 'used' }> {
    const { store, clock } = this.d;
    const terminal = ticket.terminalId ? await store.getTerminal(ticket.terminalId) : null;
    if (!terminal || terminal.deleted) return { kind: 'used' };
    // A link mailed before its terminal's address turned out uncertifiable: delivery.prepare throws
    // TerminalEmailError before any key, so the ticket stays unused and nothing is written.
    const downloadPassword = generateDownloadPassword(this.d.randomInt);
    const { delivery } = this.d.enrollment;
    const prepared = await delivery.prepare(account, tenant, terminal, downloadPassword, locale);
    const committed = await store.commitWork(
      {
        ticketId: ticket.id,
        account: { id: account.id, whileStatus: 'active' },
        ...delivery.writes([prepared]),
      },
      clock.now(),
    );
    if (!committed) return { kind: 'used' };
    await delivery.committed(account, [prepared], `user:${account.id}`, committed);
    return { kind: 'ok', downloadPassword };
  }
}
