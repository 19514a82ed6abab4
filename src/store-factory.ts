/** Opens the store the config names. Adapters load lazily so a SQLite deployment never loads mongoose. */
import path from 'node:path';
import { resolveDataPath, type Config } from './config.js';
import type { Store } from './store.js';

export async function openStore(config: Config): Promise<Store> {
  if (config.store === 'mongodb') {
    const { openMongoStore } = await import('../adapters/mongo/index.js');
    return openMongoStore({ uri: config.mongodbUri! });
  }
  const { openSqliteStore } = await import('../adapters/sqlite/index.js');
  return openSqliteStore({
    path: config.sqlitePath ? path.resolve(config.sqlitePath) : resolveDataPath(config, 'tobira.db'),
  });
}
