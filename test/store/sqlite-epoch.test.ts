/**
 * The SQLite side of the security epoch's narrowing (store/epoch.ts COUNTER_WRITES, migration 10): the
 * accounts trigger names every column but the failure counters, the last TOTP step and updated_at. A
 * column added later must be named there (or, after the same reasoning, here): this fails until it is.
 */
import { expect } from 'chai';
import { openDatabase } from '../../adapters/sqlite/connection.js';
import { migrate } from '../../adapters/sqlite/migrations.js';

/** Columns an account update may set without moving the epoch: no decision reads them from a kept record. */
const COUNTER_COLUMNS = [
  'failed_password',
  'failed_secret_answer',
  'failed_enrollment_otp',
  'totp_last_step',
  'updated_at',
];

describe('sqlite: the accounts trigger of the security epoch', function () {
  it('names every column of accounts but the counters', function () {
    const db = openDatabase(':memory:');
    try {
      migrate(db);
      const columns = db
        .prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)')
        .all('accounts')
        .map((c) => c.name);
      const sql = db
        .prepare<[string], string>("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?")
        .pluck()
        .get('security_epoch_accounts_update')!;
      const named = /AFTER UPDATE OF([\s\S]*?)\sON accounts/i
        .exec(sql)![1]!
        .split(',')
        .map((c) => c.trim());
      expect([...named].sort()).to.deep.equal(columns.filter((c) => !COUNTER_COLUMNS.includes(c)).sort());
      expect(columns).to.include.members(COUNTER_COLUMNS);
    } finally {
      db.close();
    }
  });
});
