/**
 * The embedded Store on better-sqlite3: tenants, clients, accounts, terminals and certificates here;
 * tickets, history, outbox, rate limits and oidc artifacts in base.ts. Counters change in one SQL
 * statement each; multi-row changes run in one transaction.
 */
import type {
  Account,
  Certificate,
  FailureCounter,
  LockReason,
  OidcClientRecord,
  Tenant,
  Terminal,
} from '../../src/domain.js';
import {
  StoreError,
  type AccountPatch,
  type AccountQuery,
  type AttemptReservation,
  type IssuedCertificate,
  type NewAccount,
  type NewOidcClient,
  type NewTenant,
  type NewTerminal,
  type Page,
  type Store,
  type TenantPatch,
  type TerminalPatch,
} from '../../src/store.js';
import { SqliteBase, filters } from './base.js';
import { migrate } from './migrations.js';
import {
  ms,
  pendingDownloadJson,
  toAccount,
  toCertificate,
  toClient,
  toTenant,
  toTerminal,
  type Row,
} from './rows.js';

const COUNTER_COLUMN: Record<FailureCounter, string> = {
  password: 'failed_password',
  secret_answer: 'failed_secret_answer',
  enrollment_otp: 'failed_enrollment_otp',
};

/** AccountPatch field → column and how to store the value. */
const ACCOUNT_COLUMNS: Record<keyof AccountPatch, [string, (v: unknown) => unknown]> = {
  status: ['status', (v) => v],
  lockReason: ['lock_reason', (v) => v],
  lockedAt: ['locked_at', (v) => ms(v as Date | null)],
  passwordHash: ['password_hash', (v) => v],
  passwordChangedAt: ['password_changed_at', (v) => ms(v as Date | null)],
  passwordHistory: ['password_history', (v) => JSON.stringify(v)],
  mustChangePassword: ['must_change_password', (v) => (v ? 1 : 0)],
  secretQuestionId: ['secret_question_id', (v) => v],
  secretAnswerHash: ['secret_answer_hash', (v) => v],
  loginMethod: ['login_method', (v) => v],
  totpSecretEnc: ['totp_secret_enc', (v) => v],
  totpLastStep: ['totp_last_step', (v) => v],
};

const TERMINAL_COLUMNS: Record<keyof TerminalPatch, [string, (v: unknown) => unknown]> = {
  email: ['email', (v) => v],
  type: ['type', (v) => v],
  deleted: ['deleted', (v) => (v ? 1 : 0)],
  pendingDownload: ['pending_download', (v) => pendingDownloadJson(v as Terminal['pendingDownload'])],
};

function assignments<P extends object>(
  patch: P,
  columns: Record<keyof P, [string, (v: unknown) => unknown]>,
): { sql: string; values: unknown[] } {
  const entries = (Object.keys(patch) as (keyof P)[]).filter((k) => patch[k] !== undefined && columns[k]);
  return {
    sql: entries.map((k) => `${columns[k][0]} = ?`).join(', '),
    values: entries.map((k) => columns[k][1](patch[k])),
  };
}

export class SqliteStore extends SqliteBase implements Store {
  async init(): Promise<void> {
    await this.run(() => migrate(this.db));
  }

