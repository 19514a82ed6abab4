/** The embedded SQLite store: the default, needing nothing but a writable directory. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../../src/store.js';
import type { CheckpointOptions } from './checkpointer.js';
import { SqliteStore } from './store.js';

export { SqliteStore } from './store.js';
export { MIGRATIONS } from './migrations.js';

/**
 * Opens (creating if needed, with its directory) the SQLite store at `options.path`, or a private
 * in-memory one for `':memory:'`. The schema is brought up to date here already; `init()` stays safe to
 * call again. `checkpoints`: who runs the WAL's checkpoints (checkpointer.ts; default: the connection,
 * as SQLite does).
 */
export async function openSqliteStore(options: { path: string } & CheckpointOptions): Promise<Store> {
  if (options.path !== ':memory:')
    mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true, mode: 0o700 });
  const { path: file, ...checkpoints } = options;
  const store = new SqliteStore(file, checkpoints);
  await store.init();
  return store;
}
