/**
 * Enrollment (SPEC §3, manual ch. 3–4): the admin creates a pending account with its terminals and
 * gets an enrollment URL + one-time password; the user proves the one-time password, sets password and
 * secret question; Tobira issues a certificate per terminal (one download password for all) and mails
 * each terminal its single-use download link.
 */
import type { Clock } from '../clock.js';
import type { PasswordHasher } from '../crypto/password-hasher.js';
import type { Account, LoginMethod, Tenant, TerminalType, Ticket } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import { tenantMailData, type Mailer } from '../mail/index.js';
import { ticketExpiry } from '../policy/expiry.js';
import { afterFailure } from '../policy/lockout.js';
import { isMailboxAddress } from '../policy/mailbox.js';
import { idProblem } from '../policy/namespaces.js';
import { checkPassword, checkPasswordConfirmation } from '../policy/password.js';
import { generateDownloadPassword, generateOneTimePassword } from '../policy/password-generator.js';
import { checkSecretAnswer, normalizeSecretAnswer } from '../policy/secret-answer.js';
import { SECRET_QUESTION_IDS } from '../policy/tenant-policy.js';
import { newId, newToken, sha256Hex } from '../random.js';
import {
  StoreConflictError,
  type AccountStore,
  type CounterStore,
  type TenantStore,
  type TerminalStore,
  type TicketStore,
  type WorkStore,
} from '../store.js';
import { lockAccount } from './account-lock.js';
import type { AuditLog } from './audit.js';
import type { CertificateService } from './certificates.js';
import { CertificateDelivery } from './delivery.js';

export type EnrollmentErrorCode =
  | 'enrollment.tenant_unknown'
  | 'enrollment.invalid_user_id'
  | 'enrollment.user_id_taken'
  | 'enrollment.user_id_other_tenant'
  | 'enrollment.invalid_email'
  | 'enrollment.terminal_count'
  | 'enrollment.invalid_terminal_type';

export class EnrollmentError extends Error {
  readonly code: EnrollmentErrorCode;
  constructor(code: EnrollmentErrorCode, message: string) {
    super(message);
    this.name = 'EnrollmentError';
    this.code = code;
  }
}

/** Why a link cannot be used; each has its own page. */
export type TicketProblem = 'unknown' | 'expired' | 'replaced' | 'used';

export type OpenTicket =
  { kind: 'ok'; ticket: Ticket; account: Account; tenant: Tenant } | { kind: TicketProblem; tenant?: Tenant };

export interface Violation {
  code: string;
  params?: Record<string, string | number>;
}

const TERMINAL_TYPES: readonly TerminalType[] = ['pc', 'mobile', 'smartphone'];

export interface EnrollmentDeps {
  store: TenantStore & AccountStore & CounterStore & TerminalStore & TicketStore & WorkStore;
  hasher: PasswordHasher;
  certificates: CertificateService;
  mailer: Mailer;
  clock: Clock;
  audit: AuditLog;
  randomInt: (max: number) => number;
  /** Public base URL for links in mail, e.g. https://login.example.jp */
  publicUrl: string;
}

export class EnrollmentService {
  readonly #d: EnrollmentDeps;
  /** Certificates with their download links and mail, for this and the other use cases that issue. */
  readonly delivery: CertificateDelivery;

  constructor(deps: EnrollmentDeps) {
    this.#d = deps;
    this.delivery = new CertificateDelivery(deps);
  }

  #url(path: string): string {
    return new URL(path, this.#d.publicUrl).href;
  }

