/**
 * The short-lived or append-only records of the MongoDB store: one-time tickets, login history, the
 * audit log, rate-limit buckets, admin API keys, oidc-provider artifacts and Tobira's own short-lived
 * state in the same collection (the mail outbox: outbox.ts).
 * Every atomic operation is one conditional update, as the Store interface requires.
 */
import type { QueryFilter } from 'mongoose';
import type { ApiKey, AuditEvent, LoginEvent, Ticket } from '../../src/domain.js';
import type {
  AttemptReservation,
  AuditQuery,
  LoginEventQuery,
  NewApiKey,
  NewAuditEvent,
  NewLoginEvent,
  NewTicket,
  EphemeralRecord,
  OidcPayload,
  Page,
  RateLimitCounts,
  RateLimitHit,
} from '../../src/store.js';
import { AFTER, MAJORITY, defined, maybe } from './base.js';
import { timeOrderedId } from './ids.js';
import { MongoOutbox } from './outbox.js';
import { isDuplicateKeyError } from './errors.js';
import { toApiKey, type ApiKeyDoc } from './models/api-keys.js';
import { toAuditEvent, type AuditEventDoc } from './models/audit-events.js';
import { copyValue } from './models/fields.js';
import { toLoginEvent, type LoginEventDoc } from './models/login-events.js';
import { oidcId, toOidcPayload, type OidcDoc } from './models/oidc.js';
import type { RateLimitDoc } from './models/rate-limits.js';
import { toTicket, type TicketDoc } from './models/tickets.js';

export abstract class MongoRecords extends MongoOutbox {
  // ---- tickets ----------------------------------------------------------------------------------

  createTicket(t: NewTicket, now: Date): Promise<Ticket> {
    return this.run('tickets', async () => {
      await this.mustExist(this.m.Account, t.accountId, 'account');
      const { id, ...fields } = t;
      const doc = await this.insert(this.m.Ticket, {
        ...fields,
        _id: id,
        usedAt: null,
        replacedAt: null,
        failedAttempts: 0,
        createdAt: now,
      });
      return toTicket(doc);
    });
  }

  getTicketByTokenHash(tokenHash: string): Promise<Ticket | null> {
    return this.run('tickets', () =>
      this.m.Ticket.findOne({ tokenHash }).lean<TicketDoc>().then(maybe(toTicket)),
    );
  }

