/** The mail outbox: workers lease due mail, then mark it sent or failed (with a retry time or for good). */
import type Database from 'better-sqlite3';
import type { OutboxMail } from '../../src/domain.js';
import type { NewMail, Page } from '../../src/store.js';
import { ms, toMail, type Row } from './rows.js';
import { page, where, type StatementCache } from './sql.js';

export interface MailQuery {
  status?: OutboxMail['status'];
  to?: string;
  offset?: number;
  limit?: number;
}

/** Kept short: an SMTP error message, not a transcript. */
const MAX_ERROR_LENGTH = 1000;

export class Outbox {
  readonly #statements: StatementCache;
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #claim: (workerId: string, now: Date, leaseMs: number, limit: number) => Row[];
  readonly #sent: Database.Statement<unknown[]>;
  readonly #failed: Database.Statement<unknown[]>;

  constructor(db: Database.Database, statements: StatementCache) {
    this.#statements = statements;
    this.#insert = db.prepare(
      `INSERT INTO outbox (id, recipient, subject, text, html, template, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING *`,
    );
    // Due: pending and its time has come, or sending under a lease that ran out (a crashed worker).
    const due = db.prepare<unknown[], { id: string }>(
      `SELECT id FROM outbox
       WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'sending' AND claimed_until <= ?)
       ORDER BY next_attempt_at, rowid LIMIT ?`,
    );
    const take = db.prepare<unknown[], Row>(
      `UPDATE outbox SET status = 'sending', claimed_by = ?, claimed_until = ?, attempts = attempts + 1
       WHERE id = ? RETURNING *`,
    );
    // IMMEDIATE takes the write lock before the read, so a worker in another process waits for this
    // claim to commit and then no longer sees these mails as due.
    const claim = db.transaction((workerId: string, now: Date, leaseMs: number, limit: number) =>
      due.all(ms(now), ms(now), limit).map(({ id }) => take.get(workerId, now.getTime() + leaseMs, id)!),
    );
    this.#claim = (...args) => claim.immediate(...args);
    // Only the current claimant may settle a mail: a worker whose lease was taken over is ignored.
    this.#sent = db.prepare(
      `UPDATE outbox SET status = 'sent', sent_at = ?, claimed_by = NULL, claimed_until = NULL
       WHERE id = ? AND status = 'sending' AND claimed_by = ?`,
    );
    this.#failed = db.prepare(
      `UPDATE outbox SET status = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?,
         claimed_by = NULL, claimed_until = NULL
       WHERE id = ? AND status = 'sending' AND claimed_by = ?`,
    );
  }

  enqueue(m: NewMail, now: Date): OutboxMail {
    const due = ms(m.nextAttemptAt ?? now);
    return toMail(this.#insert.get(m.id, m.to, m.subject, m.text, m.html, m.template, due, ms(now))!);
  }

  claim(workerId: string, now: Date, leaseMs: number, limit: number): OutboxMail[] {
    return this.#claim(workerId, now, leaseMs, limit).map(toMail);
  }

  markSent(id: string, workerId: string, now: Date): boolean {
    return this.#sent.run(ms(now), id, workerId).changes === 1;
  }

  markFailed(id: string, workerId: string, error: string, retryAt: Date | null): boolean {
    const status = retryAt ? 'pending' : 'failed';
    const lastError = error.slice(0, MAX_ERROR_LENGTH);
    return this.#failed.run(status, ms(retryAt), lastError, id, workerId).changes === 1;
  }

  list(q: MailQuery): Page<OutboxMail> {
    const filter = where([
      ['status = ?', q.status],
      ['recipient = ?', q.to],
    ]);
    const query = { table: 'outbox', filter, order: 'created_at DESC, rowid DESC' };
    return page(this.#statements, query, toMail, q.offset, q.limit);
  }
}
