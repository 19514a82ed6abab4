/**
 * Opens the store the config names. The MongoDB adapter loads only when configured: mongoose and its
 * driver cost ~30 MiB and ~0.3 s at start that a SQLite deployment should not pay
 * (test/integration/build.test.ts checks the module graph).
 */
import type { CheckpointOptions } from '../adapters/sqlite/checkpointer.js';
import { openSqliteStore } from '../adapters/sqlite/index.js';
import { sqliteFile, type Config } from './config.js';
import type { Store } from './store.js';
import type * as MongoAdapter from '../adapters/mongo/index.js';

/**
 * The adapter in this module's own module system. mocha loads the tests with require(), tsx compiling
 * them to CommonJS; there an `import()` would load a second, ES-module copy of the shared modules and
 * `instanceof StoreUnavailableError` would fail across the copies. Compiled or under `--import tsx`
 * this module is an ES module, where `require` is not defined.
 */
async function loadMongoAdapter(): Promise<typeof MongoAdapter> {
  if (typeof require === 'function') return require('../adapters/mongo/index.js') as typeof MongoAdapter; // eslint-disable-line @typescript-eslint/no-require-imports
  return import('../adapters/mongo/index.js');
}

/**
 * `checkpoints`: who runs SQLite's WAL checkpoints (adapters/sqlite/checkpointer.ts) — a cluster's primary
 * ('elsewhere'), a thread of a single process ('thread'), or the connection itself (the default);
 * `onCheckpointError` hears a failed one of the thread's.
 */
export async function openStore(config: Config, options: CheckpointOptions = {}): Promise<Store> {
  if (config.store === 'mongodb') {
    const { openMongoStore } = await loadMongoAdapter();
    return openMongoStore({ uri: config.mongodbUri!, timeoutMs: config.mongodbTimeoutMs });
  }
  return openSqliteStore({ path: sqliteFile(config), ...options });
}