  #one<T>(sql: string, map: (r: Row) => T, ...params: unknown[]): T | null {
    const row = this.db.prepare(sql).get(...params) as Row | undefined;
    return row ? map(row) : null;
  }

  // ---- tenants and clients -----------------------------------------------------------------------

  createTenant(t: NewTenant, now: Date): Promise<Tenant> {
    return this.run(() => {
      this.db
        .prepare(
          'INSERT INTO tenants (id, name, support_contact, policy, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(t.id, t.name, t.supportContact, JSON.stringify(t.policy), ms(now), ms(now));
      return this.#one('SELECT * FROM tenants WHERE id = ?', toTenant, t.id)!;
    });
  }

  getTenant(id: string): Promise<Tenant | null> {
    return this.run(() => this.#one('SELECT * FROM tenants WHERE id = ?', toTenant, id));
  }

  listTenants(): Promise<Tenant[]> {
    return this.run(() =>
      (this.db.prepare('SELECT * FROM tenants ORDER BY id').all() as Row[]).map(toTenant),
    );
  }

  updateTenant(id: string, patch: TenantPatch, now: Date): Promise<Tenant | null> {
    return this.run(() => {
      const current = this.#one('SELECT * FROM tenants WHERE id = ?', toTenant, id);
      if (!current) return null;
      const next = {
        ...current,
        ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      };
      this.db
        .prepare('UPDATE tenants SET name = ?, support_contact = ?, policy = ?, updated_at = ? WHERE id = ?')
        .run(next.name, next.supportContact, JSON.stringify(next.policy), ms(now), id);
      return this.#one('SELECT * FROM tenants WHERE id = ?', toTenant, id);
    });
  }

  createClient(c: NewOidcClient, now: Date): Promise<OidcClientRecord> {
    return this.run(() => {
      this.db
        .prepare(
          'INSERT INTO clients (client_id, tenant_id, metadata, first_party, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        )
        .run(c.clientId, c.tenantId, JSON.stringify(c.metadata), c.firstParty ? 1 : 0, ms(now), ms(now));
      return this.#one('SELECT * FROM clients WHERE client_id = ?', toClient, c.clientId)!;
    });
  }

  getClient(clientId: string): Promise<OidcClientRecord | null> {
    return this.run(() => this.#one('SELECT * FROM clients WHERE client_id = ?', toClient, clientId));
  }

  listClients(tenantId?: string): Promise<OidcClientRecord[]> {
    return this.run(() => {
      const rows = tenantId
        ? this.db.prepare('SELECT * FROM clients WHERE tenant_id = ? ORDER BY client_id').all(tenantId)
        : this.db.prepare('SELECT * FROM clients ORDER BY client_id').all();
      return (rows as Row[]).map(toClient);
    });
  }

  updateClient(
    clientId: string,
    metadata: Record<string, unknown>,
    now: Date,
  ): Promise<OidcClientRecord | null> {
    return this.run(() => {
      this.db
        .prepare('UPDATE clients SET metadata = ?, updated_at = ? WHERE client_id = ?')
        .run(JSON.stringify(metadata), ms(now), clientId);
      return this.#one('SELECT * FROM clients WHERE client_id = ?', toClient, clientId);
    });
  }

  deleteClient(clientId: string): Promise<boolean> {
    return this.run(
      () => this.db.prepare('DELETE FROM clients WHERE client_id = ?').run(clientId).changes === 1,
    );
  }

  // ---- accounts ----------------------------------------------------------------------------------

  createAccount(a: NewAccount, now: Date): Promise<Account> {
    return this.run(() => {
      this.db
        .prepare(
          'INSERT INTO accounts (id, tenant_id, user_id, status, login_method, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(a.id, a.tenantId, a.userId, a.status, a.loginMethod, ms(now), ms(now));
      return this.#one('SELECT * FROM accounts WHERE id = ?', toAccount, a.id)!;
    });
  }

  getAccount(id: string): Promise<Account | null> {
    return this.run(() => this.#one('SELECT * FROM accounts WHERE id = ?', toAccount, id));
  }

  getAccountByUserId(userId: string): Promise<Account | null> {
    return this.run(() => this.#one('SELECT * FROM accounts WHERE user_id = ?', toAccount, userId));
  }

  findAccounts(q: AccountQuery): Promise<Page<Account>> {
    return this.run(() => {
      const { where, params } = filters([
        ['tenant_id = ?', q.tenantId],
        // GLOB is case-sensitive like user IDs; the prefix's own wildcards are escaped by character classes.
        [
          'user_id GLOB ?',
          q.userIdPrefix === undefined ? undefined : `${q.userIdPrefix.replace(/[*?[]/g, '[$&]')}*`,
        ],
        ['status = ?', q.status],
      ]);
      return this.page(where, params, 'accounts', 'user_id', toAccount, q.offset, q.limit);
    });
  }

  updateAccount(id: string, patch: AccountPatch, now: Date): Promise<Account | null> {
    return this.run(() => {
      const { sql, values } = assignments(patch, ACCOUNT_COLUMNS);
      this.db
        .prepare(`UPDATE accounts SET ${sql ? `${sql}, ` : ''}updated_at = ? WHERE id = ?`)
        .run(...values, ms(now), id);
      return this.#one('SELECT * FROM accounts WHERE id = ?', toAccount, id);
    });
  }

  deleteAccount(id: string, now: Date): Promise<boolean> {
    return this.run(() =>
      this.db.transaction(() => {
        this.db
          .prepare(
            "UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = 'cessationOfOperation' WHERE account_id = ? AND status = 'active'",
          )
          .run(ms(now), id);
        return this.db.prepare('DELETE FROM accounts WHERE id = ?').run(id).changes === 1;
      })(),
    );
  }

  reserveAttempt(
    accountId: string,
    counter: FailureCounter,
    max: number,
    now: Date,
    options: { allowPending?: boolean } = {},
  ): Promise<AttemptReservation> {
    const column = COUNTER_COLUMN[counter];
    const statuses = options.allowPending ? "('active', 'pending')" : "('active')";
    return this.run(() => {
      const row = this.db
        .prepare(
          `UPDATE accounts SET ${column} = ${column} + 1, updated_at = ? WHERE id = ? AND status IN ${statuses} AND ${column} < ? RETURNING ${column} AS count`,
        )
        .get(ms(now), accountId, max) as { count: number } | undefined;
      return row ? { ok: true as const, count: row.count } : { ok: false as const };
    });
  }

  resetCounter(accountId: string, counter: FailureCounter, now: Date): Promise<void> {
    const column = COUNTER_COLUMN[counter];
    return this.run(() => {
      this.db
        .prepare(`UPDATE accounts SET ${column} = 0, updated_at = ? WHERE id = ?`)
        .run(ms(now), accountId);
    });
  }

  lockAccount(accountId: string, reason: LockReason, now: Date): Promise<Account | null> {
    return this.run(() => {
      this.db
        .prepare(
          "UPDATE accounts SET status = 'locked', lock_reason = ?, locked_at = ?, updated_at = ? WHERE id = ? AND status != 'locked'",
        )
        .run(reason, ms(now), ms(now), accountId);
      return this.#one('SELECT * FROM accounts WHERE id = ?', toAccount, accountId);
    });
  }

  unlockAccount(accountId: string, now: Date): Promise<Account | null> {
    return this.run(() => {
      this.db
        .prepare(
          `UPDATE accounts SET status = CASE WHEN password_hash IS NULL THEN 'pending' ELSE 'active' END, lock_reason = NULL, locked_at = NULL,
           failed_password = 0, failed_secret_answer = 0, failed_enrollment_otp = 0, updated_at = ? WHERE id = ?`,
        )
        .run(ms(now), accountId);
      return this.#one('SELECT * FROM accounts WHERE id = ?', toAccount, accountId);
    });
  }

  advanceTotpStep(accountId: string, step: number, now: Date): Promise<boolean> {
    return this.run(
      () =>
        this.db
          .prepare(
            'UPDATE accounts SET totp_last_step = ?, updated_at = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
          )
          .run(step, ms(now), accountId, step).changes === 1,
    );
  }

  // ---- terminals ---------------------------------------------------------------------------------

  createTerminal(t: NewTerminal, now: Date): Promise<Terminal> {
    return this.run(() =>
      this.db.transaction(() => {
        const seq = this.db
          .prepare(
            'UPDATE accounts SET terminal_seq = terminal_seq + 1 WHERE id = ? RETURNING terminal_seq AS n',
          )
          .get(t.accountId) as { n: number } | undefined;
        if (!seq) throw new StoreError('store_reference_missing', `no account ${t.accountId}`);
        this.db
          .prepare(
            'INSERT INTO terminals (id, account_id, number, email, type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
          )
          .run(t.id, t.accountId, seq.n, t.email, t.type, ms(now), ms(now));
        return this.#one('SELECT * FROM terminals WHERE id = ?', toTerminal, t.id)!;
      })(),
    );
  }

  getTerminal(id: string): Promise<Terminal | null> {
    return this.run(() => this.#one('SELECT * FROM terminals WHERE id = ?', toTerminal, id));
  }

  listTerminals(accountId: string, options: { includeDeleted?: boolean } = {}): Promise<Terminal[]> {
    return this.run(() =>
      (
        this.db
          .prepare(
            `SELECT * FROM terminals WHERE account_id = ? ${options.includeDeleted ? '' : 'AND deleted = 0'} ORDER BY number`,
          )
          .all(accountId) as Row[]
      ).map(toTerminal),
    );
  }

  updateTerminal(id: string, patch: TerminalPatch, now: Date): Promise<Terminal | null> {
    return this.run(() => {
      const { sql, values } = assignments(patch, TERMINAL_COLUMNS);
      this.db
        .prepare(`UPDATE terminals SET ${sql ? `${sql}, ` : ''}updated_at = ? WHERE id = ?`)
        .run(...values, ms(now), id);
      return this.#one('SELECT * FROM terminals WHERE id = ?', toTerminal, id);
    });
  }

  clearExpiredDownloads(now: Date): Promise<number> {
    return this.run(
      () =>
        this.db
          .prepare(
            "UPDATE terminals SET pending_download = NULL, updated_at = ? WHERE pending_download IS NOT NULL AND json_extract(pending_download, '$.expiresAt') <= ?",
          )
          .run(ms(now), ms(now)).changes,
    );
  }

  // ---- certificates ------------------------------------------------------------------------------

  saveIssuedCertificate(issued: IssuedCertificate, now: Date): Promise<Certificate> {
    const c = issued.certificate;
    return this.run(() =>
      this.db.transaction(() => {
        const terminal = this.#one('SELECT * FROM terminals WHERE id = ?', toTerminal, c.terminalId);
        if (!terminal) throw new StoreError('store_reference_missing', `no terminal ${c.terminalId}`);
        if (terminal.currentCertificateSerial) {
          this.db
            .prepare(
              "UPDATE certificates SET status = 'superseded', revoked_at = ?, revocation_reason = 'superseded' WHERE serial = ? AND status = 'active'",
            )
            .run(ms(now), terminal.currentCertificateSerial);
        }
        this.db
          .prepare(
            `INSERT INTO certificates (serial, account_id, terminal_id, subject_cn, fingerprint_s256, not_before, not_after, status, pem, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
          )
          .run(
            c.serial,
            c.accountId,
            c.terminalId,
            c.subjectCn,
            c.fingerprintS256,
            ms(c.notBefore),
            ms(c.notAfter),
            c.pem,
            ms(now),
          );
        this.db
          .prepare(
            'UPDATE terminals SET current_certificate_serial = ?, pending_download = ?, updated_at = ? WHERE id = ?',
          )
          .run(c.serial, pendingDownloadJson(issued.pendingDownload), ms(now), c.terminalId);
        return this.#one('SELECT * FROM certificates WHERE serial = ?', toCertificate, c.serial)!;
      })(),
    );
  }

  getCertificate(serial: string): Promise<Certificate | null> {
    return this.run(() => this.#one('SELECT * FROM certificates WHERE serial = ?', toCertificate, serial));
  }

  getCertificateByFingerprint(fingerprintS256: string): Promise<Certificate | null> {
    return this.run(() =>
      this.#one('SELECT * FROM certificates WHERE fingerprint_s256 = ?', toCertificate, fingerprintS256),
    );
  }

  listCertificates(q: {
    accountId?: string;
    terminalId?: string;
    status?: Certificate['status'];
  }): Promise<Certificate[]> {
    return this.run(() => {
      const { where, params } = filters([
        ['account_id = ?', q.accountId],
        ['terminal_id = ?', q.terminalId],
        ['status = ?', q.status],
      ]);
      return (
        this.db
          .prepare(`SELECT * FROM certificates ${where} ORDER BY created_at, rowid`)
          .all(...params) as Row[]
      ).map(toCertificate);
    });
  }

  revokeCertificate(serial: string, reason: string, now: Date): Promise<Certificate | null> {
    return this.run(() => {
      this.db
        .prepare(
          "UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ? WHERE serial = ? AND status = 'active'",
        )
        .run(ms(now), reason, serial);
      return this.#one('SELECT * FROM certificates WHERE serial = ?', toCertificate, serial);
    });
  }

  listRevokedCertificates(now: Date): Promise<Certificate[]> {
    return this.run(() =>
      (
        this.db
          .prepare(
            "SELECT * FROM certificates WHERE status IN ('revoked', 'superseded') AND not_after > ? ORDER BY revoked_at",
          )
          .all(ms(now)) as Row[]
      ).map(toCertificate),
    );
  }
}
