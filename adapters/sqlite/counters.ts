/**
 * Failure counters, locking and TOTP replay protection. Each change is one conditional SQL statement, so
 * concurrent requests (in this process or another on the same file) can never overshoot a limit.
 */
import type Database from 'better-sqlite3';
import type { Account, FailureCounter, LockReason } from '../../src/domain.js';
import type { AttemptReservation } from '../../src/store.js';
import { ms, reservation, toAccount, type Row } from './rows.js';

const COUNTER_COLUMNS: Record<FailureCounter, string> = {
  password: 'failed_password',
  secret_answer: 'failed_secret_answer',
  enrollment_otp: 'failed_enrollment_otp',
};

type PerCounter<S> = Record<FailureCounter, S>;

/** One prepared statement per counter column (column names cannot be bound parameters). */
const perCounter = <S>(make: (column: string) => S): PerCounter<S> =>
  Object.fromEntries(
    Object.entries(COUNTER_COLUMNS).map(([counter, column]) => [counter, make(column)]),
  ) as PerCounter<S>;

export class AccountCounters {
  readonly #reserve: PerCounter<Database.Statement<unknown[], { count: number }>>;
  readonly #reserveAllowingPending: PerCounter<Database.Statement<unknown[], { count: number }>>;
  readonly #reset: PerCounter<Database.Statement<unknown[]>>;
  readonly #lock: Database.Statement<unknown[]>;
  readonly #unlock: Database.Statement<unknown[], Row>;
  readonly #byId: Database.Statement<[string], Row>;
  readonly #advanceTotp: Database.Statement<unknown[]>;

  constructor(db: Database.Database) {
    const reserve = (statuses: string) => (column: string) =>
      db.prepare<unknown[], { count: number }>(
        `UPDATE accounts SET ${column} = ${column} + 1, updated_at = ?
         WHERE id = ? AND status IN (${statuses}) AND ${column} < ? RETURNING ${column} AS count`,
      );
    this.#reserve = perCounter(reserve("'active'"));
    this.#reserveAllowingPending = perCounter(reserve("'active', 'pending'"));
    this.#reset = perCounter((column) =>
      db.prepare(`UPDATE accounts SET ${column} = 0, updated_at = ? WHERE id = ?`),
    );
    // An account already locked keeps its first reason and time.
    this.#lock = db.prepare(
      `UPDATE accounts SET status = 'locked', lock_reason = ?, locked_at = ?, updated_at = ?
       WHERE id = ? AND status != 'locked'`,
    );
    this.#unlock = db.prepare(
      `UPDATE accounts SET status = CASE WHEN password_hash IS NULL THEN 'pending' ELSE 'active' END,
         lock_reason = NULL, locked_at = NULL, failed_password = 0, failed_secret_answer = 0,
         failed_enrollment_otp = 0, updated_at = ?
       WHERE id = ? RETURNING *`,
    );
    this.#byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
    this.#advanceTotp = db.prepare(
      `UPDATE accounts SET totp_last_step = ?, updated_at = ?
       WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)`,
    );
  }

  reserve(
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options: { allowPending?: boolean } = {},
  ): AttemptReservation {
    const statement = (options.allowPending ? this.#reserveAllowingPending : this.#reserve)[counter];
    return reservation(statement.get(ms(now), accountId, max));
  }

  reset(accountId: string, counter: FailureCounter, now: Date): void {
    this.#reset[counter].run(ms(now), accountId);
  }

  lock(accountId: string, reason: LockReason, now: Date): Account | null {
    this.#lock.run(reason, ms(now), ms(now), accountId);
    const row = this.#byId.get(accountId);
    return row ? toAccount(row) : null;
  }

  unlock(accountId: string, now: Date): Account | null {
    const row = this.#unlock.get(ms(now), accountId);
    return row ? toAccount(row) : null;
  }

  advanceTotpStep(accountId: string, step: number, now: Date): boolean {
    return this.#advanceTotp.run(step, ms(now), accountId, step).changes === 1;
  }
}
