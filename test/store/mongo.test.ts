/**
 * The Store contract on MongoDB. No MongoDB server can be installed on these machines (it is not in
 * the distribution, and helpers that download one fail here), so the contract runs only when
 * TOBIRA_TEST_MONGODB_URI names a server — ideally a replica set, so transactions are used.
 * Each test gets a fresh, randomly named database on it, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { connectMongo, MongoStore } from '../../adapters/mongo/index.js';
import { runStoreContract } from './contract.js';

const uri = process.env.TOBIRA_TEST_MONGODB_URI;

if (uri) {
  runStoreContract('mongodb', async () => {
    const connection = await connectMongo({
      uri,
      dbName: `tobira_test_${randomBytes(6).toString('hex')}`,
      serverSelectionTimeoutMS: 5000,
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
} else {
  describe('MongoDB store contract (skipped: TOBIRA_TEST_MONGODB_URI is not set — no MongoDB server can be installed on this machine)', function () {
    it('skipped until TOBIRA_TEST_MONGODB_URI names a MongoDB server (ideally a replica set): then the whole Store contract runs against it', function () {
      this.skip();
    });
  });
}
