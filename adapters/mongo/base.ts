/**
 * MongoDB plumbing shared by the adapter's parts: connection, models, error mapping, paging, and the
 * short-lived or append-only records (tickets, history, audit, outbox, rate limits, API keys, oidc
 * artifacts). `MongoStore` (store.ts) adds the identity records. Every atomic operation is one
 * conditional update, as the Store interface requires.
 */
import type { Connection, Model } from 'mongoose';
import type { ApiKey, AuditEvent, LoginEvent, OutboxMail, Ticket } from '../../src/domain.js';
import { newId } from '../../src/random.js';
import type {
  AttemptReservation,
  AuditQuery,
  LoginEventQuery,
  NewAuditEvent,
  NewLoginEvent,
  NewMail,
  NewTicket,
  OidcPayload,
  Page,
} from '../../src/store.js';
import { mapMongoError } from './errors.js';
import { toApiKey, toAuditEvent, toLoginEvent, toMail, toTicket, type Doc } from './mapping.js';
import { defineModels, type Models } from './schemas.js';

const WEEK_MS = 7 * 86_400_000;
const after = { returnDocument: 'after' as const };

/** Drop undefined filter values, so optional query fields mean "any". */
export const defined = (filter: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));

export abstract class MongoBase {
  readonly kind = 'mongodb';
  protected readonly m: Models;

  constructor(protected readonly connection: Connection) {
    this.m = defineModels(connection);
  }

