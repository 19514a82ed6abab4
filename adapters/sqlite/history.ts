/** Append-only records: login history (ログイン履歴) and the audit log, listed newest first. */
import type Database from 'better-sqlite3';
import type { AuditEvent, LoginEvent } from '../../src/domain.js';
import { newId } from '../../src/random.js';
import type { AuditQuery, LoginEventQuery, NewAuditEvent, NewLoginEvent, Page } from '../../src/store.js';
import { ms, toAuditEvent, toLoginEvent, type Row } from './rows.js';
import { page, where, type StatementCache } from './sql.js';

/** Same-millisecond events keep their insertion order (rowid) when listed newest first. */
const NEWEST_FIRST = 'at DESC, rowid DESC';

export class LoginHistory {
  readonly #statements: StatementCache;
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #purge: Database.Statement<unknown[]>;
  readonly #purgeOfTenant: Database.Statement<[number | null, string | null]>;

  constructor(db: Database.Database, statements: StatementCache) {
    this.#statements = statements;
    this.#insert = db.prepare(
      `INSERT INTO login_events (id, account_id, tenant_id, at, source_ip, result, client_id, user_agent, cert_serial)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#purge = db.prepare('DELETE FROM login_events WHERE at < ?');
    // `IS`: a null tenant purges the events no tenant could be told for.
    this.#purgeOfTenant = db.prepare('DELETE FROM login_events WHERE at < ? AND tenant_id IS ?');
  }

  add(e: NewLoginEvent): LoginEvent {
    const { accountId, tenantId, at, sourceIp, result, clientId, userAgent, certSerial } = e;
    return toLoginEvent(
      this.#insert.get(
        newId(),
        accountId,
        tenantId,
        ms(at),
        sourceIp,
        result,
        clientId,
        userAgent,
        certSerial,
      )!,
    );
  }

  list(q: LoginEventQuery): Page<LoginEvent> {
    const filter = where([
      ['account_id = ?', q.accountId],
      ['tenant_id = ?', q.tenantId],
      ['at >= ?', ms(q.since)],
      ['at < ?', ms(q.until)],
    ]);
    const query = { table: 'login_events', filter, order: NEWEST_FIRST };
    return page(this.#statements, query, toLoginEvent, q.offset, q.limit);
  }

  purge(before: Date, tenantId?: string | null): number {
    return tenantId === undefined
      ? this.#purge.run(ms(before)).changes
      : this.#purgeOfTenant.run(ms(before), tenantId).changes;
  }
}

export class AuditLog {
  readonly #statements: StatementCache;
  readonly #insert: Database.Statement<unknown[], Row>;

  constructor(db: Database.Database, statements: StatementCache) {
    this.#statements = statements;
    this.#insert = db.prepare(
      `INSERT INTO audit_events (id, at, actor, action, tenant_id, account_id, source_ip, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
  }

  add(e: NewAuditEvent): AuditEvent {
    const details = JSON.stringify(e.details);
    return toAuditEvent(
      this.#insert.get(newId(), ms(e.at), e.actor, e.action, e.tenantId, e.accountId, e.sourceIp, details)!,
    );
  }

  list(q: AuditQuery): Page<AuditEvent> {
    const filter = where([
      ['tenant_id = ?', q.tenantId],
      ['account_id = ?', q.accountId],
      ['action = ?', q.action],
      ['at >= ?', ms(q.since)],
    ]);
    const query = { table: 'audit_events', filter, order: NEWEST_FIRST };
    return page(this.#statements, query, toAuditEvent, q.offset, q.limit);
  }
}
