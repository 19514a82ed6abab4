/**
 * The production Store on MongoDB through mongoose: tenants, clients and accounts here; terminals and
 * certificates in devices.ts, the short-lived records in records.ts, the plumbing in base.ts.
 */
import type { Connection, QueryFilter } from 'mongoose';
import type {
  Account,
  AccountStatus,
  FailureCounter,
  LockReason,
  OidcClientRecord,
  Tenant,
} from '../../src/domain.js';
import {
  type AccountPatch,
  type AccountQuery,
  type AttemptReservation,
  type NewAccount,
  type NewOidcClient,
  type NewTenant,
  type Page,
  type Store,
  type TenantPatch,
  type WorkDone,
  type WorkUnit,
} from '../../src/store.js';
import { AFTER, MAJORITY, PATCH, defined, maybe } from './base.js';
import { COUNTER_FIELDS, toAccount, type AccountDoc } from './models/accounts.js';
import { toClient, type ClientDoc } from './models/clients.js';
import { toTenant, type TenantDoc } from './models/tenants.js';
import { MongoDevices } from './devices.js';
import { commitWorkUnit } from './work.js';
import { bumpAfterWrites } from '../../src/store/epoch.js';
import { oidcId } from './models/oidc.js';

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The security epoch's one document (src/store/epoch.ts). */
const EPOCH = { collection: 'security_epoch', id: 'epoch' } as const;
/**
 * The epoch read from the primary, majority-committed only: a bump rolled back by a fail-over must not
 * be seen, or the next bump would give the same number again and hide a change from this process.
 */
const EPOCH_READ = (maxTimeMS: number) =>
  ({ maxTimeMS, readConcern: { level: 'majority' }, readPreference: 'primary' }) as const;
/**
 * Methods bumpAfterWrites leaves alone: MongoBase's helpers, which are no Store methods, and commitWork,
 * which moves the epoch inside its unit, only once it wrote (work.ts).
 */
const UNWRAPPED = new Set([
  'run',
  'unit',
  'mustExist',
  'page',
  'insert',
  'lasting',
  'serverTraits',
  'unitSession',
  'commitWork',
]);

export class MongoStore extends MongoDevices implements Store {
  constructor(connection: Connection) {
    super(connection);
    // No triggers here: the epoch moves right after each write that could change a cached record.
    bumpAfterWrites(
      this,
      {
        bump: () => this.#bumpEpoch(),
        exists: (model, id) =>
          this.run('oidc', async () => Boolean(await this.m.Oidc.exists({ _id: oidcId(model, id) }))),
      },
      UNWRAPPED,
    );
  }

  /** Move the epoch; inside a unit, as one of its writes (committed or rolled back with it). */
  #bumpEpoch(): Promise<void> {
    return this.run(EPOCH.collection, async () => {
      await this.#epoch().updateOne(
        { _id: EPOCH.id },
        { $inc: { value: 1 } },
        { upsert: true, ...this.lasting(this.unitSession) },
      );
    });
  }

  #epoch() {
    return this.connection.db!.collection<{ _id: string; value: number }>(EPOCH.collection);
  }

  getSecurityEpoch(): Promise<number> {
    return this.run(
      EPOCH.collection,
      async () =>
        (await this.#epoch().findOne({ _id: EPOCH.id }, EPOCH_READ(this.connection.get('maxTimeMS'))))
          ?.value ?? 0,
    );
  }

  // ---- tenants and clients -----------------------------------------------------------------------

  createTenant(t: NewTenant, now: Date): Promise<Tenant> {
    return this.run('tenants', async () => {
      const doc = await this.insert(this.m.Tenant, {
        _id: t.id,
        name: t.name,
        supportContact: t.supportContact,
        policy: t.policy,
        createdAt: now,
        updatedAt: now,
      });
      return toTenant(doc);
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
      this.m.Tenant.findOneAndUpdate({ _id: id }, { $set: { ...defined(patch), updatedAt: now } }, PATCH)
        .lean<TenantDoc>()
        .then(maybe(toTenant)),
    );
  }

  createClient(c: NewOidcClient, now: Date): Promise<OidcClientRecord> {
    return this.run('clients', async () => {
      await this.mustExist(this.m.Tenant, c.tenantId, 'tenant');
      const doc = await this.insert(this.m.Client, {
        _id: c.clientId,
        tenantId: c.tenantId,
        metadata: c.metadata,
        firstParty: c.firstParty,
        createdAt: now,
        updatedAt: now,
      });
      return toClient(doc);
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
      this.m.Client.findOneAndUpdate({ _id: clientId }, { $set: { metadata, updatedAt: now } }, PATCH)
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
      const doc = await this.insert(this.m.Account, {
        _id: a.id,
        tenantId: a.tenantId,
        userId: a.userId,
        displayName: a.displayName ?? null,
        status: a.status,
        loginMethod: a.loginMethod,
        createdAt: now,
        updatedAt: now,
      });
      return toAccount(doc);
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
      this.m.Account.findOneAndUpdate({ _id: id }, { $set: { ...defined(patch), updatedAt: now } }, PATCH)
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
          this.lasting(session),
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
        { ...AFTER, ...MAJORITY },
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
        MAJORITY,
      );
      return this.m.Account.findById(accountId).lean<AccountDoc>().then(maybe(toAccount));
    });
  }

  /**
   * Two conditional updates instead of an update pipeline (FerretDB has none): the one whose filter
   * matches the password's presence at that instant sets the status, each atomic on its own.
   */
  unlockAccount(accountId: string, now: Date): Promise<Account | null> {
    const reset = {
      lockReason: null,
      lockedAt: null,
      failedPasswordCount: 0,
      failedSecretAnswerCount: 0,
      failedEnrollmentOtpCount: 0,
      updatedAt: now,
    };
    const unlock = (hasPassword: boolean, status: AccountStatus) =>
      this.m.Account.findOneAndUpdate(
        { _id: accountId, passwordHash: hasPassword ? { $ne: null } : null },
        { $set: { ...reset, status } },
        AFTER,
      ).lean<AccountDoc>();
    return this.run('accounts', async () =>
      maybe(toAccount)((await unlock(true, 'active')) ?? (await unlock(false, 'pending'))),
    );
  }

  advanceTotpStep(accountId: string, step: number, now: Date): Promise<boolean> {
    return this.run('accounts', async () => {
      const result = await this.m.Account.updateOne(
        { _id: accountId, $or: [{ totpLastStep: null }, { totpLastStep: { $lt: step } }] },
        { $set: { totpLastStep: step, updatedAt: now } },
        MAJORITY,
      );
      return result.modifiedCount === 1;
    });
  }

  // ---- multi-step use cases (work.ts) -------------------------------------------------------------

  /** One transaction where the server has them, else ordered writes under a ticket claim (work.ts). */
  commitWork(unit: WorkUnit, now: Date): Promise<WorkDone | false> {
    const writer = { store: this, m: this.m, bumpEpoch: () => this.#bumpEpoch() };
    return this.run('work', () => this.unit((session) => commitWorkUnit(writer, unit, now, session)));
  }
}
