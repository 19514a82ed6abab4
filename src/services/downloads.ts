/**
 * Certificate download: a single-use link, the download password (limited tries, constant-time
 * compare), then the PKCS#12 — after which the stored key material is destroyed — or, instead, a
 * certificate for the user's own CSR.
 */
import { CaError } from '../../certs/index.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Account, Tenant, Terminal, Ticket } from '../domain.js';
import { afterFailure } from '../policy/lockout.js';
import { safeEqual } from '../random.js';
import type { AccountStore, TenantStore, TerminalStore, TicketStore } from '../store.js';
import type { AuditLog } from './audit.js';
import { sealPurpose, type CertificateService } from './certificates.js';
import { openTicket, type TicketProblem } from './enrollment.js';
import { assertCertifiable } from './terminal-email.js';

export type DownloadOpen =
  | { kind: 'ok'; ticket: Ticket; account: Account; tenant: Tenant; terminal: Terminal }
  | { kind: TicketProblem | 'too_many_attempts'; tenant?: Tenant };

/** What a wrong or unusable link / password answers, for both ways of collecting the certificate. */
export type DownloadRefusal =
  | { kind: 'wrong_password'; remaining: number }
  | { kind: TicketProblem | 'too_many_attempts'; tenant?: Tenant };

export type DownloadResult = { kind: 'ok'; p12: Buffer; filename: string } | DownloadRefusal;

export type CsrResult =
  { kind: 'ok'; chainPem: string; filename: string } | { kind: 'csr_invalid' } | DownloadRefusal;

type Authorized = Extract<DownloadOpen, { kind: 'ok' }>;

export class DownloadService {
  constructor(
    private readonly deps: {
      store: TicketStore & TenantStore & AccountStore & TerminalStore;
      box: SecretBox;
      clock: Clock;
      audit: AuditLog;
      certificates: CertificateService;
    },
  ) {}

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

  /** The PKCS#12 made at issuance; the stored key material is destroyed as it is served. */
  async download(token: string, password: string): Promise<DownloadResult> {
    const { store, box, clock } = this.deps;
    const authorized = await this.#authorize(await this.open(token), password);
    if (authorized.kind !== 'ok') return authorized;
    const { ticket, terminal, account } = authorized;
    if (!(await store.consumeTicket(ticket.id, clock.now())))
      return { kind: 'used', tenant: authorized.tenant };
    const p12 = box.open(terminal.pendingDownload!.p12Enc, sealPurpose.p12(terminal.id));
    await store.updateTerminal(terminal.id, { pendingDownload: null }, clock.now());
    await this.#recordCollected(authorized, 'pkcs12', terminal.currentCertificateSerial);
    return { kind: 'ok', p12, filename: `${account.userId}-${terminal.number}.p12` };
  }

  /**
   * The alternative where the key never leaves the device: the same link and download password, then
   * a certificate signed for the uploaded CSR. The server-made key is never served: the new certificate
   * supersedes its certificate and the sealed PKCS#12 is dropped. A bad CSR costs no try and keeps
   * the link usable.
   */
  async issueFromCsr(token: string, password: string, csrPem: string): Promise<CsrResult> {
    const { store, clock, certificates } = this.deps;
    const opened = await this.open(token);
    if (opened.kind !== 'ok') return opened;
    // Checked before the password, so a malformed request never spends one of the link's tries.
    try {
      certificates.verifyCsr(csrPem, opened.tenant);
    } catch (error) {
      if (error instanceof CaError) return { kind: 'csr_invalid' };
      throw error;
    }
    // Likewise an address the certificate cannot carry (TerminalEmailError): no try spent, link kept.
    assertCertifiable(opened.terminal);
    const authorized = await this.#authorize(opened, password);
    if (authorized.kind !== 'ok') return authorized;
    const { ticket, terminal, account, tenant } = authorized;
    if (!(await store.consumeTicket(ticket.id, clock.now()))) return { kind: 'used', tenant };
    const { certificate, chainPem } = await certificates.issueFromCsr({
      account,
      tenant,
      terminal,
      csrPem,
      actor: `user:${account.id}`,
    });
    await this.#recordCollected(authorized, 'csr', certificate.serial);
    return { kind: 'ok', chainPem, filename: `${account.userId}-${terminal.number}.pem` };
  }

  /** An open link and the right download password (tries limited per link, constant-time compare). */
  async #authorize(opened: DownloadOpen, password: string): Promise<Authorized | DownloadRefusal> {
    const { store, box, audit } = this.deps;
    if (opened.kind !== 'ok') return opened;
    const { ticket, terminal, account, tenant } = opened;
    const max = tenant.policy.lockout.maxDownloadPasswordFailures;
    const reservation = await store.reserveTicketAttempt(ticket.id, max);
    if (!reservation.ok) return { kind: 'too_many_attempts', tenant };
    const expected = box.openText(
      terminal.pendingDownload!.passwordEnc,
      sealPurpose.downloadPassword(terminal.id),
    );
    if (safeEqual(password.trim(), expected)) return opened;
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

  async #recordCollected(a: Authorized, via: 'pkcs12' | 'csr', serial: string | null): Promise<void> {
    await this.deps.audit.record({
      actor: `user:${a.account.id}`,
      action: 'certificate.downloaded',
      tenantId: a.tenant.id,
      accountId: a.account.id,
      details: { terminal: a.terminal.number, serial, via },
    });
  }
}
