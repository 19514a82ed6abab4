/**
 * Certificates as the product sees them: issue one for a terminal (key + PKCS#12 kept sealed until
 * downloaded), identify the account behind a presented certificate, revoke, publish the CRL.
 * Issuance never stalls request handling: the key and the PKCS#12 are made by the mint pool's
 * low-priority threads (not on the libuv pool argon2id needs), only the certificate is built here,
 * and at most `issuing` issuances run at once (the pool's size).
 */
import {
  inThreadMinting,
  pkcs12File,
  type CertificateAuthority,
  type IssuedClientCertificate,
  type Minting,
} from '../../certs/index.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Account, Certificate, LoginResult, PendingDownload, Tenant, Terminal } from '../domain.js';
import type {
  AccountStore,
  CertificateStore,
  IssuedCertificate,
  TenantStore,
  TerminalStore,
  WorkStore,
} from '../store.js';
import type { AuditLog } from './audit.js';
import { CrlCache, type SignedCrl } from './crl-cache.js';
import { Semaphore } from './semaphore.js';
import { assertCertifiable } from './terminal-email.js';

export type CertificateIdentity =
  | { ok: true; certificate: Certificate; terminal: Terminal; account: Account; tenant: Tenant }
  | {
      ok: false;
      result: Extract<LoginResult, 'cert_missing' | 'cert_invalid' | 'cert_revoked' | 'cert_unknown'>;
      serial?: string;
    };

export const sealPurpose = {
  p12: (terminalId: string) => `pkcs12:${terminalId}`,
  downloadPassword: (terminalId: string) => `download-password:${terminalId}`,
} as const;

const keyBitsOf = (tenant: Tenant): 2048 | 3072 =>
  tenant.policy.certificates.keyType === 'rsa3072' ? 3072 : 2048;

export class CertificateService {
  readonly #store: TenantStore & AccountStore & TerminalStore & CertificateStore & WorkStore;
  readonly #ca: CertificateAuthority;
  readonly #box: SecretBox;
  readonly #clock: Clock;
  readonly #audit: AuditLog;
  readonly #crl: CrlCache;
  readonly #minting: Minting;
  readonly #issuing: Semaphore;

  constructor(deps: {
    store: TenantStore & AccountStore & TerminalStore & CertificateStore & WorkStore;
    ca: CertificateAuthority;
    box: SecretBox;
    clock: Clock;
    audit: AuditLog;
    /** The kept CRL (default: one over this store and CA, without a log). */
    crl?: CrlCache;
    /** Where keys and PKCS#12 files are made (default: this process; the app passes the mint pool). */
    minting?: Minting;
    /** How many issuances may run at once (default 2; the app: the mint pool's size). */
    issuing?: Semaphore;
  }) {
    this.#store = deps.store;
    this.#ca = deps.ca;
    this.#box = deps.box;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
    this.#crl =
      deps.crl ??
      new CrlCache({ store: deps.store, sign: (input) => deps.ca.createCrl(input), clock: deps.clock });
    this.#minting = deps.minting ?? inThreadMinting;
    this.#issuing = deps.issuing ?? new Semaphore(2);
  }

  get caCertificatePem(): string {
    return this.#ca.certificatePem;
  }

