/**
 * The MongoDB store. Each store has its own connection (`mongoose.createConnection`, never the
 * global default one), so several stores — and tests — can coexist in one process.
 */
import mongoose, { type Connection } from 'mongoose';
import { StoreUnavailableError, type Store } from '../../src/store.js';
import { describeError, redactUri } from './errors.js';
import { MongoStore } from './store.js';

export { MongoStore } from './store.js';
export { conflictField, describeError, isUnavailableError, mapMongoError, redactUri } from './errors.js';
export { defineModels, type Models } from './models/index.js';

export interface MongoStoreOptions {
  /** `mongodb://…/tobira?replicaSet=rs0`; credentials in it are never printed. */
  uri: string;
  /**
   * How long one operation may take before it fails as StoreUnavailableError (default 10 s): waiting
   * for a usable server, for a connection, and for a reply on an open socket (a server cut off without
   * a reset never answers); queries also carry it as maxTimeMS, so the server gives up on its own.
   */
  timeoutMs?: number;
  /** The older name of `timeoutMs`, still accepted. */
  serverSelectionTimeoutMS?: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** A message of one line for a store that cannot be used, credentials hidden. */
const unavailable = (what: string, uri: string, cause: unknown) =>
  new StoreUnavailableError(`${what} ${redactUri(uri)} (${describeError(cause)})`, { cause });

/**
 * Open a connection and wait until it is usable. Commands are not buffered while disconnected: an
 * outage surfaces after `timeoutMs` as a driver error (→ StoreUnavailableError)
 * instead of queueing requests in memory. Collections and indexes are built by `init()`, not on
 * model compilation. `dbName` overrides the URI's database (tests use a fresh one each);
 * `monitorCommands` emits the driver's command events (tests read what is sent).
 */
export async function connectMongo(
  options: MongoStoreOptions & { dbName?: string; monitorCommands?: boolean },
): Promise<Connection> {
  let connection: Connection | undefined;
  try {
    const timeoutMs = options.timeoutMs ?? options.serverSelectionTimeoutMS ?? DEFAULT_TIMEOUT_MS;
    connection = mongoose.createConnection(options.uri, {
      ...(options.dbName ? { dbName: options.dbName } : {}),
      ...(options.monitorCommands ? { monitorCommands: true } : {}),
      serverSelectionTimeoutMS: timeoutMs,
      connectTimeoutMS: timeoutMs,
      socketTimeoutMS: timeoutMs,
      waitQueueTimeoutMS: timeoutMs,
      bufferCommands: false,
      autoCreate: false,
      autoIndex: false,
    });
    // mongoose adds it to find, findOne, countDocuments and findOneAndUpdate; other writes are bounded
    // by socketTimeoutMS alone.
    connection.set('maxTimeMS', timeoutMs);
    return await connection.asPromise();
  } catch (cause) {
    await connection?.close().catch(() => undefined);
    throw unavailable('cannot reach MongoDB at', options.uri, cause);
  }
}

/** Connect, create collections and indexes (idempotent), and return the Store. */
export async function openMongoStore(options: MongoStoreOptions): Promise<Store> {
  const connection = await connectMongo(options);
  const store = new MongoStore(connection);
  try {
    await store.init();
  } catch (cause) {
    await store.close().catch(() => undefined);
    throw unavailable('cannot prepare the MongoDB store at', options.uri, cause);
  }
  return store;
}
