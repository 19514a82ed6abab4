/** Two Tobira nodes over one SQLite file (WAL): the suite in test/helpers/two-nodes.ts. */
import path from 'node:path';
import { openSqliteStore } from '../../adapters/sqlite/index.js';
import { twoNodesSuite } from '../helpers/two-nodes.js';

twoNodesSuite({
  over: 'one SQLite file',
  store: async (dataDir) => ({
    config: { store: 'sqlite' },
    env: { TOBIRA_STORE: 'sqlite' },
    open: () => openSqliteStore({ path: path.join(dataDir, 'tobira.db') }),
  }),
  racesSkipped: null,
});
