/**
 * A certificate's standing in one indexed read: the certificate (by its unique fingerprint) joined with
 * its terminal, account and the account's tenant (primary keys). The binding rule asks this on every
 * login step and every use of a code or token, so it is one statement rather than four.
 */
import type Database from 'better-sqlite3';
import type { CertificateStanding } from '../../src/store.js';
import { toAccount, toCertificate, toTenant, toTerminal, type Row } from './rows.js';

const TABLES = ['certificates', 'terminals', 'accounts', 'tenants'] as const;

export class CertificateStandings {
  readonly #statement: Database.Statement<[string], unknown[]>;
  /** For each column of the raw row: which table it comes from and its name there. */
  readonly #columns: { table: string; name: string }[];

  constructor(db: Database.Database) {
    this.#statement = db
      .prepare<[string], unknown[]>(
        `SELECT c.*, t.*, a.*, n.* FROM certificates c
           LEFT JOIN terminals t ON t.id = c.terminal_id
           LEFT JOIN accounts a ON a.id = c.account_id
           LEFT JOIN tenants n ON n.id = a.tenant_id
         WHERE c.fingerprint_s256 = ?`,
      )
      .raw(true);
    // The tables share column names (id, status, created_at…): split the row by each column's table.
    this.#columns = this.#statement
      .columns()
      .map((c) => ({ table: c.table ?? '', name: c.column ?? c.name }));
  }

  get(fingerprintS256: string): CertificateStanding | null {
    const values = this.#statement.get(fingerprintS256);
    if (!values) return null;
    const rows = new Map<string, Row>(TABLES.map((table) => [table, {}]));
    this.#columns.forEach(({ table, name }, i) => {
      rows.get(table)![name] = values[i];
    });
    // A LEFT JOIN without a match gives nulls, primary key included.
    const found = (table: (typeof TABLES)[number]) => {
      const row = rows.get(table)!;
      return row.id === null || row.id === undefined ? null : row;
    };
    const [terminal, account, tenant] = [found('terminals'), found('accounts'), found('tenants')];
    return {
      certificate: toCertificate(rows.get('certificates')!),
      terminal: terminal ? toTerminal(terminal) : null,
      account: account ? toAccount(account) : null,
      tenant: tenant ? toTenant(tenant) : null,
    };
  }
}
