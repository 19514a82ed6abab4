/** Account records: create, read, search, patch, delete (counters and locking are in counters.ts). */
import type Database from 'better-sqlite3';
import type { Account } from '../../src/domain.js';
import type { AccountPatch, AccountQuery, NewAccount, Page } from '../../src/store.js';
import { ms, toAccount, type Row } from './rows.js';
import { assignments, page, where, type ColumnMap, type StatementCache } from './sql.js';

const same = <T>(v: T): T => v;
const flag = (v: boolean): number => (v ? 1 : 0);

const PATCH_COLUMNS: ColumnMap<AccountPatch> = {
  status: ['status', same],
  displayName: ['display_name', same],
  lockReason: ['lock_reason', same],
  lockedAt: ['locked_at', ms],
  passwordHash: ['password_hash', same],
  passwordChangedAt: ['password_changed_at', ms],
  passwordHistory: ['password_history', (v) => JSON.stringify(v)],
  mustChangePassword: ['must_change_password', flag],
  secretQuestionId: ['secret_question_id', same],
  secretAnswerHash: ['secret_answer_hash', same],
  loginMethod: ['login_method', same],
  totpSecretEnc: ['totp_secret_enc', same],
  totpLastStep: ['totp_last_step', same],
};

/** GLOB is case-sensitive like user IDs; the prefix's own wildcards become one-character classes. */
const globPrefix = (prefix: string): string => `${prefix.replace(/[*?[]/g, '[$&]')}*`;

export class AccountTable {
  readonly #db: Database.Database;
  readonly #statements: StatementCache;
  readonly #insert: Database.Statement<unknown[], Row>;
  readonly #byId: Database.Statement<[string], Row>;
  readonly #byUserId: Database.Statement<[string], Row>;
  readonly #revokeCertificates: Database.Statement<[number | null, string]>;
  readonly #delete: Database.Statement<[string]>;

  constructor(db: Database.Database, statements: StatementCache) {
    this.#db = db;
    this.#statements = statements;
    this.#insert = db.prepare(
      `INSERT INTO accounts (id, tenant_id, user_id, status, login_method, display_name, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#byId = db.prepare('SELECT * FROM accounts WHERE id = ?');
    this.#byUserId = db.prepare('SELECT * FROM accounts WHERE user_id = ?');
    // Certificates outlive the account (for the CRL), revoked.
    this.#revokeCertificates = db.prepare(
      `UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = 'cessationOfOperation'
       WHERE account_id = ? AND status = 'active'`,
    );
    // Terminals and tickets go with it (ON DELETE CASCADE).
    this.#delete = db.prepare('DELETE FROM accounts WHERE id = ?');
  }

  create(a: NewAccount, now: Date): Account {
    return toAccount(
      this.#insert.get(
        a.id,
        a.tenantId,
        a.userId,
        a.status,
        a.loginMethod,
        a.displayName ?? null,
        ms(now),
        ms(now),
      )!,
    );
  }

  get(id: string): Account | null {
    const row = this.#byId.get(id);
    return row ? toAccount(row) : null;
  }

  getByUserId(userId: string): Account | null {
    const row = this.#byUserId.get(userId);
    return row ? toAccount(row) : null;
  }

  find(q: AccountQuery): Page<Account> {
    const filter = where([
      ['tenant_id = ?', q.tenantId],
      ['user_id GLOB ?', q.userIdPrefix === undefined ? undefined : globPrefix(q.userIdPrefix)],
      ['status = ?', q.status],
    ]);
    return page(
      this.#statements,
      { table: 'accounts', filter, order: 'user_id' },
      toAccount,
      q.offset,
      q.limit,
    );
  }

  update(id: string, patch: AccountPatch, now: Date): Account | null {
    const set = assignments(patch, PATCH_COLUMNS);
    const row = this.#statements
      .get(`UPDATE accounts SET ${set.sql ? `${set.sql}, ` : ''}updated_at = ? WHERE id = ? RETURNING *`)
      .get(...set.params, ms(now), id);
    return row ? toAccount(row) : null;
  }

  delete(id: string, now: Date): boolean {
    // IMMEDIATE, like every writing transaction here: takes the write lock first (waiting up to the
    // busy timeout behind another worker process) instead of failing on a stale read snapshot.
    return this.#db
      .transaction(() => {
        this.#revokeCertificates.run(ms(now), id);
        return this.#delete.run(id).changes === 1;
      })
      .immediate();
  }
}