  async createAccount(input: {
    tenantId: string;
    userId: string;
    terminals: { email: string; type: TerminalType }[];
    loginMethod?: LoginMethod;
    /** The `name` claim of the profile scope. */
    displayName?: string | null;
    sendInvitation?: boolean;
    locale?: Locale;
    actor: string;
  }): Promise<{ account: Account; enrollmentUrl: string; oneTimePassword: string; expiresAt: Date }> {
    const { store, clock } = this.#d;
    const tenant = await store.getTenant(input.tenantId);
    if (!tenant) throw new EnrollmentError('enrollment.tenant_unknown', `no tenant ${input.tenantId}`);
    const namespace = idProblem(
      'user',
      input.userId,
      tenant.id,
      (await store.listTenants()).map((t) => t.id),
    );
    if (namespace)
      throw new EnrollmentError(
        namespace.kind === 'format' ? 'enrollment.invalid_user_id' : 'enrollment.user_id_other_tenant',
        namespace.message,
      );
    const max = tenant.policy.features.maxTerminals;
    if (input.terminals.length < 1 || input.terminals.length > max)
      throw new EnrollmentError('enrollment.terminal_count', `an account has 1 to ${max} terminals`);
    for (const t of input.terminals) {
      if (!isMailboxAddress(t.email))
        throw new EnrollmentError('enrollment.invalid_email', `not an e-mail address: ${t.email}`);
      if (!TERMINAL_TYPES.includes(t.type))
        throw new EnrollmentError(
          'enrollment.invalid_terminal_type',
          `terminal type is one of ${TERMINAL_TYPES.join(', ')}`,
        );
    }
    const now = clock.now();
    let account: Account;
    try {
      account = await store.createAccount(
        {
          id: newId(),
          tenantId: tenant.id,
          userId: input.userId,
          status: 'pending',
          loginMethod: input.loginMethod ?? 'password',
          displayName: input.displayName ?? null,
        },
        now,
      );
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new EnrollmentError('enrollment.user_id_taken', `the user ID ${input.userId} is taken`);
      throw error;
    }
    for (const t of input.terminals)
      await store.createTerminal({ id: newId(), accountId: account.id, email: t.email, type: t.type }, now);
    const issued = await this.#issueEnrollmentTicket(account, tenant);
    await this.#d.audit.record({
      actor: input.actor,
      action: 'account.created',
      tenantId: tenant.id,
      accountId: account.id,
      details: { userId: account.userId, terminals: input.terminals.length },
    });
    if (input.sendInvitation) {
      for (const t of input.terminals.slice(0, 1)) {
        await this.#d.mailer.enqueue({
          to: t.email,
          template: 'enrollment_invitation',
          locale: input.locale ?? 'ja',
          data: {
            userId: account.userId,
            enrollmentUrl: issued.enrollmentUrl,
            oneTimePassword: issued.oneTimePassword,
            expiresAt: issued.expiresAt,
            ...tenantMailData(tenant),
          },
        });
      }
    }
    return { account, ...issued };
  }

  /** A new enrollment link + one-time password (the old ones stop working), e.g. after expiry. */
  async reissueEnrollment(
    accountId: string,
    actor: string,
  ): Promise<{ enrollmentUrl: string; oneTimePassword: string; expiresAt: Date }> {
    const account = await this.#d.store.getAccount(accountId);
    const tenant = account ? await this.#d.store.getTenant(account.tenantId) : null;
    if (!account || !tenant || account.passwordHash !== null)
      throw new EnrollmentError(
        'enrollment.invalid_user_id',
        'only a pending account can be sent a new enrollment link',
      );
    await this.#d.store.invalidateTickets(account.id, 'enroll', this.#d.clock.now());
    await this.#d.audit.record({
      actor,
      action: 'account.enrollment_reissued',
      tenantId: tenant.id,
      accountId: account.id,
    });
    return this.#issueEnrollmentTicket(account, tenant);
  }

  async #issueEnrollmentTicket(account: Account, tenant: Tenant) {
    const token = newToken();
    const oneTimePassword = generateOneTimePassword(this.#d.randomInt);
    const expiresAt = ticketExpiry(tenant.policy.tickets, 'enroll', this.#d.clock.now());
    await this.#d.store.createTicket(
      {
        id: newId(),
        purpose: 'enroll',
        tokenHash: sha256Hex(token),
        accountId: account.id,
        terminalId: null,
        secretHash: await this.#d.hasher.hash(oneTimePassword),
        expiresAt,
      },
      this.#d.clock.now(),
    );
    return { enrollmentUrl: this.#url(`/enroll/${token}`), oneTimePassword, expiresAt };
  }

  async open(token: string): Promise<OpenTicket> {
    return openTicket(this.#d.store, this.#d.clock, 'enroll', token);
  }

  /**
   * 初回認証: the one-time password, with the tenant's failure limit on the (pending) account. The
   * attempt is reserved before the hash is checked, so concurrent guesses can never exceed the limit.
   */
  async verifyOneTimePassword(
    ticket: Ticket,
    account: Account,
    tenant: Tenant,
    otp: string,
  ): Promise<
    { kind: 'ok' } | { kind: 'mismatch'; remaining: number } | { kind: 'locked' } | { kind: 'used' }
  > {
    const { store, clock, hasher, audit } = this.#d;
    // Read afresh: another tab may have finished enrollment (or locked it) since the page was opened.
    const current = await store.getAccount(account.id);
    if (current?.status !== 'pending') return { kind: current?.status === 'active' ? 'used' : 'locked' };
    const max = tenant.policy.lockout.maxEnrollmentOtpFailures;
    const reservation = await store.reserveAttempt(account.id, 'enrollment_otp', max, clock.now(), {
      allowPending: true,
    });
    // Refused: no attempt left. Lock, in case the request that used the last one died before it did.
    if (!reservation.ok) return this.#lockForOtp(account);
    const actor = `user:${account.id}`;
    if (ticket.secretHash && (await hasher.verify(ticket.secretHash, otp.trim()))) {
      await store.resetCounter(account.id, 'enrollment_otp', clock.now());
      await audit.record({
        actor,
        action: 'enrollment.otp_verified',
        tenantId: tenant.id,
        accountId: account.id,
      });
      return { kind: 'ok' };
    }
    const { lock, remaining } = afterFailure(reservation.count, max);
    await audit.record({
      actor,
      action: 'enrollment.otp_failed',
      tenantId: tenant.id,
      accountId: account.id,
      details: { attempt: reservation.count, max },
    });
    return lock ? this.#lockForOtp(account) : { kind: 'mismatch', remaining };
  }

  /** Lock a still-pending account for too many wrong one-time passwords; an active one is never locked. */
  async #lockForOtp(account: Account): Promise<{ kind: 'locked' } | { kind: 'used' }> {
    const { store } = this.#d;
    const current = await store.getAccount(account.id);
    if (current?.status === 'active') return { kind: 'used' };
    if (current?.status !== 'pending') return { kind: 'locked' };
    await lockAccount(this.#d, account, 'enrollment_otp');
    return { kind: 'locked' };
  }

  /** Every broken rule of the 認証情報登録 form. */
  async credentialViolations(
    account: Account,
    tenant: Tenant,
    form: { password: string; confirmation: string; questionId: string; answer: string },
  ): Promise<Violation[]> {
    const terminals = await this.#d.store.listTerminals(account.id);
    return [
      ...checkPassword(form.password, {
        policy: tenant.policy.password,
        userId: account.userId,
        emails: terminals.map((t) => t.email),
      }),
      ...checkPasswordConfirmation(form.password, form.confirmation),
      ...((SECRET_QUESTION_IDS as readonly string[]).includes(form.questionId)
        ? []
        : [{ code: 'secret_question.required' }]),
      ...checkSecretAnswer(form.answer),
    ];
  }

  /**
   * 認証情報登録: validate, make a certificate per terminal (one download password for all) and the
   * download mails, then commit it all with the ticket's consumption and the account's activation as
   * one unit of work: exactly one concurrent submission wins, and a crash leaves either all of it or
   * none — the pending account with its link still working.
   */
  async register(
    ticket: Ticket,
    account: Account,
    tenant: Tenant,
    form: { password: string; confirmation: string; questionId: string; answer: string },
    locale: Locale,
  ): Promise<
    { kind: 'ok'; downloadPassword: string } | { kind: 'invalid'; violations: Violation[] } | { kind: 'used' }
  > {
    const { store, clock, hasher, audit } = this.#d;
    const violations = await this.credentialViolations(account, tenant, form);
    if (violations.length) return { kind: 'invalid', violations };
    const [passwordHash, secretAnswerHash] = await Promise.all([
      hasher.hash(form.password),
      hasher.hash(normalizeSecretAnswer(form.answer)),
    ]);
    const downloadPassword = generateDownloadPassword(this.#d.randomInt);
    const deliveries = await Promise.all(
      (await store.listTerminals(account.id)).map((terminal) =>
        this.delivery.prepare(account, tenant, terminal, downloadPassword, locale),
      ),
    );
    const now = clock.now();
    const patch = {
      status: 'active' as const,
      passwordHash,
      passwordChangedAt: now,
      secretQuestionId: form.questionId,
      secretAnswerHash,
      mustChangePassword: false,
    };
    const committed = await store.commitWork(
      {
        ticketId: ticket.id,
        account: { id: account.id, whileStatus: 'pending', patch },
        ...this.delivery.writes(deliveries),
      },
      now,
    );
    if (!committed) return { kind: 'used' };
    const actor = `user:${account.id}`;
    await audit.record({ actor, action: 'account.enrolled', tenantId: tenant.id, accountId: account.id });
    await this.delivery.committed(account, deliveries, actor, committed);
    return { kind: 'ok', downloadPassword };
  }
}

/** Look a link's ticket up and say whether it can be used now. */
export async function openTicket(
  store: TicketStore & AccountStore & TenantStore,
  clock: Clock,
  purpose: Ticket['purpose'],
  token: string,
): Promise<OpenTicket> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { kind: 'unknown' };
  const ticket = await store.getTicketByTokenHash(sha256Hex(token));
  if (!ticket || ticket.purpose !== purpose) return { kind: 'unknown' };
  const account = await store.getAccount(ticket.accountId);
  const tenant = account ? await store.getTenant(account.tenantId) : null;
  if (!account || !tenant) return { kind: 'unknown' };
  if (ticket.usedAt) return { kind: 'used', tenant };
  if (ticket.replacedAt) return { kind: 'replaced', tenant };
  if (ticket.expiresAt <= clock.now()) return { kind: 'expired', tenant };
  return { kind: 'ok', ticket, account, tenant };
}
