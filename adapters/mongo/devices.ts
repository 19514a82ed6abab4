/**
 * Terminals and their certificates in the MongoDB store (tenants, clients and accounts: store.ts).
 */
import type { Certificate, Terminal } from '../../src/domain.js';
import {
  StoreError,
  type CertificateStanding,
  type IssuedCertificate,
  type NewTerminal,
  type RevokedCertificate,
  type SavedCertificate,
  type TerminalPatch,
} from '../../src/store.js';
import { AFTER, MAJORITY, PATCH, defined, maybe } from './base.js';
import { toAccount, type AccountDoc } from './models/accounts.js';
import { toCertificate, toRevokedCertificate, type CertificateDoc } from './models/certificates.js';
import { toTenant, type TenantDoc } from './models/tenants.js';
import { toTerminal, type TerminalDoc } from './models/terminals.js';
import { MongoRecords } from './records.js';

/** Compare-and-set rounds of one issuance before it gives up (each lost round is another's win). */
const MAX_SWAPS = 20;

export abstract class MongoDevices extends MongoRecords {
  // ---- terminals ---------------------------------------------------------------------------------

  /**
   * The number comes from an atomic `$inc` of the account's `terminalSeq`, then the insert. No
   * transaction is needed: a crash (or a duplicate id) between the two only skips a number, and
   * numbers are never reused anyway.
   */
  createTerminal(t: NewTerminal, now: Date): Promise<Terminal> {
    return this.run('terminals', async () => {
      const account = await this.m.Account.findOneAndUpdate(
        { _id: t.accountId },
        { $inc: { terminalSeq: 1 } },
        AFTER,
      ).lean<AccountDoc>();
      if (!account) throw new StoreError('store_reference_missing', `no account ${t.accountId}`);
      const doc = await this.insert(this.m.Terminal, {
        _id: t.id,
        accountId: t.accountId,
        number: account.terminalSeq,
        email: t.email,
        type: t.type,
        createdAt: now,
        updatedAt: now,
      });
      return toTerminal(doc);
    });
  }

  getTerminal(id: string): Promise<Terminal | null> {
    return this.run('terminals', () =>
      this.m.Terminal.findById(id).lean<TerminalDoc>().then(maybe(toTerminal)),
    );
  }

  listTerminals(accountId: string, options: { includeDeleted?: boolean } = {}): Promise<Terminal[]> {
    const filter = options.includeDeleted ? { accountId } : { accountId, deleted: false };
    return this.run('terminals', async () =>
      (await this.m.Terminal.find(filter).sort({ number: 1 }).lean<TerminalDoc[]>()).map(toTerminal),
    );
  }

  updateTerminal(id: string, patch: TerminalPatch, now: Date): Promise<Terminal | null> {
    return this.run('terminals', () =>
      this.m.Terminal.findOneAndUpdate({ _id: id }, { $set: { ...defined(patch), updatedAt: now } }, PATCH)
        .lean<TerminalDoc>()
        .then(maybe(toTerminal)),
    );
  }

  clearExpiredDownloads(now: Date): Promise<number> {
    return this.run('terminals', async () => {
      const result = await this.m.Terminal.updateMany(
        { 'pendingDownload.expiresAt': { $lte: now } },
        { $set: { pendingDownload: null, updatedAt: now } },
      );
      return result.modifiedCount;
    });
  }

  // ---- certificates ------------------------------------------------------------------------------

