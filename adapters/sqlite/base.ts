/**
 * SQLite plumbing shared by the adapter's parts: the connection, error mapping, paging, and the
 * record kinds that are append-only or short-lived (tickets, history, audit, outbox, rate limits,
 * API keys, oidc-provider artifacts). `SqliteStore` (store.ts) adds the identity records.
 */
import Database from 'better-sqlite3';
import type { ApiKey, AuditEvent, LoginEvent, OutboxMail, Ticket } from '../../src/domain.js';
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
import { StoreConflictError, StoreError, StoreUnavailableError } from '../../src/store.js';
import { newId } from '../../src/random.js';
import { ms, toApiKey, toAuditEvent, toLoginEvent, toMail, toTicket, type Row } from './rows.js';

/** `UNIQUE constraint failed: accounts.user_id` → the record field it guards. */
const UNIQUE_FIELDS: Record<string, string> = {
  'tenants.id': 'id',
  'clients.client_id': 'clientId',
  'accounts.id': 'id',
  'accounts.user_id': 'userId',
  'terminals.id': 'id',
  'terminals.account_id, terminals.number': 'number',
  'certificates.serial': 'serial',
  'certificates.fingerprint_s256': 'fingerprintS256',
  'tickets.id': 'id',
  'tickets.token_hash': 'tokenHash',
  'outbox.id': 'id',
  'api_keys.id': 'id',
  'api_keys.key_hash': 'keyHash',
};

export function mapError(error: unknown): never {
  const e = error as { code?: string; message?: string };
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const columns = /constraint failed: (.+)$/.exec(e.message ?? '')?.[1] ?? 'unknown';
    throw new StoreConflictError(UNIQUE_FIELDS[columns] ?? columns, undefined, { cause: error });
  }
  if (
    e.code === 'SQLITE_BUSY' ||
    e.code === 'SQLITE_CANTOPEN' ||
    e.code === 'SQLITE_IOERR' ||
    e.code === 'SQLITE_FULL'
  ) {
    throw new StoreUnavailableError(`the SQLite database is unavailable (${e.code})`, { cause: error });
  }
  if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
    throw new StoreError('store_reference_missing', 'a referenced record does not exist', { cause: error });
  throw error;
}

const reserved = (row: { count: number } | undefined): AttemptReservation =>
  row ? { ok: true, count: row.count } : { ok: false };

export abstract class SqliteBase {
  readonly kind = 'sqlite';
  protected readonly db: Database.Database;

