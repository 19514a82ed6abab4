/**
 * Certificate expiry reminders: once a day (and at start) every active, current certificate of a live
 * terminal of an active account that entered a reminder window (30 and 7 days by default) is mailed
 * to that terminal's address, with the expiry and how to renew. The claim in the store comes before
 * the mail, so two nodes or a restart never send one twice; a crash between the two loses that one
 * reminder (the next threshold still comes), which beats mailing twice.
 */
import type { Clock } from '../clock.js';
import type { Certificate } from '../domain.js';
import { DEFAULT_LOCALE } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { tenantMailData, type Mailer } from '../mail/index.js';
import { dueReminder, reminderThresholds } from '../policy/expiry-reminders.js';
import type { AccountStore, CertificateStore, TenantStore, TerminalStore } from '../store.js';
import type { AuditLog } from './audit.js';

const DAY = 86_400_000;

export interface ExpiryReminderDeps {
  store: CertificateStore & TerminalStore & AccountStore & TenantStore;
  mailer: Pick<Mailer, 'enqueue'>;
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
  log: Logger;
  /** Days before the end at which to remind, e.g. [30, 7]. */
  thresholdDays: readonly number[];
  /** Between runs of `start()`'s timer (a day by default). */
  intervalMs?: number;
}

export class ExpiryReminderJob {
  readonly #d: ExpiryReminderDeps;
  readonly #thresholds: number[];
  #timer: NodeJS.Timeout | null = null;
  #first: NodeJS.Timeout | null = null;

  constructor(deps: ExpiryReminderDeps) {
    this.#d = deps;
    this.#thresholds = reminderThresholds(deps.thresholdDays);
  }

  /** Mails every reminder due now; returns how many were sent (queued). */
  async runOnce(): Promise<number> {
    const { store, clock, log } = this.#d;
    const now = clock.now();
    const horizon = new Date(now.getTime() + (this.#thresholds[0] ?? 0) * DAY);
    let sent = 0;
    for (const cert of await store.listCertificatesExpiring(now, horizon)) {
      const days = dueReminder(cert, this.#thresholds, now);
      if (days === null) continue;
      try {
        if (await this.#remind(cert, days)) sent += 1;
      } catch (err) {
        // One bad record must not hold back everyone else's reminder.
        log.warn('expiry reminder failed', { err, serial: cert.serial });
      }
    }
    log.info('expiry reminders', { sent });
    return sent;
  }

  /** Only a certificate that still lets its owner sign in is worth a reminder. */
  async #remind(cert: Certificate, days: number): Promise<boolean> {
    const { store } = this.#d;
    const terminal = await store.getTerminal(cert.terminalId);
    if (!terminal || terminal.deleted || terminal.currentCertificateSerial !== cert.serial) return false;
    const account = await store.getAccount(cert.accountId);
    if (!account || account.status !== 'active') return false;
    const tenant = await store.getTenant(account.tenantId);
    if (!tenant) return false;
    if (!(await store.claimExpiryReminder(cert.serial, days))) return false;
    await this.#d.mailer.enqueue({
      to: terminal.email,
      template: 'certificate_expiry',
      // Accounts keep no language of their own yet: the service's default.
      locale: DEFAULT_LOCALE,
      data: {
        userId: account.userId,
        terminalNumber: terminal.number,
        expiresAt: cert.notAfter,
        ...tenantMailData(tenant),
      },
    });
    await this.#d.audit.record({
      actor: 'system',
      action: 'certificate.expiry_reminded',
      tenantId: tenant.id,
      accountId: account.id,
      details: { terminal: terminal.number, serial: cert.serial, days },
    });
    return true;
  }

  start(): void {
    const intervalMs = this.#d.intervalMs ?? DAY;
    const tick = () => {
      this.runOnce().catch((err: unknown) => this.#d.log.warn('expiry reminders failed', { err }));
    };
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
    this.#first = setTimeout(tick, 5_000);
    this.#first.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#first) clearTimeout(this.#first);
    this.#timer = this.#first = null;
  }
}