  /**
   * Insert the certificate, then make it the terminal's current one by compare-and-set: supersede the
   * certificate the terminal points at, and move the pointer only if it still points there (else read
   * it again). Of concurrent issuances each supersedes the one it replaces, so every certificate of the
   * terminal but the current one ends superseded, on the CRL — reading the pointer once and writing it
   * blindly left one active, neither current nor listed. In a transaction on a replica set; without
   * one every crash point fails closed: the new certificate is not current before the swap (login
   * refuses it, and it was never handed out), and the old one is on the CRL before the pointer leaves it.
   * Returns the serial this call's swap superseded, if any: one re-sign of the CRL per superseded
   * certificate, also when a run cut off after its mark left it to this one.
   */
  saveIssuedCertificate(issued: IssuedCertificate, now: Date): Promise<SavedCertificate> {
    const c = issued.certificate;
    return this.run('certificates', () =>
      this.unit(async (session) => {
        const superseded: string[] = [];
        await this.mustExist(this.m.Terminal, c.terminalId, 'terminal', session);
        const created = await this.insert(
          this.m.Certificate,
          {
            _id: c.serial,
            accountId: c.accountId,
            terminalId: c.terminalId,
            subjectCn: c.subjectCn,
            fingerprintS256: c.fingerprintS256,
            notBefore: c.notBefore,
            notAfter: c.notAfter,
            status: 'active',
            revokedAt: null,
            revocationReason: null,
            pem: c.pem,
            createdAt: now,
          },
          session,
        );
        for (let attempt = 0; attempt < MAX_SWAPS; attempt += 1) {
          const terminal = await this.m.Terminal.findById(c.terminalId, null, {
            session,
          }).lean<TerminalDoc>();
          if (!terminal) throw new StoreError('store_reference_missing', `no terminal ${c.terminalId}`);
          const previous = terminal.currentCertificateSerial ?? null;
          // Reported by the call whose swap moves the pointer away from it, marked by this call or
          // earlier (by a concurrent issuance, or a run cut off between its mark and its swap).
          let supersedes = false;
          if (previous) {
            const marked = await this.m.Certificate.updateOne(
              { _id: previous, status: 'active' },
              { $set: { status: 'superseded', revokedAt: now, revocationReason: 'superseded' } },
              this.lasting(session),
            );
            supersedes =
              marked.modifiedCount === 1 ||
              (await this.m.Certificate.findById(previous, { status: 1 }, { session }).lean<CertificateDoc>())
                ?.status === 'superseded';
          }
          const swapped = await this.m.Terminal.updateOne(
            { _id: c.terminalId, currentCertificateSerial: previous },
            {
              $set: {
                currentCertificateSerial: c.serial,
                pendingDownload: issued.pendingDownload,
                updatedAt: now,
              },
            },
            this.lasting(session),
          );
          if (swapped.matchedCount === 1) {
            if (previous && supersedes) superseded.push(previous);
            return { certificate: toCertificate(created), superseded };
          }
        }
        throw new StoreError('store_contention', `terminal ${c.terminalId}: too many concurrent issuances`);
      }),
    );
  }

  getCertificate(serial: string): Promise<Certificate | null> {
    return this.run('certificates', () =>
      this.m.Certificate.findById(serial).lean<CertificateDoc>().then(maybe(toCertificate)),
    );
  }

  getCertificateByFingerprint(fingerprintS256: string): Promise<Certificate | null> {
    return this.run('certificates', () =>
      this.m.Certificate.findOne({ fingerprintS256 }).lean<CertificateDoc>().then(maybe(toCertificate)),
    );
  }

  /**
   * One aggregation: the certificate by its unique fingerprint, its terminal, account and tenant by
   * `_id`. FerretDB v1 has no `$lookup`: there the same records are read one after another.
   */
  findCertificateStanding(fingerprintS256: string): Promise<CertificateStanding | null> {
    const lookup = (from: { collection: { name: string } }, localField: string, as: string) => ({
      $lookup: { from: from.collection.name, localField, foreignField: '_id', as },
    });
    return this.run('certificates', async () => {
      if (this.server?.ferretdb) return this.#standingByReads(fingerprintS256);
      const [doc] = await this.m.Certificate.aggregate<
        CertificateDoc & { terminal: TerminalDoc[]; account: AccountDoc[]; tenant: TenantDoc[] }
      >([
        { $match: { fingerprintS256 } },
        { $limit: 1 },
        lookup(this.m.Terminal, 'terminalId', 'terminal'),
        lookup(this.m.Account, 'accountId', 'account'),
        lookup(this.m.Tenant, 'account.tenantId', 'tenant'),
      ]);
      if (!doc) return null;
      const { terminal, account, tenant, ...certificate } = doc;
      return {
        certificate: toCertificate(certificate as CertificateDoc),
        terminal: terminal[0] ? toTerminal(terminal[0]) : null,
        account: account[0] ? toAccount(account[0]) : null,
        tenant: tenant[0] ? toTenant(tenant[0]) : null,
      };
    });
  }

