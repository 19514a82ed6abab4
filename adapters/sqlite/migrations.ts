/**
 * Versioned schema: an ordered list of SQL scripts. Each runs once, in its own IMMEDIATE transaction
 * together with its row in `schema_version`, so a crash never leaves half a migration and two processes
 * starting at once never both apply one. Append new migrations; never edit an applied one.
 * Timestamps are integer epoch milliseconds (UTC); JSON values are TEXT.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: the initial schema.
  `
  CREATE TABLE tenants (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, support_contact TEXT NOT NULL, policy TEXT NOT NULL,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE clients (
    client_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), metadata TEXT NOT NULL,
    first_party INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE INDEX clients_tenant ON clients(tenant_id);
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL REFERENCES tenants(id), user_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL, lock_reason TEXT, locked_at INTEGER,
    password_hash TEXT, password_changed_at INTEGER, password_history TEXT NOT NULL DEFAULT '[]',
    must_change_password INTEGER NOT NULL DEFAULT 0,
    failed_password INTEGER NOT NULL DEFAULT 0, failed_secret_answer INTEGER NOT NULL DEFAULT 0,
    failed_enrollment_otp INTEGER NOT NULL DEFAULT 0,
    secret_question_id TEXT, secret_answer_hash TEXT, login_method TEXT NOT NULL,
    totp_secret_enc TEXT, totp_last_step INTEGER, terminal_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE INDEX accounts_tenant ON accounts(tenant_id, user_id);
  CREATE TABLE terminals (
    id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    number INTEGER NOT NULL, email TEXT NOT NULL, type TEXT NOT NULL, current_certificate_serial TEXT,
    pending_download TEXT, deleted INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (account_id, number));
  -- Certificates outlive their account (kept, revoked) so the CRL stays complete: no foreign key.
  CREATE TABLE certificates (
    serial TEXT PRIMARY KEY, account_id TEXT NOT NULL, terminal_id TEXT NOT NULL, subject_cn TEXT NOT NULL,
    fingerprint_s256 TEXT NOT NULL UNIQUE, not_before INTEGER NOT NULL, not_after INTEGER NOT NULL,
    status TEXT NOT NULL, revoked_at INTEGER, revocation_reason TEXT, pem TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE INDEX certificates_account ON certificates(account_id);
  CREATE INDEX certificates_terminal ON certificates(terminal_id);
  CREATE INDEX certificates_status ON certificates(status, not_after);
  CREATE TABLE tickets (
    id TEXT PRIMARY KEY, purpose TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE, terminal_id TEXT, secret_hash TEXT,
    expires_at INTEGER NOT NULL, used_at INTEGER, failed_attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);
  CREATE INDEX tickets_account ON tickets(account_id, purpose);
  CREATE INDEX tickets_expiry ON tickets(expires_at);
  CREATE TABLE login_events (
    id TEXT PRIMARY KEY, account_id TEXT, tenant_id TEXT, at INTEGER NOT NULL, source_ip TEXT NOT NULL,
    result TEXT NOT NULL, client_id TEXT, user_agent TEXT, cert_serial TEXT);
  CREATE INDEX login_events_account ON login_events(account_id, at);
  CREATE INDEX login_events_tenant ON login_events(tenant_id, at);
  CREATE INDEX login_events_at ON login_events(at);
  CREATE TABLE audit_events (
    id TEXT PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, tenant_id TEXT,
    account_id TEXT, source_ip TEXT, details TEXT NOT NULL);
  CREATE INDEX audit_tenant ON audit_events(tenant_id, at);
  CREATE INDEX audit_account ON audit_events(account_id, at);
  CREATE INDEX audit_action ON audit_events(action, at);
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY, recipient TEXT NOT NULL, subject TEXT NOT NULL, text TEXT NOT NULL, html TEXT,
    template TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    last_error TEXT, claimed_by TEXT, claimed_until INTEGER, created_at INTEGER NOT NULL, sent_at INTEGER);
  CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
  CREATE TABLE rate_limits (key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at INTEGER NOT NULL);
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY, key_hash TEXT NOT NULL UNIQUE, label TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER);
  CREATE TABLE oidc (
    model TEXT NOT NULL, id TEXT NOT NULL, payload TEXT NOT NULL, grant_id TEXT, uid TEXT, user_code TEXT,
    expires_at INTEGER, consumed_at INTEGER, PRIMARY KEY (model, id));
  CREATE INDEX oidc_grant ON oidc(grant_id);
  CREATE INDEX oidc_uid ON oidc(model, uid);
  CREATE INDEX oidc_user_code ON oidc(model, user_code);
  CREATE INDEX oidc_expiry ON oidc(expires_at);
  `,
  // 2: terminal numbers are assigned as MAX(number) + 1 under the (account_id, number) unique index.
  `
  ALTER TABLE accounts DROP COLUMN terminal_seq;
  `,
  // 3: admin API keys limited to one tenant (NULL: platform-wide, as every key was before).
  `
  ALTER TABLE api_keys ADD COLUMN tenant_id TEXT REFERENCES tenants(id);
  `,
  // 4: mail bodies are sealed and dropped once settled, so \`text\` may be NULL (SQLite cannot relax
  // NOT NULL in place: the table is rebuilt, rows in their order). Settled mail loses its body here;
  // pending mail stored in clear is sealed at start, where the data key is known (mail/sealing.ts).
  // The (status, created_at) index serves the retention purge and the newest-first listing.
  `
  CREATE TABLE outbox_v4 (
    id TEXT PRIMARY KEY, recipient TEXT NOT NULL, subject TEXT NOT NULL, text TEXT, html TEXT,
    template TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    last_error TEXT, claimed_by TEXT, claimed_until INTEGER, created_at INTEGER NOT NULL, sent_at INTEGER);
  INSERT INTO outbox_v4
    SELECT id, recipient, subject,
      CASE WHEN status IN ('sent', 'failed') THEN NULL ELSE text END,
      CASE WHEN status IN ('sent', 'failed') THEN NULL ELSE html END,
      template, status, attempts, next_attempt_at, last_error, claimed_by, claimed_until, created_at, sent_at
    FROM outbox ORDER BY rowid;
  DROP TABLE outbox;
  ALTER TABLE outbox_v4 RENAME TO outbox;
  CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
  CREATE INDEX outbox_settled ON outbox(status, created_at);
  `,
  // 5: a display name per account (the profile scope's `name`).
  `
  ALTER TABLE accounts ADD COLUMN display_name TEXT;
  `,
  // 6: a ticket replaced by a newer one says so (rather than "expired").
  `
  ALTER TABLE tickets ADD COLUMN replaced_at INTEGER;
  `,
  // 7: the smallest expiry-reminder threshold (days) already mailed for a certificate, claimed once.
  `
  ALTER TABLE certificates ADD COLUMN reminded_days INTEGER;
  `,
  // 8: the security epoch (src/store/epoch.ts), moved in the transaction of every write that could
  // change a record cached across requests: any update or deletion of these tables, and of the oidc rows
  // of the models cached (SHARED_MODELS; an upsert replacing a row is an UPDATE).
  `
  CREATE TABLE security_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
  INSERT INTO security_epoch (id, value) VALUES (1, 0);
  CREATE TRIGGER security_epoch_tenants_update AFTER UPDATE ON tenants BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_tenants_delete AFTER DELETE ON tenants BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_clients_update AFTER UPDATE ON clients BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_clients_delete AFTER DELETE ON clients BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_accounts_update AFTER UPDATE ON accounts BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_accounts_delete AFTER DELETE ON accounts BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_terminals_update AFTER UPDATE ON terminals BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_terminals_delete AFTER DELETE ON terminals BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_certificates_update AFTER UPDATE ON certificates BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_certificates_delete AFTER DELETE ON certificates BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_oidc_update AFTER UPDATE ON oidc
    WHEN OLD.model IN ('AccessToken', 'RefreshToken', 'Grant', 'Session', 'TobiraSessionCertificate')
    BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  CREATE TRIGGER security_epoch_oidc_delete AFTER DELETE ON oidc
    WHEN OLD.model IN ('AccessToken', 'RefreshToken', 'Grant', 'Session', 'TobiraSessionCertificate')
    BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  `,
  // 9: the oidc lookups by grant id, uid and user code index only the rows that have one (each lookup is
  // an equality, which implies IS NOT NULL, so it still uses its index). Every upsert rewrote an entry in
  // all three, mostly NULLs: 40 of a login's 73 WAL pages were these indexes' and the expiry index's.
  `
  DROP INDEX oidc_grant;
  DROP INDEX oidc_uid;
  DROP INDEX oidc_user_code;
  CREATE INDEX oidc_grant ON oidc(grant_id) WHERE grant_id IS NOT NULL;
  CREATE INDEX oidc_uid ON oidc(model, uid) WHERE uid IS NOT NULL;
  CREATE INDEX oidc_user_code ON oidc(model, user_code) WHERE user_code IS NOT NULL;
  `,
  // 10: an account's update moves the security epoch only when it sets a column other than the failure
  // counters, the last TOTP step and updated_at (store/epoch.ts COUNTER_WRITES: every login writes them,
  // no decision reads them from a kept record); test/store/sqlite-epoch.test.ts: every column is one or
  // the other.
  `
  DROP TRIGGER security_epoch_accounts_update;
  CREATE TRIGGER security_epoch_accounts_update AFTER UPDATE OF
    id, tenant_id, user_id, display_name, status, lock_reason, locked_at, password_hash,
    password_changed_at, password_history, must_change_password, secret_question_id, secret_answer_hash,
    login_method, totp_secret_enc, created_at
    ON accounts BEGIN UPDATE security_epoch SET value = value + 1 WHERE id = 1; END;
  `,
];

/** Brings the schema up to date; returns the version it is at. Safe to call any number of times. */
export function migrate(db: Database.Database): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const currentVersion = db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM schema_version');
  const record = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
  const applyNext = db.transaction((): boolean => {
    // Read inside the write lock: another process may have migrated since we last looked.
    const version = currentVersion.get()?.v ?? 0;
    const sql = MIGRATIONS[version];
    if (sql === undefined) return false;
    db.exec(sql);
    record.run(version + 1, Date.now());
    return true;
  });
  while (applyNext.immediate());
  return MIGRATIONS.length;
}
