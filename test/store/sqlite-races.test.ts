/** The store races on SQLite: four processes on one database file (WAL, busy timeout). */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { runStoreRaces } from './races.js';

runStoreRaces('sqlite (one file)', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-races-'));
  const file = path.join(dir, 'tobira.db');
  const store = await openSqliteStore({ path: file });
  return {
    store,
    target: { kind: 'sqlite', path: file },
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