  async #standingByReads(fingerprintS256: string): Promise<CertificateStanding | null> {
    const certificate = await this.m.Certificate.findOne({ fingerprintS256 }).lean<CertificateDoc>();
    if (!certificate) return null;
    const terminal = await this.m.Terminal.findById(certificate.terminalId).lean<TerminalDoc>();
    const account = await this.m.Account.findById(certificate.accountId).lean<AccountDoc>();
    const tenant = account ? await this.m.Tenant.findById(account.tenantId).lean<TenantDoc>() : null;
    return {
      certificate: toCertificate(certificate),
      terminal: maybe(toTerminal)(terminal),
      account: maybe(toAccount)(account),
      tenant: maybe(toTenant)(tenant),
    };
  }

  listCertificates(q: {
    accountId?: string;
    terminalId?: string;
    status?: Certificate['status'];
  }): Promise<Certificate[]> {
    const filter = defined({ accountId: q.accountId, terminalId: q.terminalId, status: q.status });
    return this.run('certificates', async () =>
      (await this.m.Certificate.find(filter).sort({ createdAt: 1, _id: 1 }).lean<CertificateDoc[]>()).map(
        toCertificate,
      ),
    );
  }

  /** Only an active certificate changes; otherwise the record comes back as it is. */
  revokeCertificate(serial: string, reason: string, now: Date): Promise<Certificate | null> {
    return this.run('certificates', async () => {
      await this.m.Certificate.updateOne(
        { _id: serial, status: 'active' },
        { $set: { status: 'revoked', revokedAt: now, revocationReason: reason } },
        MAJORITY,
      );
      return this.m.Certificate.findById(serial).lean<CertificateDoc>().then(maybe(toCertificate));
    });
  }

  listRevokedCertificates(now: Date): Promise<RevokedCertificate[]> {
    return this.run('certificates', async () =>
      (
        await this.m.Certificate.find(
          { status: { $in: ['revoked', 'superseded'] }, notAfter: { $gt: now } },
          { _id: 1, revokedAt: 1, revocationReason: 1 },
        )
          .sort({ revokedAt: 1, _id: 1 })
          .lean<Pick<CertificateDoc, '_id' | 'revokedAt' | 'revocationReason'>[]>()
      ).map(toRevokedCertificate),
    );
  }

  countCertificatesExpiring(now: Date, before: Date): Promise<number> {
    return this.run('certificates', () =>
      this.m.Certificate.countDocuments({ status: 'active', notAfter: { $gt: now, $lte: before } }),
    );
  }

  listCertificatesExpiring(now: Date, before: Date): Promise<Certificate[]> {
    return this.run('certificates', async () =>
      (
        await this.m.Certificate.find({ status: 'active', notAfter: { $gt: now, $lte: before } })
          .sort({ notAfter: 1, _id: 1 })
          .lean<CertificateDoc[]>()
      ).map(toCertificate),
    );
  }

  /** One conditional update: of concurrent claims exactly one matches the unclaimed document. */
  claimExpiryReminder(serial: string, days: number): Promise<boolean> {
    return this.run('certificates', async () => {
      const claimed = await this.m.Certificate.updateOne(
        { _id: serial, status: 'active', $or: [{ remindedDays: null }, { remindedDays: { $gt: days } }] },
        { $set: { remindedDays: days } },
        MAJORITY,
      );
      return claimed.modifiedCount === 1;
    });
  }
}
