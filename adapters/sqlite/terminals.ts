/** Terminals (端末): numbered per account, soft-deleted, each holding at most one pending download. */
import type Database from 'better-sqlite3';
import type { Terminal } from '../../src/domain.js';
import type { NewTerminal, TerminalPatch } from '../../src/store.js';
import { ms, pendingDownloadJson, toTerminal, type Row } from './rows.js';
import { assignments, type ColumnMap, type StatementCache } from './sql.js';

const PATCH_COLUMNS: ColumnMap<TerminalPatch> = {
  email: ['email', (v) => v],
  type: ['type', (v) => v],
  deleted: ['deleted', (v) => (v ? 1 : 0)],
  pendingDownload: ['pending_download', pendingDownloadJson],
};

export class TerminalTable {
  readonly #statements: StatementCache;
  readonly #create: (t: NewTerminal, now: Date) => Row;
  readonly #byId: Database.Statement<[string], Row>;
  readonly #live: Database.Statement<[string], Row>;
  readonly #all: Database.Statement<[string], Row>;
  readonly #clearExpired: Database.Statement<[number | null, number | null]>;

  constructor(db: Database.Database, statements: StatementCache) {
    this.#statements = statements;
    // Deleted terminals keep their row, so MAX(number) + 1 never reuses a number. IMMEDIATE holds the
    // write lock from the read to the insert (other processes too); the unique (account_id, number)
    // index is the backstop.
    const insert = db.prepare<unknown[], Row>(
      `INSERT INTO terminals (id, account_id, number, email, type, created_at, updated_at)
       VALUES (?, ?, (SELECT COALESCE(MAX(number), 0) + 1 FROM terminals WHERE account_id = ?), ?, ?, ?, ?)
       RETURNING *`,
    );
    const create = db.transaction((t: NewTerminal, now: Date) =>
      insert.get(t.id, t.accountId, t.accountId, t.email, t.type, ms(now), ms(now)),
    );
    this.#create = (t, now) => create.immediate(t, now)!;
    this.#byId = db.prepare('SELECT * FROM terminals WHERE id = ?');
    this.#live = db.prepare('SELECT * FROM terminals WHERE account_id = ? AND deleted = 0 ORDER BY number');
    this.#all = db.prepare('SELECT * FROM terminals WHERE account_id = ? ORDER BY number');
    this.#clearExpired = db.prepare(
      `UPDATE terminals SET pending_download = NULL, updated_at = ?
       WHERE pending_download IS NOT NULL AND json_extract(pending_download, '$.expiresAt') <= ?`,
    );
  }

  create(t: NewTerminal, now: Date): Terminal {
    return toTerminal(this.#create(t, now));
  }

  get(id: string): Terminal | null {
    const row = this.#byId.get(id);
    return row ? toTerminal(row) : null;
  }

  list(accountId: string, options: { includeDeleted?: boolean } = {}): Terminal[] {
    return (options.includeDeleted ? this.#all : this.#live).all(accountId).map(toTerminal);
  }

  update(id: string, patch: TerminalPatch, now: Date): Terminal | null {
    const set = assignments(patch, PATCH_COLUMNS);
    const row = this.#statements
      .get(`UPDATE terminals SET ${set.sql ? `${set.sql}, ` : ''}updated_at = ? WHERE id = ? RETURNING *`)
      .get(...set.params, ms(now), id);
    return row ? toTerminal(row) : null;
  }

  clearExpiredDownloads(now: Date): number {
    return this.#clearExpired.run(ms(now), ms(now)).changes;
  }
}