  constructor(path: string) {
    try {
      this.db = new Database(path);
    } catch (error) {
      mapError(error);
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  /** Run `fn` synchronously, mapping driver errors; async only to fit the Store interface. */
  protected async run<T>(fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (error) {
      return mapError(error);
    }
  }

  protected page<T>(
    where: string,
    params: unknown[],
    table: string,
    order: string,
    map: (r: Row) => T,
    offset = 0,
    limit = 50,
  ): Page<T> {
    const total = (
      this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} ${where}`).get(...params) as { n: number }
    ).n;
    const rows = this.db
      .prepare(`SELECT * FROM ${table} ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as Row[];
    return { items: rows.map(map), total };
  }

  async ping(): Promise<void> {
    await this.run(() => this.db.prepare('SELECT 1').get());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ---- tickets ----------------------------------------------------------------------------------

  createTicket(t: NewTicket, now: Date): Promise<Ticket> {
    return this.run(() => {
      this.db
        .prepare(
          'INSERT INTO tickets (id, purpose, token_hash, account_id, terminal_id, secret_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(t.id, t.purpose, t.tokenHash, t.accountId, t.terminalId, t.secretHash, ms(t.expiresAt), ms(now));
      return toTicket(this.db.prepare('SELECT * FROM tickets WHERE id = ?').get(t.id) as Row);
    });
  }

  getTicketByTokenHash(tokenHash: string): Promise<Ticket | null> {
    return this.run(() => {
      const row = this.db.prepare('SELECT * FROM tickets WHERE token_hash = ?').get(tokenHash) as
        Row | undefined;
      return row ? toTicket(row) : null;
    });
  }

  consumeTicket(id: string, now: Date): Promise<boolean> {
    return this.run(
      () =>
        this.db
          .prepare('UPDATE tickets SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?')
          .run(ms(now), id, ms(now)).changes === 1,
    );
  }

  reserveTicketAttempt(id: string, max: number): Promise<AttemptReservation> {
    return this.run(() =>
      reserved(
        this.db
          .prepare(
            'UPDATE tickets SET failed_attempts = failed_attempts + 1 WHERE id = ? AND used_at IS NULL AND failed_attempts < ? RETURNING failed_attempts AS count',
          )
          .get(id, max) as { count: number } | undefined,
      ),
    );
  }

  invalidateTickets(accountId: string, purpose: Ticket['purpose'], now: Date): Promise<number> {
    return this.run(
      () =>
        this.db
          .prepare(
            'UPDATE tickets SET expires_at = ? WHERE account_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?',
          )
          .run(ms(now), accountId, purpose, ms(now)).changes,
    );
  }

  purgeExpiredTickets(before: Date): Promise<number> {
    return this.run(
      () => this.db.prepare('DELETE FROM tickets WHERE expires_at < ?').run(ms(before)).changes,
    );
  }

  // ---- login history and audit -------------------------------------------------------------------

  addLoginEvent(e: NewLoginEvent): Promise<LoginEvent> {
    return this.run(() => {
      const id = newId();
      this.db
        .prepare(
          'INSERT INTO login_events (id, account_id, tenant_id, at, source_ip, result, client_id, user_agent, cert_serial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          id,
          e.accountId,
          e.tenantId,
          ms(e.at),
          e.sourceIp,
          e.result,
          e.clientId,
          e.userAgent,
          e.certSerial,
        );
      return { ...e, id };
    });
  }

  listLoginEvents(q: LoginEventQuery): Promise<Page<LoginEvent>> {
    return this.run(() => {
      const { where, params } = filters([
        ['account_id = ?', q.accountId],
        ['tenant_id = ?', q.tenantId],
        ['at >= ?', ms(q.since)],
        ['at < ?', ms(q.until)],
      ]);
      return this.page(where, params, 'login_events', 'at DESC, rowid DESC', toLoginEvent, q.offset, q.limit);
    });
  }

  purgeLoginEvents(before: Date, tenantId?: string): Promise<number> {
    return this.run(() =>
      tenantId === undefined
        ? this.db.prepare('DELETE FROM login_events WHERE at < ?').run(ms(before)).changes
        : this.db.prepare('DELETE FROM login_events WHERE at < ? AND tenant_id = ?').run(ms(before), tenantId)
            .changes,
    );
  }

  addAuditEvent(e: NewAuditEvent): Promise<AuditEvent> {
    return this.run(() => {
      const id = newId();
      this.db
        .prepare(
          'INSERT INTO audit_events (id, at, actor, action, tenant_id, account_id, source_ip, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, ms(e.at), e.actor, e.action, e.tenantId, e.accountId, e.sourceIp, JSON.stringify(e.details));
      return { ...e, details: structuredClone(e.details), id };
    });
  }

  listAuditEvents(q: AuditQuery): Promise<Page<AuditEvent>> {
    return this.run(() => {
      const { where, params } = filters([
        ['tenant_id = ?', q.tenantId],
        ['account_id = ?', q.accountId],
        ['action = ?', q.action],
        ['at >= ?', ms(q.since)],
      ]);
      return this.page(where, params, 'audit_events', 'at DESC, rowid DESC', toAuditEvent, q.offset, q.limit);
    });
  }

  // ---- mail outbox -------------------------------------------------------------------------------

  enqueueMail(m: NewMail, now: Date): Promise<OutboxMail> {
    return this.run(() => {
      this.db
        .prepare(
          "INSERT INTO outbox (id, recipient, subject, text, html, template, status, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
        )
        .run(m.id, m.to, m.subject, m.text, m.html, m.template, ms(m.nextAttemptAt ?? now), ms(now));
      return toMail(this.db.prepare('SELECT * FROM outbox WHERE id = ?').get(m.id) as Row);
    });
  }

  claimMail(workerId: string, now: Date, leaseMs: number, limit: number): Promise<OutboxMail[]> {
    // IMMEDIATE takes the write lock before reading, so workers in other processes wait instead of both claiming.
    return this.run(() =>
      this.db
        .transaction(() => {
          const ids = this.db
            .prepare(
              "SELECT id FROM outbox WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_until <= ?) ORDER BY next_attempt_at LIMIT ?",
            )
            .all(ms(now), ms(now), limit) as { id: string }[];
          const claim = this.db.prepare(
            "UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ?, attempts = attempts + 1 WHERE id = ? RETURNING *",
          );
          return ids.map(({ id }) => toMail(claim.get(workerId, ms(now)! + leaseMs, id) as Row));
        })
        .immediate(),
    );
  }

  markMailSent(id: string, workerId: string, now: Date): Promise<boolean> {
    return this.run(
      () =>
        this.db
          .prepare(
            "UPDATE outbox SET status = 'sent', sent_at = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ? AND status = 'sending' AND claimed_by = ?",
          )
          .run(ms(now), id, workerId).changes === 1,
    );
  }

  markMailFailed(
    id: string,
    workerId: string,
    error: string,
    retryAt: Date | null,
    _now: Date,
  ): Promise<boolean> {
    return this.run(
      () =>
        this.db
          .prepare(
            `UPDATE outbox SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?, claimed_by = NULL, claimed_until = NULL
             WHERE id = ? AND status = 'sending' AND claimed_by = ?`,
          )
          .run(retryAt ? 'pending' : 'failed', ms(retryAt), error.slice(0, 1000), id, workerId).changes === 1,
    );
  }

  listMail(q: {
    status?: OutboxMail['status'];
    to?: string;
    offset?: number;
    limit?: number;
  }): Promise<Page<OutboxMail>> {
    return this.run(() => {
      const { where, params } = filters([
        ['status = ?', q.status],
        ['recipient = ?', q.to],
      ]);
      return this.page(where, params, 'outbox', 'created_at DESC, rowid DESC', toMail, q.offset, q.limit);
    });
  }

  // ---- rate limits and API keys ------------------------------------------------------------------

  hitRateLimit(key: string, expiresAt: Date, now: Date): Promise<number> {
    return this.run(
      () =>
        (
          this.db
            .prepare(
              `INSERT INTO rate_limits (key, count, expires_at) VALUES (?, 1, ?)
               ON CONFLICT (key) DO UPDATE SET
                 count = CASE WHEN rate_limits.expires_at <= ? THEN 1 ELSE rate_limits.count + 1 END,
                 expires_at = CASE WHEN rate_limits.expires_at <= ? THEN excluded.expires_at ELSE rate_limits.expires_at END
               RETURNING count`,
            )
            .get(key, ms(expiresAt), ms(now), ms(now)) as { count: number }
        ).count,
    );
  }

  createApiKey(k: Pick<ApiKey, 'id' | 'keyHash' | 'label'>, now: Date): Promise<ApiKey> {
    return this.run(() => {
      this.db
        .prepare('INSERT INTO api_keys (id, key_hash, label, created_at) VALUES (?, ?, ?, ?)')
        .run(k.id, k.keyHash, k.label, ms(now));
      return { ...k, createdAt: now, revokedAt: null };
    });
  }

  getApiKeyByHash(keyHash: string): Promise<ApiKey | null> {
    return this.run(() => {
      const row = this.db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(keyHash) as
        Row | undefined;
      return row ? toApiKey(row) : null;
    });
  }

  listApiKeys(): Promise<ApiKey[]> {
    return this.run(() =>
      (this.db.prepare('SELECT * FROM api_keys ORDER BY created_at').all() as Row[]).map(toApiKey),
    );
  }

  revokeApiKey(id: string, now: Date): Promise<boolean> {
    return this.run(
      () =>
        this.db
          .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
          .run(ms(now), id).changes === 1,
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
    return this.run(() => {
      this.db
        .prepare(
          'INSERT OR REPLACE INTO oidc (model, id, payload, grant_id, uid, user_code, expires_at, consumed_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)',
        )
        .run(
          model,
          id,
          JSON.stringify(payload),
          payload.grantId ?? null,
          payload.uid ?? null,
          payload.userCode ?? null,
          expiresInSeconds ? now.getTime() + expiresInSeconds * 1000 : null,
        );
    });
  }

  #findOidc(where: string, params: unknown[], now: Date): OidcPayload | null {
    const row = this.db
      .prepare(
        `SELECT payload, consumed_at FROM oidc WHERE ${where} AND (expires_at IS NULL OR expires_at > ?)`,
      )
      .get(...params, ms(now)) as { payload: string; consumed_at: number | null } | undefined;
    if (!row) return null;
    const payload = JSON.parse(row.payload) as OidcPayload;
    return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
  }

  oidcFind(model: string, id: string, now: Date): Promise<OidcPayload | null> {
    return this.run(() => this.#findOidc('model = ? AND id = ?', [model, id], now));
  }

  oidcFindByUid(model: string, uid: string, now: Date): Promise<OidcPayload | null> {
    return this.run(() => this.#findOidc('model = ? AND uid = ?', [model, uid], now));
  }

  oidcFindByUserCode(model: string, userCode: string, now: Date): Promise<OidcPayload | null> {
    return this.run(() => this.#findOidc('model = ? AND user_code = ?', [model, userCode], now));
  }

  oidcConsume(model: string, id: string, now: Date): Promise<void> {
    return this.run(() => {
      this.db.prepare('UPDATE oidc SET consumed_at = ? WHERE model = ? AND id = ?').run(ms(now), model, id);
    });
  }

  oidcDestroy(model: string, id: string): Promise<void> {
    return this.run(() => {
      this.db.prepare('DELETE FROM oidc WHERE model = ? AND id = ?').run(model, id);
    });
  }

  oidcRevokeByGrantId(grantId: string): Promise<void> {
    return this.run(() => {
      this.db.prepare('DELETE FROM oidc WHERE grant_id = ?').run(grantId);
    });
  }

  oidcPurgeExpired(now: Date): Promise<number> {
    return this.run(() => {
      this.db.prepare('DELETE FROM rate_limits WHERE expires_at <= ?').run(ms(now));
      return this.db.prepare('DELETE FROM oidc WHERE expires_at IS NOT NULL AND expires_at <= ?').run(ms(now))
        .changes;
    });
  }
}

/** WHERE clause from the conditions whose value is given. */
export function filters(conditions: [string, unknown][]): { where: string; params: unknown[] } {
  const given = conditions.filter(([, v]) => v !== undefined && v !== null);
  return {
    where: given.length ? `WHERE ${given.map(([c]) => c).join(' AND ')}` : '',
    params: given.map(([, v]) => v),
  };
}