  consumeTicket(id: string, now: Date): Promise<boolean> {
    return this.run('tickets', async () => {
      const result = await this.m.Ticket.updateOne(
        { _id: id, usedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now } },
        MAJORITY,
      );
      return result.modifiedCount === 1;
    });
  }

  reserveTicketAttempt(id: string, max: number): Promise<AttemptReservation> {
    return this.run('tickets', async () => {
      const doc = await this.m.Ticket.findOneAndUpdate(
        { _id: id, usedAt: null, failedAttempts: { $lt: max } },
        { $inc: { failedAttempts: 1 } },
        { ...AFTER, ...MAJORITY },
      ).lean<TicketDoc>();
      return doc ? { ok: true, count: doc.failedAttempts } : { ok: false };
    });
  }

  invalidateTickets(accountId: string, purpose: Ticket['purpose'], now: Date): Promise<number> {
    return this.run('tickets', async () => {
      const result = await this.m.Ticket.updateMany(
        { accountId, purpose, usedAt: null, expiresAt: { $gt: now } },
        { $set: { expiresAt: now, replacedAt: now } },
        MAJORITY,
      );
      return result.modifiedCount;
    });
  }

  /** The TTL index removes them a week after expiry anyway; the retention job's sweep is immediate. */
  purgeExpiredTickets(before: Date): Promise<number> {
    return this.run(
      'tickets',
      async () => (await this.m.Ticket.deleteMany({ expiresAt: { $lt: before } })).deletedCount,
    );
  }

  // ---- login history and audit -------------------------------------------------------------------

  addLoginEvent(e: NewLoginEvent): Promise<LoginEvent> {
    return this.run('login_events', async () => {
      const id = timeOrderedId();
      await this.m.LoginEvent.create({ ...e, _id: id });
      return { ...e, at: new Date(e.at), id };
    });
  }

  listLoginEvents(q: LoginEventQuery): Promise<Page<LoginEvent>> {
    const at = defined({ $gte: q.since, $lt: q.until });
    const filter = defined({
      accountId: q.accountId,
      tenantId: q.tenantId,
      at: Object.keys(at).length ? at : undefined,
    });
    return this.run('login_events', () =>
      this.page<LoginEventDoc, LoginEvent>(
        this.m.LoginEvent,
        filter,
        { at: -1, _id: -1 },
        toLoginEvent,
        q.offset,
        q.limit,
      ),
    );
  }

  /** `tenantId: null` matches the events stored without a tenant. */
  purgeLoginEvents(before: Date, tenantId?: string | null): Promise<number> {
    return this.run(
      'login_events',
      async () =>
        (await this.m.LoginEvent.deleteMany(defined({ at: { $lt: before }, tenantId }))).deletedCount,
    );
  }

  addAuditEvent(e: NewAuditEvent): Promise<AuditEvent> {
    return this.run('audit_events', async () => {
      const id = timeOrderedId();
      await this.m.AuditEvent.create({ ...e, _id: id });
      return { ...e, at: new Date(e.at), details: copyValue(e.details), id };
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
      this.page<AuditEventDoc, AuditEvent>(
        this.m.AuditEvent,
        filter,
        { at: -1, _id: -1 },
        toAuditEvent,
        q.offset,
        q.limit,
      ),
    );
  }

  // ---- rate limits and API keys ------------------------------------------------------------------

  hitRateLimit(key: string, expiresAt: Date, now: Date): Promise<number> {
    return this.run('rate_limits', async () => {
      // A bucket whose window ended starts again; the TTL monitor deletes it only about once a minute.
      // Conditional, so of concurrent callers only one resets it.
      await this.m.RateLimit.updateOne(
        { _id: key, expiresAt: { $lte: now } },
        { $set: { count: 0, expiresAt } },
      );
      const increment = () =>
        this.m.RateLimit.findOneAndUpdate(
          { _id: key },
          { $inc: { count: 1 }, $setOnInsert: { expiresAt } },
          { ...AFTER, upsert: true },
        ).lean<RateLimitDoc>();
      try {
        return (await increment())!.count;
      } catch (error) {
        // Two concurrent upserts of a new key: one inserts, the other hits the unique _id. The bucket
        // exists now, so the retry is a plain increment.
        if (!isDuplicateKeyError(error)) throw error;
        return (await increment())!.count;
      }
    });
  }

  /** No transaction needed: each bucket's hit is atomic on its own; the reads go alongside. */
  hitRateLimits(hits: RateLimitHit[], now: Date): Promise<RateLimitCounts[]> {
    return Promise.all(
      hits.map(async (h) => {
        const [current, previous] = await Promise.all([
          this.hitRateLimit(h.key, h.expiresAt, now),
          this.countRateLimit(h.previousKey, now),
        ]);
        return { current, previous };
      }),
    );
  }

  countRateLimit(key: string, now: Date): Promise<number> {
    return this.run('rate_limits', async () => {
      const bucket = await this.m.RateLimit.findOne({
        _id: key,
        expiresAt: { $gt: now },
      }).lean<RateLimitDoc>();
      return bucket?.count ?? 0;
    });
  }

  createApiKey(k: NewApiKey, now: Date): Promise<ApiKey> {
    return this.run('api_keys', async () => {
      if (k.tenantId) await this.mustExist(this.m.Tenant, k.tenantId, 'tenant');
      const doc = await this.insert(this.m.ApiKey, {
        _id: k.id,
        keyHash: k.keyHash,
        label: k.label,
        tenantId: k.tenantId ?? null,
        createdAt: now,
        revokedAt: null,
      });
      return toApiKey(doc);
    });
  }

  getApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
    return this.run('api_keys', () =>
      this.m.ApiKey.findOne({ keyHash }).lean<ApiKeyDoc>().then(maybe(toApiKey)),
    );
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.run('api_keys', async () =>
      (await this.m.ApiKey.find().sort({ createdAt: 1, _id: 1 }).lean<ApiKeyDoc[]>()).map(toApiKey),
    );
  }

  revokeApiKey(id: string, now: Date): Promise<boolean> {
    return this.run('api_keys', async () => {
      const result = await this.m.ApiKey.updateOne(
        { _id: id, revokedAt: null },
        { $set: { revokedAt: now } },
        MAJORITY,
      );
      return result.modifiedCount === 1;
    });
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
        { _id: oidcId(model, id) },
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

  /** Expired artifacts are gone at `now` even before the TTL monitor deletes them. */
  #findOidc(filter: QueryFilter<OidcDoc>, now: Date): Promise<OidcPayload | null> {
    return this.m.Oidc.findOne({ ...filter, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] })
      .lean<OidcDoc>()
      .then(maybe(toOidcPayload));
  }

  oidcFind(model: string, id: string, now: Date): Promise<OidcPayload | null> {
    return this.run('oidc', () => this.#findOidc({ _id: oidcId(model, id) }, now));
  }

  oidcFindByUid(model: string, uid: string, now: Date): Promise<OidcPayload | null> {
    return this.run('oidc', () => this.#findOidc({ model, uid }, now));
  }

  oidcFindByUserCode(model: string, userCode: string, now: Date): Promise<OidcPayload | null> {
    return this.run('oidc', () => this.#findOidc({ model, userCode }, now));
  }

  oidcConsume(model: string, id: string, now: Date): Promise<boolean> {
    return this.run('oidc', async () => {
      const { modifiedCount } = await this.m.Oidc.updateOne(
        { _id: oidcId(model, id), consumedAt: null },
        { $set: { consumedAt: now } },
        MAJORITY,
      );
      return modifiedCount === 1;
    });
  }

  oidcDestroy(model: string, id: string): Promise<void> {
    return this.run('oidc', async () => {
      await this.m.Oidc.deleteOne({ _id: oidcId(model, id) }, MAJORITY);
    });
  }

  oidcRevokeByGrantId(grantId: string): Promise<void> {
    return this.run('oidc', async () => {
      await this.m.Oidc.deleteMany({ grantId }, MAJORITY);
    });
  }

  /** TTL indexes remove these within about a minute; this sweep (as in SQLite) makes it immediate. */
  oidcPurgeExpired(now: Date): Promise<number> {
    return this.run('oidc', async () => {
      await this.m.RateLimit.deleteMany({ expiresAt: { $lte: now } });
      return (await this.m.Oidc.deleteMany({ expiresAt: { $ne: null, $lte: now } })).deletedCount;
    });
  }

  // ---- Tobira's short-lived state: the artifacts' collection, under Tobira's own kinds ------------

  putState(kind: string, id: string, record: EphemeralRecord, ttlSeconds: number, now: Date): Promise<void> {
    return this.oidcUpsert(kind, id, record, ttlSeconds, now);
  }

  getState(kind: string, id: string, now: Date): Promise<EphemeralRecord | null> {
    return this.oidcFind(kind, id, now);
  }

  deleteState(kind: string, id: string): Promise<void> {
    return this.oidcDestroy(kind, id);
  }
}
