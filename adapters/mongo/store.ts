/**
 * The production Store on MongoDB through mongoose: tenants, clients, accounts, terminals and
 * certificates here; the short-lived records in records.ts, the plumbing in base.ts.
 */
import type { QueryFilter } from 'mongoose';
import type {
  Account,
  AccountStatus,
  Certificate,
  FailureCounter,
  LockReason,
  OidcClientRecord,
  Tenant,
  Terminal,
} from '../../src/domain.js';
import {
  StoreError,
  type AccountPatch,
  type AccountQuery,
  type AttemptReservation,
  type IssuedCertificate,
  type NewAccount,
  type NewOidcClient,
  type NewTenant,
  type NewTerminal,
  type Page,
  type Store,
  type TenantPatch,
  type TerminalPatch,
  type WorkUnit,
} from '../../src/store.js';
import { AFTER, defined, maybe } from './base.js';
import { COUNTER_FIELDS, toAccount, type AccountDoc } from './models/accounts.js';
import { toCertificate, type CertificateDoc } from './models/certificates.js';
import { toClient, type ClientDoc } from './models/clients.js';
import { toTenant, type TenantDoc } from './models/tenants.js';
import { toTerminal, type TerminalDoc } from './models/terminals.js';
import { MongoRecords } from './records.js';
import { commitWorkInOrder } from './work.js';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MongoStore extends MongoRecords implements Store {
  // ---- tenants and clients -----------------------------------------------------------------------

  createTenant(t: NewTenant, now: Date): Promise<Tenant> {
    return this.run('tenants', async () => {
      const doc = await this.m.Tenant.create({
        _id: t.id,
        name: t.name,
        supportContact: t.supportContact,
        policy: t.policy,
        createdAt: now,
        updatedAt: now,
      });
      return toTenant(doc.toObject());
    });
  }

  getTenant(id: string): Promise<Tenant | null> {
    return this.run('tenants', () => this.m.Tenant.findById(id).lean<TenantDoc>().then(maybe(toTenant)));
  }

  listTenants(): Promise<Tenant[]> {
    return this.run('tenants', async () =>
      (await this.m.Tenant.find().sort({ _id: 1 }).lean<TenantDoc[]>()).map(toTenant),
    );
  }

  updateTenant(id: string, patch: TenantPatch, now: Date): Promise<Tenant | null> {
    return this.run('tenants', () =>
      this.m.Tenant.findOneAndUpdate({ _id: id }, { $set: { ...defined(patch), updatedAt: now } }, AFTER)
        .lean<TenantDoc>()
        .then(maybe(toTenant)),
    );
  }

  createClient(c: NewOidcClient, now: Date): Promise<OidcClientRecord> {
    return this.run('clients', async () => {
      await this.mustExist(this.m.Tenant, c.tenantId, 'tenant');
      const doc = await this.m.Client.create({
        _id: c.clientId,
        tenantId: c.tenantId,
        metadata: c.metadata,
        firstParty: c.firstParty,
        createdAt: now,
        updatedAt: now,
      });
      return toClient(doc.toObject());
    });
  }

  getClient(clientId: string): Promise<OidcClientRecord | null> {
    return this.run('clients', () =>
      this.m.Client.findById(clientId).lean<ClientDoc>().then(maybe(toClient)),
    );
  }

  listClients(tenantId?: string): Promise<OidcClientRecord[]> {
    return this.run('clients', async () =>
      (await this.m.Client.find(defined({ tenantId })).sort({ _id: 1 }).lean<ClientDoc[]>()).map(toClient),
    );
  }

  updateClient(
    clientId: string,
    metadata: Record<string, unknown>,
    now: Date,
  ): Promise<OidcClientRecord | null> {
    return this.run('clients', () =>
      this.m.Client.findOneAndUpdate({ _id: clientId }, { $set: { metadata, updatedAt: now } }, AFTER)
        .lean<ClientDoc>()
        .then(maybe(toClient)),
    );
  }

  deleteClient(clientId: string): Promise<boolean> {
    return this.run(
      'clients',
      async () => (await this.m.Client.deleteOne({ _id: clientId })).deletedCount === 1,
    );
  }

  // ---- accounts ----------------------------------------------------------------------------------

  createAccount(a: NewAccount, now: Date): Promise<Account> {
    return this.run('accounts', async () => {
      await this.mustExist(this.m.Tenant, a.tenantId, 'tenant');
      const doc = await this.m.Account.create({
        _id: a.id,
        tenantId: a.tenantId,
        userId: a.userId,
        displayName: a.displayName ?? null,
        status: a.status,
        loginMethod: a.loginMethod,
        createdAt: now,
        updatedAt: now,
      });
      return toAccount(doc.toObject());
    });
  }

  getAccount(id: string): Promise<Account | null> {
    return this.run('accounts', () => this.m.Account.findById(id).lean<AccountDoc>().then(maybe(toAccount)));
  }

  getAccountByUserId(userId: string): Promise<Account | null> {
    return this.run('accounts', () =>
      this.m.Account.findOne({ userId }).lean<AccountDoc>().then(maybe(toAccount)),
    );
  }

  findAccounts(q: AccountQuery): Promise<Page<Account>> {
    const filter = defined({
      tenantId: q.tenantId,
      status: q.status,
      // An anchored, case-sensitive prefix: MongoDB answers it from the unique userId index.
      userId: q.userIdPrefix === undefined ? undefined : { $regex: `^${escapeRegex(q.userIdPrefix)}` },
    });
    return this.run('accounts', () =>
      this.page<AccountDoc, Account>(this.m.Account, filter, { userId: 1 }, toAccount, q.offset, q.limit),
    );
  }

  updateAccount(id: string, patch: AccountPatch, now: Date): Promise<Account | null> {
    return this.run('accounts', () =>
      this.m.Account.findOneAndUpdate(
        { _id: id },
        { $set: { ...defined(patch), updatedAt: now } },
        { ...AFTER, runValidators: true },
      )
        .lean<AccountDoc>()
        .then(maybe(toAccount)),
    );
  }

  /**
   * A transaction on a replica set: all or nothing. On a standalone server (no transactions) the
   * order keeps every crash point safe: the certificates are revoked first (nothing can sign in with
   * them any more), then tickets and terminals go, the account last — a crash leaves a harmless rest
   * that a repeated delete finishes, never a live certificate of a deleted account.
   */
  deleteAccount(id: string, now: Date): Promise<boolean> {
    return this.run('accounts', () =>
      this.unit(async (session) => {
        await this.m.Certificate.updateMany(
          { accountId: id, status: 'active' },
          { $set: { status: 'revoked', revokedAt: now, revocationReason: 'cessationOfOperation' } },
          { session },
        );
        await this.m.Ticket.deleteMany({ accountId: id }, { session });
        await this.m.Terminal.deleteMany({ accountId: id }, { session });
        return (await this.m.Account.deleteOne({ _id: id }, { session })).deletedCount === 1;
      }),
    );
  }

  /** The threshold is in the filter, so the server refuses the `$inc` once `max` is reached. */
  reserveAttempt(
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options: { allowPending?: boolean } = {},
  ): Promise<AttemptReservation> {
    const field = COUNTER_FIELDS[counter];
    const statuses: AccountStatus[] = options.allowPending ? ['active', 'pending'] : ['active'];
    // A computed key widens to `string`, which mongoose's filter type does not take; this is the
    // plain MongoDB filter `{ _id, status: { $in }, <counter>: { $lt: max } }`.
    const filter = {
      _id: accountId,
      status: { $in: statuses },
      [field]: { $lt: max },
    } as QueryFilter<AccountDoc>;
    return this.run('accounts', async () => {
      const doc = await this.m.Account.findOneAndUpdate(
        filter,
        { $inc: { [field]: 1 }, $set: { updatedAt: now } },
        AFTER,
      ).lean<AccountDoc>();
      return doc ? { ok: true, count: doc[field] } : { ok: false };
    });
  }

  resetCounter(accountId: string, counter: FailureCounter, now: Date): Promise<void> {
    return this.run('accounts', async () => {
      await this.m.Account.updateOne(
        { _id: accountId },
        { $set: { [COUNTER_FIELDS[counter]]: 0, updatedAt: now } },
      );
    });
  }

  /** Locking an already locked account keeps its first reason and time. */
  lockAccount(accountId: string, reason: LockReason, now: Date): Promise<Account | null> {
    return this.run('accounts', async () => {
      await this.m.Account.updateOne(
        { _id: accountId, status: { $ne: 'locked' } },
        { $set: { status: 'locked', lockReason: reason, lockedAt: now, updatedAt: now } },
      );
      return this.m.Account.findById(accountId).lean<AccountDoc>().then(maybe(toAccount));
    });
  }

  unlockAccount(accountId: string, now: Date): Promise<Account | null> {
    return this.run('accounts', () =>
      // An update pipeline takes the new status from the document itself, in one atomic write.
      this.m.Account.findOneAndUpdate(
        { _id: accountId },
        [
          {
            $set: {
              status: { $cond: [{ $eq: [{ $ifNull: ['$passwordHash', null] }, null] }, 'pending', 'active'] },
              lockReason: null,
              lockedAt: null,
              failedPasswordCount: 0,
              failedSecretAnswerCount: 0,
              failedEnrollmentOtpCount: 0,
              updatedAt: now,
            },
          },
        ],
        { ...AFTER, updatePipeline: true },
      )
        .lean<AccountDoc>()
        .then(maybe(toAccount)),
    );
  }

  advanceTotpStep(accountId: string, step: number, now: Date): Promise<boolean> {
    return this.run('accounts', async () => {
      const result = await this.m.Account.updateOne(
        { _id: accountId, $or: [{ totpLastStep: null }, { totpLastStep: { $lt: step } }] },
        { $set: { totpLastStep: step, updatedAt: now } },
      );
      return result.modifiedCount === 1;
    });
  }

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
      const doc = await this.m.Terminal.create({
        _id: t.id,
        accountId: t.accountId,
        number: account.terminalSeq,
        email: t.email,
        type: t.type,
        createdAt: now,
        updatedAt: now,
      });
      return toTerminal(doc.toObject());
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
      this.m.Terminal.findOneAndUpdate(
        { _id: id },
        { $set: { ...defined(patch), updatedAt: now } },
        { ...AFTER, runValidators: true },
      )
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

  // ---- multi-step use cases (work.ts) -------------------------------------------------------------

  commitWork(unit: WorkUnit, now: Date): Promise<boolean> {
    return this.run('work', () => commitWorkInOrder(this, this.m, unit, now));
  }

  // ---- certificates ------------------------------------------------------------------------------

  /**
   * A transaction on a replica set. Without one, the order keeps every crash point safe: insert the
   * new certificate first (a duplicate serial or fingerprint fails here and changes nothing), then
   * supersede the previous one, then point the terminal at the new one. Until that last write the new
   * certificate is not the terminal's current one, and login refuses a certificate that is not.
   */
  saveIssuedCertificate(issued: IssuedCertificate, now: Date): Promise<Certificate> {
    const c = issued.certificate;
    return this.run('certificates', () =>
      this.unit(async (session) => {
        const terminal = await this.m.Terminal.findById(c.terminalId, null, { session }).lean<TerminalDoc>();
        if (!terminal) throw new StoreError('store_reference_missing', `no terminal ${c.terminalId}`);
        const [created] = await this.m.Certificate.create(
          [
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
          ],
          { session },
        );
        if (terminal.currentCertificateSerial) {
          await this.m.Certificate.updateOne(
            { _id: terminal.currentCertificateSerial, status: 'active' },
            { $set: { status: 'superseded', revokedAt: now, revocationReason: 'superseded' } },
            { session },
          );
        }
        await this.m.Terminal.updateOne(
          { _id: c.terminalId },
          {
            $set: {
              currentCertificateSerial: c.serial,
              pendingDownload: issued.pendingDownload,
              updatedAt: now,
            },
          },
          { session },
        );
        return toCertificate(created!.toObject());
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
      );
      return this.m.Certificate.findById(serial).lean<CertificateDoc>().then(maybe(toCertificate));
    });
  }

  listRevokedCertificates(now: Date): Promise<Certificate[]> {
    return this.run('certificates', async () =>
      (
        await this.m.Certificate.find({ status: { $in: ['revoked', 'superseded'] }, notAfter: { $gt: now } })
          .sort({ revokedAt: 1, _id: 1 })
          .lean<CertificateDoc[]>()
      ).map(toCertificate),
    );
  }

  countCertificatesExpiring(now: Date, before: Date): Promise<number> {
    return this.run('certificates', () =>
      this.m.Certificate.countDocuments({ status: 'active', notAfter: { $gt: now, $lte: before } }),
    );
  }
}
