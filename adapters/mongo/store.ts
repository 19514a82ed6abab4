/**
 * The production Store on MongoDB through mongoose: tenants, clients, accounts, terminals and
 * certificates here; the rest in base.ts.
 */
import type { ClientSession } from 'mongoose';
import type {
  Account,
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
} from '../../src/store.js';
import { MongoBase, defined } from './base.js';
import { toAccount, toCertificate, toClient, toTenant, toTerminal, type Doc } from './mapping.js';

const COUNTER_FIELD: Record<FailureCounter, string> = {
  password: 'failedPasswordCount',
  secret_answer: 'failedSecretAnswerCount',
  enrollment_otp: 'failedEnrollmentOtpCount',
};

const after = { returnDocument: 'after' as const };
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class MongoStore extends MongoBase implements Store {
  #transactions = false;

  /** Build indexes and learn whether the server can run multi-document transactions (replica set). */
  async init(): Promise<void> {
    await this.run('init', async () => {
      await Promise.all(Object.values(this.m).map((model) => model.createIndexes()));
      const hello = (await this.connection.db!.admin().command({ hello: 1 })) as {
        setName?: string;
        msg?: string;
      };
      this.#transactions = Boolean(hello.setName) || hello.msg === 'isdbgrid';
    });
  }

  /** Run `fn` in a transaction when the server supports one; otherwise as written (ordered for safety). */
  async #unit<T>(fn: (session: ClientSession | undefined) => Promise<T>): Promise<T> {
    if (!this.#transactions) return fn(undefined);
    return this.connection.transaction((session) => fn(session));
  }

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
      return toTenant(doc.toObject() as Doc);
    });
  }

  getTenant(id: string): Promise<Tenant | null> {
    return this.run('tenants', async () => {
      const doc = await this.m.Tenant.findById(id).lean<Doc>();
      return doc ? toTenant(doc) : null;
    });
  }

  listTenants(): Promise<Tenant[]> {
    return this.run('tenants', async () =>
      (await this.m.Tenant.find().sort({ _id: 1 }).lean<Doc[]>()).map(toTenant),
    );
  }

  updateTenant(id: string, patch: TenantPatch, now: Date): Promise<Tenant | null> {
    return this.run('tenants', async () => {
      const doc = await this.m.Tenant.findOneAndUpdate(
        { _id: id },
        { $set: { ...defined({ ...patch }), updatedAt: now } },
        after,
      ).lean<Doc>();
      return doc ? toTenant(doc) : null;
    });
  }

  createClient(c: NewOidcClient, now: Date): Promise<OidcClientRecord> {
    return this.run('clients', async () => {
      const doc = await this.m.Client.create({
        _id: c.clientId,
        tenantId: c.tenantId,
        metadata: c.metadata,
        firstParty: c.firstParty,
        createdAt: now,
        updatedAt: now,
      });
      return toClient(doc.toObject() as Doc);
    });
  }

  getClient(clientId: string): Promise<OidcClientRecord | null> {
    return this.run('clients', async () => {
      const doc = await this.m.Client.findById(clientId).lean<Doc>();
      return doc ? toClient(doc) : null;
    });
  }

  listClients(tenantId?: string): Promise<OidcClientRecord[]> {
    return this.run('clients', async () =>
      (await this.m.Client.find(defined({ tenantId })).sort({ _id: 1 }).lean<Doc[]>()).map(toClient),
    );
  }

  updateClient(
    clientId: string,
    metadata: Record<string, unknown>,
    now: Date,
  ): Promise<OidcClientRecord | null> {
    return this.run('clients', async () => {
      const doc = await this.m.Client.findOneAndUpdate(
        { _id: clientId },
        { $set: { metadata, updatedAt: now } },
        after,
      ).lean<Doc>();
      return doc ? toClient(doc) : null;
    });
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
      const doc = await this.m.Account.create({
        _id: a.id,
        tenantId: a.tenantId,
        userId: a.userId,
        status: a.status,
        loginMethod: a.loginMethod,
        createdAt: now,
        updatedAt: now,
      });
      return toAccount(doc.toObject() as Doc);
    });
  }

  getAccount(id: string): Promise<Account | null> {
    return this.run('accounts', async () => {
      const doc = await this.m.Account.findById(id).lean<Doc>();
      return doc ? toAccount(doc) : null;
    });
  }

  getAccountByUserId(userId: string): Promise<Account | null> {
    return this.run('accounts', async () => {
      const doc = await this.m.Account.findOne({ userId }).lean<Doc>();
      return doc ? toAccount(doc) : null;
    });
  }

  findAccounts(q: AccountQuery): Promise<Page<Account>> {
    const filter = defined({
      tenantId: q.tenantId,
      status: q.status,
      userId: q.userIdPrefix === undefined ? undefined : { $regex: `^${escapeRegex(q.userIdPrefix)}` },
    });
    return this.run('accounts', () =>
      this.page(this.m.Account, filter, { userId: 1 }, toAccount, q.offset, q.limit),
    );
  }

  updateAccount(id: string, patch: AccountPatch, now: Date): Promise<Account | null> {
    return this.run('accounts', async () => {
      const doc = await this.m.Account.findOneAndUpdate(
        { _id: id },
        { $set: { ...defined({ ...patch }), updatedAt: now } },
        { ...after, runValidators: true },
      ).lean<Doc>();
      return doc ? toAccount(doc) : null;
    });
  }

  /**
   * Without a transaction the order is: revoke the certificates first (so nothing can sign in any more),
   * then delete tickets and terminals, then the account — a crash midway leaves a revoked, harmless rest.
   */
  deleteAccount(id: string, now: Date): Promise<boolean> {
    return this.run('accounts', () =>
      this.#unit(async (session) => {
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

  reserveAttempt(
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options: { allowPending?: boolean } = {},
  ): Promise<AttemptReservation> {
    const field = COUNTER_FIELD[counter];
    const statuses = options.allowPending ? ['active', 'pending'] : ['active'];
    return this.run('accounts', async () => {
      // A computed key defeats mongoose's filter typing; the filter is plain MongoDB syntax.
      const filter: Record<string, unknown> = {
        _id: accountId,
        status: { $in: statuses },
        [field]: { $lt: max },
      };
      const doc = await this.m.Account.findOneAndUpdate(
        filter,
        { $inc: { [field]: 1 }, $set: { updatedAt: now } },
        after,
      ).lean<Doc>();
      return doc ? { ok: true, count: Number(doc[field]) } : { ok: false };
    });
  }

  resetCounter(accountId: string, counter: FailureCounter, now: Date): Promise<void> {
    return this.run('accounts', async () => {
      await this.m.Account.updateOne(
        { _id: accountId },
        { $set: { [COUNTER_FIELD[counter]]: 0, updatedAt: now } },
      );
    });
  }

  lockAccount(accountId: string, reason: LockReason, now: Date): Promise<Account | null> {
    return this.run('accounts', async () => {
      await this.m.Account.updateOne(
        { _id: accountId, status: { $ne: 'locked' } },
        { $set: { status: 'locked', lockReason: reason, lockedAt: now, updatedAt: now } },
      );
      const doc = await this.m.Account.findById(accountId).lean<Doc>();
      return doc ? toAccount(doc) : null;
    });
  }

  unlockAccount(accountId: string, now: Date): Promise<Account | null> {
    return this.run('accounts', async () => {
      // An update pipeline picks the status from the document itself, in one atomic write.
      const doc = await this.m.Account.findOneAndUpdate(
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
        { ...after, updatePipeline: true },
      ).lean<Doc>();
      return doc ? toAccount(doc) : null;
    });
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

  /** The number comes from an atomic `$inc` on the account; a crash after it only skips a number. */
  createTerminal(t: NewTerminal, now: Date): Promise<Terminal> {
    return this.run('terminals', async () => {
      const account = await this.m.Account.findOneAndUpdate(
        { _id: t.accountId },
        { $inc: { terminalSeq: 1 } },
        after,
      ).lean<Doc>();
      if (!account) throw new StoreError('store_reference_missing', `no account ${t.accountId}`);
      const doc = await this.m.Terminal.create({
        _id: t.id,
        accountId: t.accountId,
        number: Number(account.terminalSeq),
        email: t.email,
        type: t.type,
        createdAt: now,
        updatedAt: now,
      });
      return toTerminal(doc.toObject() as Doc);
    });
  }

  getTerminal(id: string): Promise<Terminal | null> {
    return this.run('terminals', async () => {
      const doc = await this.m.Terminal.findById(id).lean<Doc>();
      return doc ? toTerminal(doc) : null;
    });
  }

  listTerminals(accountId: string, options: { includeDeleted?: boolean } = {}): Promise<Terminal[]> {
    const filter = options.includeDeleted ? { accountId } : { accountId, deleted: false };
    return this.run('terminals', async () =>
      (await this.m.Terminal.find(filter).sort({ number: 1 }).lean<Doc[]>()).map(toTerminal),
    );
  }

  updateTerminal(id: string, patch: TerminalPatch, now: Date): Promise<Terminal | null> {
    return this.run('terminals', async () => {
      const doc = await this.m.Terminal.findOneAndUpdate(
        { _id: id },
        { $set: { ...defined({ ...patch }), updatedAt: now } },
        after,
      ).lean<Doc>();
      return doc ? toTerminal(doc) : null;
    });
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
   * In a transaction on a replica set. Without one, the order keeps every intermediate state safe:
   * insert the new certificate (a duplicate fails here, changing nothing), then supersede the old one,
   * then point the terminal at the new one. Until that last write the new certificate is not the
   * terminal's current one, and login refuses a certificate that is not current.
   */
  saveIssuedCertificate(issued: IssuedCertificate, now: Date): Promise<Certificate> {
    const c = issued.certificate;
    return this.run('certificates', () =>
      this.#unit(async (session) => {
        const terminal = await this.m.Terminal.findById(c.terminalId, null, { session }).lean<Doc>();
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
        return toCertificate(created!.toObject() as Doc);
      }),
    );
  }

  getCertificate(serial: string): Promise<Certificate | null> {
    return this.run('certificates', async () => {
      const doc = await this.m.Certificate.findById(serial).lean<Doc>();
      return doc ? toCertificate(doc) : null;
    });
  }

  getCertificateByFingerprint(fingerprintS256: string): Promise<Certificate | null> {
    return this.run('certificates', async () => {
      const doc = await this.m.Certificate.findOne({ fingerprintS256 }).lean<Doc>();
      return doc ? toCertificate(doc) : null;
    });
  }

  listCertificates(q: {
    accountId?: string;
    terminalId?: string;
    status?: Certificate['status'];
  }): Promise<Certificate[]> {
    return this.run('certificates', async () =>
      (
        await this.m.Certificate.find(
          defined({ accountId: q.accountId, terminalId: q.terminalId, status: q.status }),
        )
          .sort({ createdAt: 1 })
          .lean<Doc[]>()
      ).map(toCertificate),
    );
  }

  revokeCertificate(serial: string, reason: string, now: Date): Promise<Certificate | null> {
    return this.run('certificates', async () => {
      await this.m.Certificate.updateOne(
        { _id: serial, status: 'active' },
        { $set: { status: 'revoked', revokedAt: now, revocationReason: reason } },
      );
      const doc = await this.m.Certificate.findById(serial).lean<Doc>();
      return doc ? toCertificate(doc) : null;
    });
  }

  listRevokedCertificates(now: Date): Promise<Certificate[]> {
    return this.run('certificates', async () =>
      (
        await this.m.Certificate.find({ status: { $in: ['revoked', 'superseded'] }, notAfter: { $gt: now } })
          .sort({ revokedAt: 1 })
          .lean<Doc[]>()
      ).map(toCertificate),
    );
  }
}
