/**
 * Opens the store the config names. Both adapters are imported statically: a lazy `import()` can load a
 * second copy of the shared modules when the caller was loaded as CommonJS (mocha through tsx), and
 * then `instanceof StoreUnavailableError` fails across the copies.
 */
import path from 'node:path';
import { openMongoStore } from '../adapters/mongo/index.js';
import { openSqliteStore } from '../adapters/sqlite/index.js';
import { resolveDataPath, type Config } from './config.js';
import type { Store } from './store.js';

export async function openStore(config: Config): Promise<Store> {
  if (config.store === 'mongodb')
    return openMongoStore({ uri: config.mongodbUri!, timeoutMs: config.mongodbTimeoutMs });
  // ':memory:' is SQLite's private in-memory database, not a file name to resolve.
  const file =
    config.sqlitePath === ':memory:'
      ? ':memory:'
      : config.sqlitePath
        ? path.resolve(config.sqlitePath)
        : resolveDataPath(config, 'tobira.db');
  return openSqliteStore({ path: file });
}
