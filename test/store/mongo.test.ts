/**
 * The Store contract on MongoDB. No MongoDB server can be installed on these machines (not in Debian;
 * test helpers that download one fail here), so this runs only when TOBIRA_TEST_MONGODB_URI names one.
 */
import { randomBytes } from 'node:crypto';
import { openMongoStore } from '../../adapters/mongo/index.js';
import { runStoreContract } from './contract.js';

const uri = process.env.TOBIRA_TEST_MONGODB_URI;

if (uri) {
  runStoreContract('mongodb', async () => {
    // A fresh database per test, dropped afterwards.
    const url = new URL(uri);
    url.pathname = `/tobira_test_${randomBytes(6).toString('hex')}`;
    const store = await openMongoStore({ uri: url.href, serverSelectionTimeoutMS: 5000 });
    return {
      store,
      cleanup: async () => {
        await (
          store as unknown as { connection: { dropDatabase(): Promise<void> } }
        ).connection.dropDatabase();
        await store.close();
      },
    };
  });
} else {
  describe('Store contract: mongodb (skipped: TOBIRA_TEST_MONGODB_URI is not set — no MongoDB server can be installed on this machine)', function () {
    it('runs the whole Store contract against a real MongoDB when TOBIRA_TEST_MONGODB_URI is set', function () {
      this.skip();
    });
  });
}
