/** Driver errors → the Store's typed errors, and URIs safe to print. */
import { StoreConflictError, StoreUnavailableError } from '../../src/store.js';

/** Unique index key → the record field it guards (`_id` is the record's own id, or serial for certificates). */
const KEY_FIELDS: Record<string, string> = {
  userId: 'userId',
  fingerprintS256: 'fingerprintS256',
  tokenHash: 'tokenHash',
  keyHash: 'keyHash',
  number: 'number',
};

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]*)@/, '//***@');
}

const NETWORK_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongooseServerSelectionError',
]);

/** Convert a driver error; returns the error unchanged when it is not one we classify. */
export function mapMongoError(error: unknown, collection?: string): unknown {
  const e = error as { name?: string; code?: number; keyPattern?: Record<string, unknown>; message?: string };
  if (e?.code === 11000) {
    const keys = Object.keys(e.keyPattern ?? {});
    const key = keys.find((k) => k !== 'accountId') ?? keys[0] ?? '_id';
    const field =
      key === '_id'
        ? collection === 'certificates'
          ? 'serial'
          : collection === 'clients'
            ? 'clientId'
            : 'id'
        : (KEY_FIELDS[key] ?? key);
    return new StoreConflictError(field, undefined, { cause: error });
  }
  if (e?.name && NETWORK_ERRORS.has(e.name)) {
    return new StoreUnavailableError(`MongoDB is unavailable (${e.name}: ${e.message ?? ''})`.slice(0, 300), {
      cause: error,
    });
  }
  return error;
}
