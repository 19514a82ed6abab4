/**
 * Two Tobira nodes over one MongoDB-compatible server (TOBIRA_STORE=mongodb): the suite in
 * test/helpers/two-nodes.ts, on TOBIRA_TEST_MONGODB_URI when set, else on a FerretDB started here.
 * FerretDB v1 applies a conditional update by reading, then writing, with nothing between the two
 * isolated across connections (FerretDB issue #3040): the adapter serialises operations within one
 * process, but two processes can both pass one threshold or one `usedAt: null` filter. So there the
 * login hopping nodes runs, and the lockout and download races only on a real MongoDB.
 */
import { randomBytes } from 'node:crypto';
import { connectMongo, openMongoStore } from '../../adapters/mongo/index.js';
import { testMongoServer } from '../helpers/ferretdb.js';
import { withDatabase } from '../helpers/mongo-uri.js';
import { twoNodesSuite } from '../helpers/two-nodes.js';

const server = testMongoServer();
const FERRETDB_RACES =
  'not atomic across processes on FerretDB (issue #3040: conditional updates read, then write); runs when TOBIRA_TEST_MONGODB_URI names a MongoDB';

if ('skip' in server) {
  describe(`two nodes over one MongoDB-compatible server (skipped: ${server.skip})`, function () {
    it('skipped: needs FerretDB (Go) or TOBIRA_TEST_MONGODB_URI', function () {
      this.skip();
    });
  });
} else {
  twoNodesSuite({
    over: `one ${server.name} server`,
    store: async () => {
      const running = await server.start();
      const uri = withDatabase(running.uri, `tobira_nodes_${randomBytes(6).toString('hex')}`);
      return {
        config: { store: 'mongodb', mongodbUri: uri },
        env: { TOBIRA_STORE: 'mongodb', TOBIRA_MONGODB_URI: uri },
        open: () => openMongoStore({ uri }),
        async dispose() {
          const connection = await connectMongo({ uri });
          await connection.dropDatabase().finally(() => connection.close());
          await running.stop();
        },
      };
    },
    racesSkipped: server.name === 'mongodb' ? null : FERRETDB_RACES,
  });
}