  /**
   * Issue a certificate for the terminal and keep its PKCS#12 (protected by `downloadPassword`) sealed in
   * the store until it is downloaded or `downloadExpiresAt` passes. Supersedes the previous certificate.
   */
  async issueForTerminal(input: {
    account: Account;
    tenant: Tenant;
    terminal: Terminal;
    downloadPassword: string;
    downloadExpiresAt: Date;
    actor: string;
  }): Promise<{ certificate: Certificate; p12: Buffer }> {
    const { issued, p12 } = await this.prepareForTerminal(input);
    // One fsync for both: the audit event's durable write takes the save along (nothing is handed out
    // before it); a crash in between leaves the terminal as it was, its certificate never given out.
    const { certificate, superseded } = await this.#store.saveIssuedCertificate(issued, this.#clock.now(), {
      syncWithAuditEvent: true,
    });
    // The CRL lists the superseded one only once the audit event made the supersede durable.
    await this.recordIssued(certificate, input);
    await this.superseded(superseded);
    return { certificate, p12 };
  }

  /**
   * The certificate and its sealed PKCS#12, made but not stored: for a Store.commitWork unit that
   * saves them with the rest of a use case (then `superseded` and `recordIssued`). The terminal may not
   * exist yet.
   */
  async prepareForTerminal(input: {
    account: Account;
    tenant: Tenant;
    terminal: Pick<Terminal, 'id' | 'number' | 'email'>;
    downloadPassword: string;
    downloadExpiresAt: Date;
  }): Promise<{ issued: IssuedCertificate; p12: Buffer }> {
    const { account, tenant, terminal } = input;
    // Before the key: an address the certificate cannot carry refuses here, with nothing made or written.
    assertCertifiable(terminal);
    // One slot per pool thread for the whole issuance. The pool thread makes the key and its encrypted
    // key bag in one task (the password's KDF with it); here the certificate, then the file around both.
    const { made, p12 } = await this.#issuing.run(async () => {
      const key = await this.#minting.generateKey(keyBitsOf(tenant), input.downloadPassword);
      const certificate = await this.#ca.issueClientCertificateFor(
        key.publicKeyDer,
        this.#subjectOf(account, tenant, terminal),
      );
      const file = pkcs12File({
        shrouded: key.shrouded,
        certificatePem: certificate.certificatePem,
        caCertificatePem: this.#ca.certificatePem,
        friendlyName: certificate.subjectCn,
      });
      return { made: certificate, p12: file };
    });
    const issued = this.#record(made, account, terminal, {
      p12Enc: this.#box.seal(p12, sealPurpose.p12(terminal.id)),
      passwordEnc: this.#box.seal(input.downloadPassword, sealPurpose.downloadPassword(terminal.id)),
      expiresAt: input.downloadExpiresAt,
    });
    return { issued, p12 };
  }

  /** Throws CaError `csr_invalid` unless the request is sound and its RSA key is as strong as the policy's. */
  verifyCsr(csrPem: string, tenant: Tenant): void {
    this.#ca.verifyCsr(csrPem, keyBitsOf(tenant));
  }

  /**
   * Issue for the terminal from a CSR: the private key never leaves the device, so nothing waits for
   * download; any pending PKCS#12 of the terminal is dropped with the certificate it superseded.
   * Returns the certificate followed by the CA certificate, as PEM.
   */
  async issueFromCsr(input: {
    account: Account;
    tenant: Tenant;
    terminal: Terminal;
    csrPem: string;
    actor: string;
  }): Promise<{ certificate: Certificate; chainPem: string }> {
    const { account, tenant, terminal } = input;
    assertCertifiable(terminal);
    const issued = await this.#issuing.run(() =>
      this.#ca.issueFromCsr({
        ...this.#subjectOf(account, tenant, terminal),
        csrPem: input.csrPem,
        minBits: keyBitsOf(tenant),
      }),
    );
    const { certificate, superseded } = await this.#store.saveIssuedCertificate(
      this.#record(issued, account, terminal, null),
      this.#clock.now(),
      { syncWithAuditEvent: true }, // made durable by the audit event below, before the chain is served
    );
    await this.recordIssued(certificate, input, { via: 'csr' });
    await this.superseded(superseded);
    return { certificate, chainPem: `${issued.certificatePem.trim()}\n${this.#ca.certificatePem.trim()}\n` };
  }

  #subjectOf(account: Account, tenant: Tenant, terminal: Pick<Terminal, 'number' | 'email'>) {
    return {
      userId: account.userId,
      terminalNumber: terminal.number,
      email: terminal.email,
      validityDays: tenant.policy.certificates.validityDays,
    };
  }

  #record(
    issued: Omit<IssuedClientCertificate, 'privateKeyPem'>,
    account: Account,
    terminal: Pick<Terminal, 'id'>,
    pendingDownload: PendingDownload | null,
  ): IssuedCertificate {
    return {
      certificate: {
        serial: issued.serial,
        accountId: account.id,
        terminalId: terminal.id,
        subjectCn: issued.subjectCn,
        fingerprintS256: issued.fingerprintS256,
        notBefore: issued.notBefore,
        notAfter: issued.notAfter,
        pem: issued.certificatePem,
      },
      pendingDownload,
    };
  }

  /**
   * Storing issuances marked these certificates superseded (the store says which): the kept CRL is
   * stale, here and in every worker, so the next one served lists them. A first certificate supersedes
   * nothing, and then the CRL stands.
   */
  async superseded(serials: readonly string[]): Promise<void> {
    if (serials.length) await this.#crl.revoked();
  }

  /** The audit event of a stored certificate. */
  async recordIssued(
    certificate: Pick<Certificate, 'serial' | 'notAfter'>,
    input: { account: Account; terminal: Pick<Terminal, 'number'>; actor: string },
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.#audit.record({
      actor: input.actor,
      action: 'certificate.issued',
      tenantId: input.account.tenantId,
      accountId: input.account.id,
      details: {
        serial: certificate.serial,
        terminal: input.terminal.number,
        notAfter: certificate.notAfter.toISOString(),
        ...details,
      },
    });
  }

  /** The pending download password of a terminal, or null (for the account page and the demo). */
  pendingDownloadPassword(terminal: Terminal): string | null {
    const pending = terminal.pendingDownload;
    if (!pending || pending.expiresAt <= this.#clock.now()) return null;
    return this.#box.openText(pending.passwordEnc, sealPurpose.downloadPassword(terminal.id));
  }

  /** Which account presents this certificate? Chain, validity, revocation and terminal are all checked. */
  async identify(der: Buffer | null): Promise<CertificateIdentity> {
    if (!der) return { ok: false, result: 'cert_missing' };
    const now = this.#clock.now();
    const check = this.#ca.verifyClientCertificate(der, now);
    if (!check.ok) {
      return { ok: false, result: 'cert_invalid', ...(check.serial ? { serial: check.serial } : {}) };
    }
    return this.standing(check.fingerprintS256, check.serial);
  }

  /**
   * The certificate with this fingerprint as the store knows it now — active, unexpired, current for a
   * live terminal of an existing account — without the DER: what a code or token bound to it relies on.
   */
  async standing(fingerprintS256: string, serial?: string): Promise<CertificateIdentity> {
    // One indexed read (asked on every login step and token use); nothing of it is kept after this call.
    const found = await this.#store.findCertificateStanding(fingerprintS256);
    if (!found) return { ok: false, result: 'cert_unknown', ...(serial ? { serial } : {}) };
    const { certificate, terminal, account, tenant } = found;
    if (certificate.status !== 'active')
      return { ok: false, result: 'cert_revoked', serial: certificate.serial };
    if (certificate.notAfter.getTime() <= this.#clock.now().getTime())
      return { ok: false, result: 'cert_invalid', serial: certificate.serial };
    if (
      !terminal ||
      terminal.deleted ||
      terminal.currentCertificateSerial !== certificate.serial ||
      !account ||
      !tenant
    ) {
      return { ok: false, result: 'cert_revoked', serial: certificate.serial };
    }
    return { ok: true, certificate, terminal, account, tenant };
  }

  async revoke(serial: string, reason: string, actor: string): Promise<Certificate | null> {
    const revoked = await this.#store.revokeCertificate(serial, reason, this.#clock.now());
    if (revoked) {
      await this.#crl.revoked();
      // Under the account's tenant, so the tenant's own audit log shows the revocation of its certificate.
      const owner = await this.#store.getAccount(revoked.accountId);
      await this.#audit.record({
        actor,
        action: 'certificate.revoked',
        tenantId: owner?.tenantId ?? null,
        accountId: revoked.accountId,
        details: { serial, reason },
      });
    }
    return revoked;
  }

  /**
   * The store revoked certificates on its own (an account deleted with its certificates): the CRL
   * served next lists them.
   */
  certificatesRevoked(): Promise<void> {
    return this.#crl.revoked();
  }

  /** The kept CRL (crl-cache.ts): signed once, re-signed on the first request after a revocation and every 5 minutes. */
  crl(): Promise<SignedCrl> {
    return this.#crl.get();
  }

  /** Stops the CRL schedule and the mint pool. */
  async close(): Promise<void> {
    await this.#crl.stop();
    await this.#minting.close();
  }
}
