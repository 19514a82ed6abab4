/**
 * Certificate download: a single-use link, the download password (limited tries, constant-time
 * compare), then the PKCS#12 — after which the stored key material is destroyed.
 */
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Account, Tenant, Terminal, Ticket } from '../domain.js';
import { afterFailure } from '../policy/lockout.js';
import { safeEqual } from '../random.js';
import type { Store } from '../store.js';
import type { AuditLog } from './audit.js';
import { sealPurpose } from './certificates.js';
import { openTicket, type TicketProblem } from './enrollment.js';

export type DownloadOpen =
  | { kind: 'ok'; ticket: Ticket; account: Account; tenant: Tenant; terminal: Terminal }
  | { kind: TicketProblem | 'too_many_attempts'; tenant?: Tenant };

export type DownloadResult =
  | { kind: 'ok'; p12: Buffer; filename: string }
  | { kind: 'wrong_password'; remaining: number }
  | { kind: TicketProblem | 'too_many_attempts'; tenant?: Tenant };

export class DownloadService {
  constructor(private readonly deps: { store: Store; box: SecretBox; clock: Clock; audit: AuditLog }) {}

  async open(token: string): Promise<DownloadOpen> {
    const opened = await openTicket(this.deps.store, this.deps.clock, 'cert_download', token);
    if (opened.kind !== 'ok') return opened;
    const terminal = opened.ticket.terminalId
      ? await this.deps.store.getTerminal(opened.ticket.terminalId)
      : null;
    const pending = terminal?.pendingDownload;
    // A pending download past its expiry (or already taken) is never served, whatever the ticket says.
    if (!terminal || terminal.deleted || !pending || pending.expiresAt <= this.deps.clock.now())
      return { kind: 'expired', tenant: opened.tenant };
    if (opened.ticket.failedAttempts >= opened.tenant.policy.lockout.maxDownloadPasswordFailures)
      return { kind: 'too_many_attempts', tenant: opened.tenant };
    return { ...opened, terminal };
  }

  async download(token: string, password: string): Promise<DownloadResult> {
    const { store, box, clock, audit } = this.deps;
    const opened = await this.open(token);
    if (opened.kind !== 'ok') return opened;
    const { ticket, terminal, account, tenant } = opened;
    const max = tenant.policy.lockout.maxDownloadPasswordFailures;
    const reservation = await store.reserveTicketAttempt(ticket.id, max);
    if (!reservation.ok) return { kind: 'too_many_attempts', tenant };
    const expected = box.openText(
      terminal.pendingDownload!.passwordEnc,
      sealPurpose.downloadPassword(terminal.id),
    );
    if (!safeEqual(password.trim(), expected)) {
      const { lock, remaining } = afterFailure(reservation.count, max);
      await audit.record({
        actor: `user:${account.id}`,
        action: 'certificate.download_password_failed',
        tenantId: tenant.id,
        accountId: account.id,
        details: { terminal: terminal.number, attempt: reservation.count },
      });
      return lock ? { kind: 'too_many_attempts', tenant } : { kind: 'wrong_password', remaining };
    }
    if (!(await store.consumeTicket(ticket.id, clock.now()))) return { kind: 'used', tenant };
    const p12 = box.open(terminal.pendingDownload!.p12Enc, sealPurpose.p12(terminal.id));
    await store.updateTerminal(terminal.id, { pendingDownload: null }, clock.now());
    await audit.record({
      actor: `user:${account.id}`,
      action: 'certificate.downloaded',
      tenantId: tenant.id,
      accountId: account.id,
      details: { terminal: terminal.number, serial: terminal.currentCertificateSerial },
    });
    return { kind: 'ok', p12, filename: `${account.userId}-${terminal.number}.p12` };
  }
}
