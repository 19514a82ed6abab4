/**
 * The mail outbox: workers lease due mail, then mark it sent or failed (with a retry time or for good).
 * A settled mail (sent, or failed for good) loses its body in the statement that settles it.
 */
import type Database from 'better-sqlite3';
import type { OutboxMail } from '../../src/domain.js';
import type { MailBody, NewMail, Page } from '../../src/store.js';
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

const SETTLED = `status IN ('sent', 'failed')`;

export class Outbox {
  readonly #statements: StatementCache;
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #claim: (workerId: string, now: Date, leaseMs: number, limit: number) => Row[];
  readonly #sent: Database.Statement<unknown[]>;
  readonly #failed: Database.Statement<unknown[]>;
  readonly #replaceBody: Database.Statement<unknown[]>;
  readonly #redact: Database.Statement<unknown[]>;
  readonly #purge: Database.Statement<unknown[]>;

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
      `UPDATE outbox SET status = 'sent', sent_at = ?, claimed_by = NULL, claimed_until = NULL,
         text = NULL, html = NULL
       WHERE id = ? AND status = 'sending' AND claimed_by = ?`,
    );
    this.#failed = db.prepare(
      `UPDATE outbox SET status = @status, next_attempt_at = COALESCE(@retryAt, next_attempt_at),
         last_error = @lastError, claimed_by = NULL, claimed_until = NULL,
         text = CASE WHEN @status = 'failed' THEN NULL ELSE text END,
         html = CASE WHEN @status = 'failed' THEN NULL ELSE html END
       WHERE id = @id AND status = 'sending' AND claimed_by = @workerId`,
    );
    this.#replaceBody = db.prepare(
      `UPDATE outbox SET text = ?, html = ? WHERE id = ? AND status IN ('pending', 'sending') AND text = ?`,
    );
    this.#redact = db.prepare(
      `UPDATE outbox SET text = NULL, html = NULL WHERE ${SETTLED} AND (text IS NOT NULL OR html IS NOT NULL)`,
    );
    this.#purge = db.prepare(`DELETE FROM outbox WHERE ${SETTLED} AND created_at < ?`);
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
    return this.#failed.run({ status, retryAt: ms(retryAt), lastError, id, workerId }).changes === 1;
  }

  replaceBody(id: string, current: MailBody, next: MailBody): boolean {
    return this.#replaceBody.run(next.text, next.html, id, current.text).changes === 1;
  }

  redactSettled(): number {
    return this.#redact.run().changes;
  }

  purgeSettled(before: Date): number {
    return this.#purge.run(ms(before)).changes;
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
