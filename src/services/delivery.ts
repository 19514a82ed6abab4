/**
 * Delivering a new certificate to a terminal: the certificate with its sealed PKCS#12, a single-use
 * download ticket and the mail with its link — made beforehand, then written by the caller's
 * Store.commitWork unit together with the rest of its use case (enrollment, certificate re-issue,
 * terminal add), so a crash never leaves a used link without its certificates.
 */
import type { Clock } from '../clock.js';
import type { Account, Tenant, Terminal } from '../domain.js';
import type { Locale } from '../i18n/index.js';
import { tenantMailData, type Mailer } from '../mail/index.js';
import { ticketExpiry } from '../policy/expiry.js';
import { newId, newToken, sha256Hex } from '../random.js';
import type { IssuedCertificate, NewMail, NewTicket, WorkDone, WorkUnit } from '../store.js';
import type { CertificateService } from './certificates.js';

export interface Delivery {
  terminal: Pick<Terminal, 'id' | 'number' | 'email'>;
  certificate: IssuedCertificate;
  ticket: NewTicket;
  mail: NewMail;
}

export class CertificateDelivery {
  constructor(
    private readonly d: {
      certificates: CertificateService;
      mailer: Mailer;
      clock: Clock;
      /** Public base URL for links in mail, e.g. https://login.example.jp */
      publicUrl: string;
    },
  ) {}

  #url(path: string): string {
    return new URL(path, this.d.publicUrl).href;
  }

  /** The writes for one terminal (keys generated, mail rendered and sealed), nothing stored yet. */
  async prepare(
    account: Account,
    tenant: Tenant,
    terminal: Delivery['terminal'],
    downloadPassword: string,
    locale: Locale,
  ): Promise<Delivery> {
    const expiresAt = ticketExpiry(tenant.policy.tickets, 'cert_download', this.d.clock.now());
    const { issued } = await this.d.certificates.prepareForTerminal({
      account,
      tenant,
      terminal,
      downloadPassword,
      downloadExpiresAt: expiresAt,
    });
    const token = newToken();
    const ticket: NewTicket = {
      id: newId(),
      purpose: 'cert_download',
      tokenHash: sha256Hex(token),
      accountId: account.id,
      terminalId: terminal.id,
      secretHash: null,
      expiresAt,
    };
    const mail = this.d.mailer.prepare({
      to: terminal.email,
      template: 'certificate_download',
      locale,
      data: {
        userId: account.userId,
        certificateName: issued.certificate.subjectCn,
        downloadUrl: this.#url(`/download/${token}`),
        guideUrl: this.#url(`/guide${locale === 'en' ? '?lang=en' : ''}`),
        expiresAt,
        ...tenantMailData(tenant),
      },
    });
    return { terminal, certificate: issued, ticket, mail };
  }

  /** The unit's share of these deliveries. */
  writes(deliveries: Delivery[]): Required<Pick<WorkUnit, 'certificates' | 'tickets' | 'mails'>> {
    return {
      certificates: deliveries.map((x) => x.certificate),
      tickets: deliveries.map((x) => x.ticket),
      mails: deliveries.map((x) => x.mail),
    };
  }

  /** Once the unit is committed: wake the mail worker, re-sign the CRL if it superseded any, audit. */
  async committed(account: Account, deliveries: Delivery[], actor: string, done: WorkDone): Promise<void> {
    this.d.mailer.onEnqueued();
    await this.d.certificates.superseded(done.superseded);
    for (const { terminal, certificate } of deliveries)
      await this.d.certificates.recordIssued(certificate.certificate, { account, terminal, actor });
  }
}
