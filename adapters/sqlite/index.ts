import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Store } from '../../src/store.js';
import { SqliteStore } from './store.js';

export { SqliteStore } from './store.js';
export { MIGRATIONS } from './migrations.js';

/** Open (creating if needed) the SQLite store at `path`; `':memory:'` for a private in-memory one. */
export async function openSqliteStore(options: { path: string }): Promise<Store> {
  if (options.path !== ':memory:')
    mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true, mode: 0o700 });
  const store = new SqliteStore(options.path);
  await store.init();
  return store;
}
