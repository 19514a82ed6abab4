/** Certificates: issued per terminal (superseding the previous one), revoked, listed for the CRL. */
import type Database from 'better-sqlite3';
import type { Certificate } from '../../src/domain.js';
import type { IssuedCertificate, RevokedCertificate, SavedCertificate } from '../../src/store.js';
import { referenceMissing } from './errors.js';
import { ms, pendingDownloadJson, toCertificate, toRevokedCertificate, type Row } from './rows.js';
import { where, type StatementCache } from './sql.js';

export interface CertificateQuery {
  accountId?: string;
  terminalId?: string;
  status?: Certificate['status'];
}

export class CertificateTable {
  readonly #statements: StatementCache;
  readonly #save: (issued: IssuedCertificate, now: Date) => { row: Row; superseded: string[] };
  readonly #bySerial: Database.Statement<[string], Row>;
  readonly #byFingerprint: Database.Statement<[string], Row>;
  readonly #revoke: Database.Statement<unknown[]>;
  readonly #revoked: Database.Statement<unknown[], Row>;
  readonly #expiring: Database.Statement<unknown[], { n: number }>;
  readonly #listExpiring: Database.Statement<unknown[], Row>;
  readonly #claimReminder: Database.Statement<unknown[]>;

  constructor(db: Database.Database, statements: StatementCache) {
    this.#statements = statements;
    const supersede = db
      .prepare<unknown[], string>(
        `UPDATE certificates SET status = 'superseded', revoked_at = ?, revocation_reason = 'superseded'
         WHERE status = 'active' AND serial = (SELECT current_certificate_serial FROM terminals WHERE id = ?)
         RETURNING serial`,
      )
      .pluck();
    const insert = db.prepare<unknown[], Row>(
      `INSERT INTO certificates (serial, account_id, terminal_id, subject_cn, fingerprint_s256, not_before,
         not_after, status, pem, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?) RETURNING *`,
    );
    const point = db.prepare(
      'UPDATE terminals SET current_certificate_serial = ?, pending_download = ?, updated_at = ? WHERE id = ?',
    );
    // One unit: a duplicate serial or a missing terminal rolls the superseding back too.
    const save = db.transaction(({ certificate: c, pendingDownload }: IssuedCertificate, now: Date) => {
      const superseded = supersede.all(ms(now), c.terminalId);
      const row = insert.get(
        c.serial,
        c.accountId,
        c.terminalId,
        c.subjectCn,
        c.fingerprintS256,
        ms(c.notBefore),
        ms(c.notAfter),
        c.pem,
        ms(now),
      )!;
      const pointed = point.run(c.serial, pendingDownloadJson(pendingDownload), ms(now), c.terminalId);
      if (pointed.changes !== 1) throw referenceMissing(`terminal ${c.terminalId}`);
      return { row, superseded };
    });
    this.#save = (issued, now) => save.immediate(issued, now);
    this.#bySerial = db.prepare('SELECT * FROM certificates WHERE serial = ?');
    this.#byFingerprint = db.prepare('SELECT * FROM certificates WHERE fingerprint_s256 = ?');
    this.#revoke = db.prepare(
      `UPDATE certificates SET status = 'revoked', revoked_at = ?, revocation_reason = ?
       WHERE serial = ? AND status = 'active'`,
    );
    // Expired certificates leave the CRL (RFC 5280 allows it; it keeps the list short).
    this.#revoked = db.prepare(
      `SELECT serial, revoked_at, revocation_reason FROM certificates
       WHERE status IN ('revoked', 'superseded') AND not_after > ?
       ORDER BY revoked_at, serial`,
    );
    this.#expiring = db.prepare(
      `SELECT COUNT(*) AS n FROM certificates WHERE status = 'active' AND not_after > ? AND not_after <= ?`,
    );
    this.#listExpiring = db.prepare(
      `SELECT * FROM certificates WHERE status = 'active' AND not_after > ? AND not_after <= ?
       ORDER BY not_after, serial`,
    );
    // One statement: of concurrent claims (any process) exactly one sees the row still unclaimed.
    this.#claimReminder = db.prepare(
      `UPDATE certificates SET reminded_days = ?
       WHERE serial = ? AND status = 'active' AND (reminded_days IS NULL OR reminded_days > ?)`,
    );
  }

  saveIssued(issued: IssuedCertificate, now: Date): SavedCertificate {
    const { row, superseded } = this.#save(issued, now);
    return { certificate: toCertificate(row), superseded };
  }

  get(serial: string): Certificate | null {
    const row = this.#bySerial.get(serial);
    return row ? toCertificate(row) : null;
  }

  getByFingerprint(fingerprintS256: string): Certificate | null {
    const row = this.#byFingerprint.get(fingerprintS256);
    return row ? toCertificate(row) : null;
  }

  list(q: CertificateQuery): Certificate[] {
    const filter = where([
      ['account_id = ?', q.accountId],
      ['terminal_id = ?', q.terminalId],
      ['status = ?', q.status],
    ]);
    return this.#statements
      .get(`SELECT * FROM certificates ${filter.sql} ORDER BY created_at, rowid`)
      .all(...filter.params)
      .map(toCertificate);
  }

  /** Returns the record (revoked now, or unchanged when it was not active), or null when missing. */
  revoke(serial: string, reason: string, now: Date): Certificate | null {
    this.#revoke.run(ms(now), reason, serial);
    return this.get(serial);
  }

  listRevoked(now: Date): RevokedCertificate[] {
    return this.#revoked.all(ms(now)).map(toRevokedCertificate);
  }

  countExpiring(now: Date, before: Date): number {
    return this.#expiring.get(ms(now), ms(before))!.n;
  }

  listExpiring(now: Date, before: Date): Certificate[] {
    return this.#listExpiring.all(ms(now), ms(before)).map(toCertificate);
  }

  claimReminder(serial: string, days: number): boolean {
    return this.#claimReminder.run(days, serial, days).changes === 1;
  }
}
