/**
 * The Store contract on a MongoDB server: TOBIRA_TEST_MONGODB_URI when set (ideally a replica set, so
 * transactions are used), else FerretDB built by `npm test`'s pretest (test/helpers/ferretdb.ts).
 * Each test gets a fresh, randomly named database on it, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { connectMongo, MongoStore } from '../../adapters/mongo/index.js';
import { testMongoServer } from '../helpers/ferretdb.js';
import { runStoreContract } from './contract.js';

const server = testMongoServer();

if ('skip' in server) {
  describe(`MongoDB store contract (skipped: ${server.skip})`, function () {
    it('skipped: with Go (FerretDB) or TOBIRA_TEST_MONGODB_URI the whole Store contract runs on MongoDB', function () {
      this.skip();
    });
  });
} else {
  describe(`MongoDB store on ${server.name}`, function () {
    let running: Awaited<ReturnType<typeof server.start>> | undefined;
    before(async function () {
      running = await server.start();
    });
    after(async function () {
      await running?.stop();
    });

    runStoreContract('mongodb', async () => {
      const connection = await connectMongo({
        uri: running!.uri,
        dbName: `tobira_test_${randomBytes(6).toString('hex')}`,
        timeoutMs: 5000,
      });
      const store = new MongoStore(connection);
      await store.init();
      return {
        store,
        cleanup: async () => {
          await connection.dropDatabase();
          await store.close();
        },
      };
    });
  });
}
