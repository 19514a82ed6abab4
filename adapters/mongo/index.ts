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
  /** How long to wait for a usable server before failing (start-up and each operation). */
  serverSelectionTimeoutMS?: number;
}

/** A message of one line for a store that cannot be used, credentials hidden. */
const unavailable = (what: string, uri: string, cause: unknown) =>
  new StoreUnavailableError(`${what} ${redactUri(uri)} (${describeError(cause)})`, { cause });

/**
 * Open a connection and wait until it is usable. Commands are not buffered while disconnected: an
 * outage surfaces after `serverSelectionTimeoutMS` as a driver error (→ StoreUnavailableError)
 * instead of queueing requests in memory. Collections and indexes are built by `init()`, not on
 * model compilation. `dbName` overrides the URI's database (tests use a fresh one each).
 */
export async function connectMongo(options: MongoStoreOptions & { dbName?: string }): Promise<Connection> {
  let connection: Connection | undefined;
  try {
    connection = mongoose.createConnection(options.uri, {
      ...(options.dbName ? { dbName: options.dbName } : {}),
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
      bufferCommands: false,
      autoCreate: false,
      autoIndex: false,
    });
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
