/**
 * Driver errors → the Store's typed errors, and text safe to print. A duplicate key (11000) is a
 * StoreConflictError naming the record field its unique index guards; anything that means "the
 * database cannot be reached right now" is a StoreUnavailableError (callers answer 503 and retry);
 * a record the schema refuses, or a patch naming a field it does not have (a bug in the caller), is a
 * StoreError `store_invalid_record`, so no
 * mongoose error type leaks out of the store.
 */
import mongoose from 'mongoose';
import { StoreConflictError, StoreError, StoreUnavailableError } from '../../src/store.js';
import { ID_FIELDS } from './models/index.js';

/** Error classes (by name, so subclasses and errors from another copy of the driver match too). */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError', // includes MongoNetworkTimeoutError and MongoPoolClearedError
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoTopologyClosedError',
  'MongoClientClosedError',
  'MongoNotConnectedError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);

/** Server codes of a node that is stepping down, shutting down or unreachable (a failover in progress). */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired: the operation ran past maxTimeMS (the configured timeout)
  64, // WriteConcernFailed: no majority acknowledged in time; the write may or may not stand
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

interface DriverErrorShape {
  name?: string;
  code?: number;
  message?: string;
  keyPattern?: Record<string, unknown>;
  keyValue?: Record<string, unknown>;
  errorLabels?: string[];
}

/** `mongodb://user:secret@host/db` → `mongodb://***@host/db`, wherever a URI appears in `text`. */
export function redactUri(text: string): string {
  return text.replace(/\/\/[^@/\s]*@/g, '//***@');
}

/** One line, credentials hidden: for messages that end up in logs and on the console. */
export function describeError(error: unknown): string {
  const e = error as DriverErrorShape | null;
  const text = e?.message ? `${e.name ?? 'Error'}: ${e.message}` : String(error);
  return redactUri(text.split('\n')[0]!.trim()).slice(0, 300);
}

function classNames(error: object): Set<string> {
  const names = new Set<string>();
  const own = (error as DriverErrorShape).name;
  if (own) names.add(own);
  for (let proto = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    const name = (proto as { constructor?: { name?: string } }).constructor?.name;
    if (name) names.add(name);
  }
  return names;
}

export function isUnavailableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as DriverErrorShape;
  if ([...classNames(error)].some((name) => UNAVAILABLE_NAMES.has(name))) return true;
  if (typeof e.code === 'number' && UNAVAILABLE_CODES.has(e.code)) return true;
  // The driver already retried a retryable write once; it failed again, so the cluster is not writable.
  return Array.isArray(e.errorLabels) && e.errorLabels.includes('RetryableWriteError');
}

export const isDuplicateKeyError = (error: unknown): boolean =>
  (error as DriverErrorShape | null)?.code === 11000;

/**
 * The record field a duplicate key names: the last key of the unique index (a compound unique index
 * such as `{ accountId, number }` is scoped by its leading keys), `_id` being the collection's own id.
 */
export function conflictField(error: unknown, collection: string | undefined): string {
  const e = error as DriverErrorShape;
  const keys = Object.keys(e.keyPattern ?? e.keyValue ?? {});
  const key = keys.at(-1) ?? '_id';
  return key === '_id' ? (ID_FIELDS[collection ?? ''] ?? 'id') : key;
}

/** Convert a driver error; any other error is returned unchanged. */
export function mapMongoError(error: unknown, collection?: string): unknown {
  if (isDuplicateKeyError(error))
    return new StoreConflictError(conflictField(error, collection), undefined, { cause: error });
  if (isUnavailableError(error))
    return new StoreUnavailableError(`MongoDB is unavailable (${describeError(error)})`, { cause: error });
  if (
    error instanceof mongoose.Error.ValidationError ||
    error instanceof mongoose.Error.CastError ||
    error instanceof mongoose.Error.StrictModeError
  )
    return new StoreError('store_invalid_record', describeError(error), { cause: error });
  return error;
}
