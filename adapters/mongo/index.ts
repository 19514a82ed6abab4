/** Opens the MongoDB store on its own connection (never mongoose's global one), so stores can coexist. */
import mongoose from 'mongoose';
import { StoreUnavailableError, type Store } from '../../src/store.js';
import { redactUri } from './errors.js';
import { MongoStore } from './store.js';

export { MongoStore } from './store.js';
export { mapMongoError, redactUri } from './errors.js';
export { defineModels } from './schemas.js';

export async function openMongoStore(options: {
  uri: string;
  serverSelectionTimeoutMS?: number;
}): Promise<Store> {
  const connection = mongoose.createConnection(options.uri, {
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000,
    autoIndex: false, // indexes are built once in init(), not on every model compile
  });
  try {
    await connection.asPromise();
  } catch (cause) {
    await connection.close().catch(() => undefined);
    const reason = (cause as Error).message.split('\n')[0];
    throw new StoreUnavailableError(`cannot reach MongoDB at ${redactUri(options.uri)} (${reason})`, {
      cause,
    });
  }
  const store = new MongoStore(connection);
  await store.init();
  return store;
}