  /** Every method runs through here: driver errors become StoreConflictError / StoreUnavailableError. */
  protected async run<T>(collection: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw mapMongoError(error, collection);
    }
  }

  protected async page<T>(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one helper pages every collection
    model: Model<any>,
    filter: Record<string, unknown>,
    sort: Record<string, 1 | -1>,
    map: (d: Doc) => T,
    offset = 0,
    limit = 50,
  ): Promise<Page<T>> {
    const [total, docs] = await Promise.all([
      model.countDocuments(filter),
      model.find(filter).sort(sort).skip(offset).limit(limit).lean<Doc[]>(),
    ]);
    return { items: docs.map(map), total };
  }

  async ping(): Promise<void> {
    await this.run('admin', async () => {
      await this.connection.db!.admin().ping();
    });
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  // ---- tickets ----------------------------------------------------------------------------------

  createTicket(t: NewTicket, now: Date): Promise<Ticket> {
    return this.run('tickets', async () => {
      const doc = await this.m.Ticket.create({
        ...t,
        _id: t.id,
        purgeAt: new Date(t.expiresAt.getTime() + WEEK_MS),
        createdAt: now,
      });
      return toTicket(doc.toObject() as Doc);
    });
  }

  getTicketByTokenHash(tokenHash: string): Promise<Ticket | null> {
    return this.run('tickets', async () => {
      const doc = await this.m.Ticket.findOne({ tokenHash }).lean<Doc>();
      return doc ? toTicket(doc) : null;
    });
  }

  consumeTicket(id: string, now: Date): Promise<boolean> {
    return this.run('tickets', async () => {
      const result = await this.m.Ticket.updateOne(
        { _id: id, usedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now } },
      );
      return result.modifiedCount === 1;
    });
  }

  reserveTicketAttempt(id: string, max: number): Promise<AttemptReservation> {
    return this.run('tickets', async () => {
      const doc = await this.m.Ticket.findOneAndUpdate(
        { _id: id, usedAt: null, failedAttempts: { $lt: max } },
        { $inc: { failedAttempts: 1 } },
        after,
      ).lean<Doc>();
      return doc ? { ok: true, count: Number(doc.failedAttempts) } : { ok: false };
    });
  }

  invalidateTickets(accountId: string, purpose: Ticket['purpose'], now: Date): Promise<number> {
    return this.run('tickets', async () => {
      const result = await this.m.Ticket.updateMany(
        { accountId, purpose, usedAt: null, expiresAt: { $gt: now } },
        { $set: { expiresAt: now } },
      );
      return result.modifiedCount;
    });
  }

  purgeExpiredTickets(before: Date): Promise<number> {
    return this.run(
      'tickets',
      async () => (await this.m.Ticket.deleteMany({ expiresAt: { $lt: before } })).deletedCount,
    );
  }

  // ---- login history and audit -------------------------------------------------------------------

  addLoginEvent(e: NewLoginEvent): Promise<LoginEvent> {
    return this.run('login_events', async () => {
      const id = newId();
      await this.m.LoginEvent.create({ ...e, _id: id });
      return { ...e, id };
    });
  }

  listLoginEvents(q: LoginEventQuery): Promise<Page<LoginEvent>> {
    const range = defined({ $gte: q.since, $lt: q.until });
    const filter = defined({
      accountId: q.accountId,
      tenantId: q.tenantId,
      at: Object.keys(range).length ? range : undefined,
    });
    return this.run('login_events', () =>
      this.page(this.m.LoginEvent, filter, { at: -1, _id: -1 }, toLoginEvent, q.offset, q.limit),
    );
  }

  purgeLoginEvents(before: Date, tenantId?: string): Promise<number> {
    return this.run(
      'login_events',
      async () =>
        (await this.m.LoginEvent.deleteMany(defined({ at: { $lt: before }, tenantId }))).deletedCount,
    );
  }

  addAuditEvent(e: NewAuditEvent): Promise<AuditEvent> {
    return this.run('audit_events', async () => {
      const id = newId();
      await this.m.AuditEvent.create({ ...e, _id: id });
      return { ...e, details: structuredClone(e.details), id };
    });
  }

  listAuditEvents(q: AuditQuery): Promise<Page<AuditEvent>> {
    const filter = defined({
      tenantId: q.tenantId,
      accountId: q.accountId,
      action: q.action,
      at: q.since ? { $gte: q.since } : undefined,
    });
    return this.run('audit_events', () =>
      this.page(this.m.AuditEvent, filter, { at: -1, _id: -1 }, toAuditEvent, q.offset, q.limit),
    );
  }

  // ---- mail outbox -------------------------------------------------------------------------------

  enqueueMail(mail: NewMail, now: Date): Promise<OutboxMail> {
    return this.run('outbox', async () => {
      const { id, nextAttemptAt, ...rest } = mail;
      const doc = await this.m.Outbox.create({
        ...rest,
        _id: id,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: nextAttemptAt ?? now,
        createdAt: now,
      });
      return toMail(doc.toObject() as Doc);
    });
  }

  /** One findOneAndUpdate per mail: each claim is atomic, so two workers never take the same mail. */
  claimMail(workerId: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMail[]> {
    return this.run('outbox', async () => {
      const claimed: OutboxMail[] = [];
      while (claimed.length < limit) {
        const doc = await this.m.Outbox.findOneAndUpdate(
          {
            $or: [
              { status: 'pending', nextAttemptAt: { $lte: now } },
              { status: 'sending', claimedUntil: { $lte: now } },
            ],
          },
          {
            $set: { status: 'sending', claimedBy: workerId, claimedUntil: new Date(now.getTime() + leaseMs) },
            $inc: { attempts: 1 },
          },
          { ...after, sort: { nextAttemptAt: 1 } },
        ).lean<Doc>();
        if (!doc) break;
        claimed.push(toMail(doc));
      }
      return claimed;
    });
  }

  markMailSent(id: string, workerId: string, now: Date): Promise<boolean> {
    return this.run('outbox', async () => {
      const result = await this.m.Outbox.updateOne(
        { _id: id, status: 'sending', claimedBy: workerId },
        { $set: { status: 'sent', sentAt: now, claimedBy: null, claimedUntil: null } },
      );
      return result.modifiedCount === 1;
    });
  }

  markMailFailed(
    id: string,
    workerId: string,
    error: string,
    retryAt: Date | null,
    _now: Date,
  ): Promise<boolean> {
    return this.run('outbox', async () => {
      const set = {
        status: retryAt ? 'pending' : 'failed',
        lastError: error.slice(0, 1000),
        claimedBy: null,
        claimedUntil: null,
        ...(retryAt ? { nextAttemptAt: retryAt } : {}),
      };
      const result = await this.m.Outbox.updateOne(
        { _id: id, status: 'sending', claimedBy: workerId },
        { $set: set },
      );
      return result.modifiedCount === 1;
    });
  }

  listMail(q: {
    status?: OutboxMail['status'];
    to?: string;
    offset?: number;
    limit?: number;
  }): Promise<Page<OutboxMail>> {
    return this.run('outbox', () =>
      this.page(
        this.m.Outbox,
        defined({ status: q.status, to: q.to }),
        { createdAt: -1, _id: -1 },
        toMail,
        q.offset,
        q.limit,
      ),
    );
  }

  // ---- rate limits and API keys ------------------------------------------------------------------

  hitRateLimit(key: string, expiresAt: Date, now: Date): Promise<number> {
    return this.run('rate_limits', async () => {
      // A bucket whose window passed starts again (the TTL monitor deletes it only about once a minute).
      await this.m.RateLimit.updateOne(
        { _id: key, expiresAt: { $lte: now } },
        { $set: { count: 0, expiresAt } },
      );
      const increment = () =>
        this.m.RateLimit.findOneAndUpdate(
          { _id: key },
          { $inc: { count: 1 }, $setOnInsert: { expiresAt } },
          { ...after, upsert: true },
        ).lean<Doc>();
      let doc: Doc | null;
      try {
        doc = await increment();
      } catch (error) {
        // Two concurrent upserts of a new key: one inserts, the other hits the unique _id; retry as an update.
        if ((error as { code?: number }).code !== 11000) throw error;
        doc = await increment();
      }
      return Number(doc!.count);
    });
  }

  createApiKey(k: Pick<ApiKey, 'id' | 'keyHash' | 'label'>, now: Date): Promise<ApiKey> {
    return this.run('api_keys', async () => {
      await this.m.ApiKey.create({ _id: k.id, keyHash: k.keyHash, label: k.label, createdAt: now });
      return { ...k, createdAt: now, revokedAt: null };
    });
  }

  getApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
    return this.run('api_keys', async () => {
      const doc = await this.m.ApiKey.findOne({ keyHash }).lean<Doc>();
      return doc ? toApiKey(doc) : null;
    });
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.run('api_keys', async () =>
      (await this.m.ApiKey.find().sort({ createdAt: 1 }).lean<Doc[]>()).map(toApiKey),
    );
  }

  revokeApiKey(id: string, now: Date): Promise<boolean> {
    return this.run(
      'api_keys',
      async () =>
        (await this.m.ApiKey.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: now } }))
          .modifiedCount === 1,
    );
  }

  // ---- oidc-provider artifacts -------------------------------------------------------------------

  oidcUpsert(
    model: string,
    id: string,
    payload: OidcPayload,
    expiresInSeconds: number | undefined,
    now: Date,
  ): Promise<void> {
    return this.run('oidc', async () => {
      await this.m.Oidc.replaceOne(
        { _id: `${model}:${id}` },
        {
          model,
          payload,
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          userCode: payload.userCode ?? null,
          expiresAt: expiresInSeconds ? new Date(now.getTime() + expiresInSeconds * 1000) : null,
          consumedAt: null,
        },
        { upsert: true },
      );
    });
  }

  async #findOidc(filter: Record<string, unknown>, now: Date): Promise<OidcPayload | null> {
    const doc = await this.m.Oidc.findOne({
      ...filter,
      $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }],
    }).lean<Doc>();
    if (!doc) return null;
    const payload = structuredClone(doc.payload) as OidcPayload;
    return doc.consumedAt
      ? { ...payload, consumed: Math.floor(new Date(doc.consumedAt as Date).getTime() / 1000) }
      : payload;
  }

  oidcFind(model: string, id: string, now: Date): Promise<OidcPayload | null> {
    return this.run('oidc', () => this.#findOidc({ _id: `${model}:${id}` }, now));
  }

  oidcFindByUid(model: string, uid: string, now: Date): Promise<OidcPayload | null> {
    return this.run('oidc', () => this.#findOidc({ model, uid }, now));
  }

  oidcFindByUserCode(model: string, userCode: string, now: Date): Promise<OidcPayload | null> {
    return this.run('oidc', () => this.#findOidc({ model, userCode }, now));
  }

  oidcConsume(model: string, id: string, now: Date): Promise<void> {
    return this.run('oidc', async () => {
      await this.m.Oidc.updateOne({ _id: `${model}:${id}` }, { $set: { consumedAt: now } });
    });
  }

  oidcDestroy(model: string, id: string): Promise<void> {
    return this.run('oidc', async () => {
      await this.m.Oidc.deleteOne({ _id: `${model}:${id}` });
    });
  }

  oidcRevokeByGrantId(grantId: string): Promise<void> {
    return this.run('oidc', async () => {
      await this.m.Oidc.deleteMany({ grantId });
    });
  }

  /** TTL indexes remove these within about a minute; this sweep makes it immediate. */
  oidcPurgeExpired(now: Date): Promise<number> {
    return this.run('oidc', async () => {
      await this.m.RateLimit.deleteMany({ expiresAt: { $lte: now } });
      return (await this.m.Oidc.deleteMany({ expiresAt: { $ne: null, $lte: now } })).deletedCount;
    });
  }
}
