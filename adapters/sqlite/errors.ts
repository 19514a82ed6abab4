/** better-sqlite3 errors → the Store's typed errors. */
import { StoreConflictError, StoreError, StoreUnavailableError } from '../../src/store.js';

/** The columns a unique index covers (as SQLite names them) → the record field it guards. */
const UNIQUE_FIELDS: Record<string, string> = {
  'tenants.id': 'id',
  'clients.client_id': 'clientId',
  'accounts.id': 'id',
  'accounts.user_id': 'userId',
  'terminals.id': 'id',
  'terminals.account_id, terminals.number': 'number',
  'certificates.serial': 'serial',
  'certificates.fingerprint_s256': 'fingerprintS256',
  'tickets.id': 'id',
  'tickets.token_hash': 'tokenHash',
  'outbox.id': 'id',
  'api_keys.id': 'id',
  'api_keys.key_hash': 'keyHash',
};

/** Result codes meaning "the database cannot be used right now", not "the request is wrong". */
const UNAVAILABLE = new Set([
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
]);

const isUnavailable = (code: string): boolean =>
  UNAVAILABLE.has(code) || [...UNAVAILABLE].some((base) => code.startsWith(`${base}_`));

/** Returns the typed error for a driver error, or the error unchanged when it is not one we classify. */
export function mapSqliteError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const { code = '', message = '' } = error as { code?: string; message?: string };
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: accounts.user_id"
    const columns = /constraint failed: (.+)$/.exec(message)?.[1] ?? 'unknown';
    return new StoreConflictError(UNIQUE_FIELDS[columns] ?? columns, undefined, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY')
    return new StoreError('store_reference_missing', 'a referenced record does not exist', { cause: error });
  if (isUnavailable(code))
    return new StoreUnavailableError(`the SQLite database is unavailable (${code})`, { cause: error });
  // The driver's own checks: a closed connection, a directory that does not exist.
  if (error instanceof TypeError && /database connection is not open|Cannot open database/.test(message))
    return new StoreUnavailableError(`the SQLite database is unavailable (${message})`, { cause: error });
  return error;
}

/** A record the operation needs (an account, a terminal) does not exist. */
export const referenceMissing = (what: string): StoreError =>
  new StoreError('store_reference_missing', `no ${what}`);
