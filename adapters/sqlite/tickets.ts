/** One-time tickets (links sent by mail): single use and attempt limits by conditional updates. */
import type Database from 'better-sqlite3';
import type { Ticket } from '../../src/domain.js';
import type { AttemptReservation, NewTicket } from '../../src/store.js';
import { ms, reservation, toTicket, type Row } from './rows.js';

export class TicketTable {
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #byTokenHash: Database.Statement<[string], Row>;
  readonly #consume: Database.Statement<unknown[]>;
  readonly #reserve: Database.Statement<unknown[], { count: number }>;
  readonly #invalidate: Database.Statement<unknown[]>;
  readonly #purge: Database.Statement<unknown[]>;

  constructor(db: Database.Database) {
    this.#insert = db.prepare(
      `INSERT INTO tickets (id, purpose, token_hash, account_id, terminal_id, secret_hash, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#byTokenHash = db.prepare('SELECT * FROM tickets WHERE token_hash = ?');
    this.#consume = db.prepare(
      'UPDATE tickets SET used_at = ? WHERE id = ? AND used_at IS NULL AND expires_at > ?',
    );
    this.#reserve = db.prepare(
      `UPDATE tickets SET failed_attempts = failed_attempts + 1
       WHERE id = ? AND used_at IS NULL AND failed_attempts < ? RETURNING failed_attempts AS count`,
    );
    // Expiring (rather than deleting) keeps the old link answering "expired" instead of "unknown".
    this.#invalidate = db.prepare(
      `UPDATE tickets SET expires_at = ?, replaced_at = ?
       WHERE account_id = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?`,
    );
    this.#purge = db.prepare('DELETE FROM tickets WHERE expires_at < ?');
  }

  create(t: NewTicket, now: Date): Ticket {
    return toTicket(
      this.#insert.get(
        t.id,
        t.purpose,
        t.tokenHash,
        t.accountId,
        t.terminalId,
        t.secretHash,
        ms(t.expiresAt),
        ms(now),
      )!,
    );
  }

  getByTokenHash(tokenHash: string): Ticket | null {
    const row = this.#byTokenHash.get(tokenHash);
    return row ? toTicket(row) : null;
  }

  consume(id: string, now: Date): boolean {
    return this.#consume.run(ms(now), id, ms(now)).changes === 1;
  }

  reserveAttempt(id: string, max: number): AttemptReservation {
    return reservation(this.#reserve.get(id, max));
  }

  invalidate(accountId: string, purpose: Ticket['purpose'], now: Date): number {
    return this.#invalidate.run(ms(now), ms(now), accountId, purpose, ms(now)).changes;
  }

  purgeExpired(before: Date): number {
    return this.#purge.run(ms(before)).changes;
  }
}
