/**
 * The MongoDB adapter's indexes: the versioned index migrations, TTL changes made in place, and the
 * page queries each served by an index that ends in their tie-breaker. On MongoDB `explain()` shows
 * the plan; FerretDB's explain shows its SQLite plan (a scan with no sort push-down), so there the
 * test holds the query shape against the indexes the server reports instead.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import {
  INDEX_MIGRATIONS,
  indexVersion,
  planIndexChanges,
  type DeclaredIndex,
} from '../../adapters/mongo/indexes.js';
import { connectMongo, MongoStore } from '../../adapters/mongo/index.js';
import { testMongoServer } from '../helpers/ferretdb.js';

const server = testMongoServer();

describe('MongoDB index changes (no server)', function () {
  const ttl = (seconds: number): DeclaredIndex => ({
    collection: 'tickets',
    keys: { expiresAt: 1 },
    options: { expireAfterSeconds: seconds },
  });

  it('creates a missing index, changes a different TTL in place (collMod), leaves a matching one', function () {
    expect(planIndexChanges([ttl(60)], [], { ttlIndexes: true })).to.deep.equal([
      {
        kind: 'create',
        collection: 'tickets',
        keys: { expiresAt: 1 },
        options: { name: 'expiresAt_1', expireAfterSeconds: 60 },
      },
    ]);
    const existing = [{ name: 'expiresAt_1', key: { expiresAt: 1 }, expireAfterSeconds: 30 }];
    expect(planIndexChanges([ttl(60)], existing, { ttlIndexes: true })).to.deep.equal([
      { kind: 'ttl', collection: 'tickets', name: 'expiresAt_1', expireAfterSeconds: 60 },
    ]);
    expect(planIndexChanges([ttl(30)], existing, { ttlIndexes: true })).to.deep.equal([]);
  });

  it('creates TTL indexes as plain ones where the server has no TTL indexes (FerretDB)', function () {
    expect(planIndexChanges([ttl(60)], [], { ttlIndexes: false })).to.deep.equal([
      { kind: 'create', collection: 'tickets', keys: { expiresAt: 1 }, options: { name: 'expiresAt_1' } },
    ]);
  });
});

/** Page queries of the history, audit and outbox lists: equality filter fields, then the sort. */
const PAGES = [
  { collection: 'login_events', list: 'listLoginEvents', filter: ['accountId'], sort: { at: -1, _id: -1 } },
  { collection: 'login_events', list: 'listLoginEvents', filter: ['tenantId'], sort: { at: -1, _id: -1 } },
  { collection: 'login_events', list: 'listLoginEvents', filter: [], sort: { at: -1, _id: -1 } },
  { collection: 'audit_events', list: 'listAuditEvents', filter: ['tenantId'], sort: { at: -1, _id: -1 } },
  { collection: 'audit_events', list: 'listAuditEvents', filter: ['accountId'], sort: { at: -1, _id: -1 } },
  { collection: 'audit_events', list: 'listAuditEvents', filter: ['action'], sort: { at: -1, _id: -1 } },
  { collection: 'audit_events', list: 'listAuditEvents', filter: [], sort: { at: -1, _id: -1 } },
  { collection: 'outbox', list: 'listMail', filter: ['status'], sort: { createdAt: -1, seq: -1 } },
  { collection: 'outbox', list: 'listMail', filter: ['to'], sort: { createdAt: -1, seq: -1 } },
  { collection: 'outbox', list: 'listMail', filter: [], sort: { createdAt: -1, seq: -1 } },
] as const;

if ('skip' in server) {
  describe(`MongoDB indexes on a server (skipped: ${server.skip})`, function () {
    it('skipped: needs FerretDB (Go) or TOBIRA_TEST_MONGODB_URI', function () {
      this.skip();
    });
  });
} else {
  describe(`MongoDB indexes on ${server.name}`, function () {
    let running: Awaited<ReturnType<typeof server.start>>;
    let connection: Connection;
    before(async () => (running = await server.start()));
    after(async () => running?.stop());
    beforeEach(async function () {
      connection = await connectMongo({
        uri: running.uri,
        dbName: `tobira_idx_${randomBytes(6).toString('hex')}`,
      });
    });
    afterEach(async function () {
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
    });

    it('migrates a database of the previous version: drops the replaced indexes, records the version', async function () {
      const db = connection.db!;
      await db.collection('login_events').createIndex({ accountId: 1, at: -1 });
      await db.collection('outbox').createIndex({ createdAt: -1 });
      await new MongoStore(connection).init();
      const names = async (c: string) => (await db.collection(c).listIndexes().toArray()).map((i) => i.name);
      expect(await names('login_events')).to.not.include('accountId_1_at_-1');
      expect(await names('login_events')).to.include('accountId_1_at_-1__id_-1');
      expect(await names('outbox')).to.not.include('createdAt_-1');
      expect(await names('outbox')).to.include('createdAt_-1_seq_-1');
      expect(await indexVersion(db)).to.equal(INDEX_MIGRATIONS.at(-1)!.version);
      await new MongoStore(connection).init(); // a second node starting: nothing left to do
      expect(await indexVersion(db)).to.equal(INDEX_MIGRATIONS.at(-1)!.version);
    });

    it('serves every history, audit and outbox page from an index ending in the tie-breaker (MongoDB: explain; FerretDB: query shape)', async function () {
      const store = new MongoStore(connection);
      await store.init();
      const db = connection.db!;
      for (const page of PAGES) {
        const keys = (await db.collection(page.collection).listIndexes().toArray()).map(
          (i) => i.key as object,
        );
        const wanted = { ...Object.fromEntries(page.filter.map((f) => [f, 1])), ...page.sort };
        expect(keys, `${page.collection} by ${page.filter.join() || 'nothing'}`).to.deep.include(wanted);
        if (store.serverTraits!.ferretdb) continue;
        const filter = Object.fromEntries(page.filter.map((f) => [f, 'x']));
        const plan = JSON.stringify(
          await db.collection(page.collection).find(filter).sort(page.sort).limit(50).explain(),
        );
        expect(plan, `${page.list}: no in-memory sort`).to.not.include('"SORT"');
        expect(plan).to.include('IXSCAN');
      }
    });
  });
}
