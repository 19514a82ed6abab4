/**
 * The MongoDB adapter's failure handling without a server: driver errors → the Store's typed errors,
 * credentials never printed, start-up against a closed port, and every Store method on a store whose
 * server is gone. All errors here are real driver / mongoose errors, not look-alikes.
 */
import { expect } from 'chai';
import mongoose from 'mongoose';
import { mapMongoError, MongoStore, openMongoStore, redactUri } from '../../adapters/mongo/index.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import { StoreConflictError, StoreError, StoreUnavailableError, type Store } from '../../src/store.js';
import { loginEventInput, T0 } from './contract/context.js';

const { MongoServerError, MongoNetworkError, MongoNetworkTimeoutError, MongoServerSelectionError } =
  mongoose.mongo;

const CLOSED_PORT = 'mongodb://tobira:s3cret@127.0.0.1:1/tobira';

/** A duplicate-key error as the server reports it. */
const duplicate = (collection: string, keyPattern: Record<string, number>) => {
  const index = Object.entries(keyPattern)
    .map(([k, v]) => `${k}_${v}`)
    .join('_');
  return new MongoServerError({
    code: 11000,
    codeName: 'DuplicateKey',
    errmsg: `E11000 duplicate key error collection: tobira.${collection} index: ${index} dup key: { }`,
    keyPattern,
    keyValue: Object.fromEntries(Object.keys(keyPattern).map((k) => [k, 'x'])),
  });
};

/** A store whose server went away: its driver client's topology is closed, as after an outage. */
async function storeWithoutServer(): Promise<MongoStore> {
  const client = new mongoose.mongo.MongoClient('mongodb://127.0.0.1:1/tobira', {
    serverSelectionTimeoutMS: 200,
  });
  await client.connect().catch(() => undefined); // refused: the topology stays, closed
  const connection = mongoose.createConnection();
  for (const option of ['autoCreate', 'autoIndex', 'bufferCommands'] as const) connection.set(option, false);
  connection.setClient(client);
  return new MongoStore(connection);
}

describe('MongoDB adapter failures (no server)', function () {
  describe('error mapping', function () {
    it('turns a duplicate key into StoreConflictError naming the field of the unique index', function () {
      const cases: [string, Record<string, number>, string][] = [
        ['accounts', { userId: 1 }, 'userId'],
        ['accounts', { _id: 1 }, 'id'],
        ['certificates', { _id: 1 }, 'serial'],
        ['certificates', { fingerprintS256: 1 }, 'fingerprintS256'],
        ['terminals', { accountId: 1, number: 1 }, 'number'],
        ['tickets', { tokenHash: 1 }, 'tokenHash'],
        ['clients', { _id: 1 }, 'clientId'],
        ['api_keys', { keyHash: 1 }, 'keyHash'],
        ['outbox', { _id: 1 }, 'id'],
      ];
      for (const [collection, keyPattern, field] of cases) {
        const cause = duplicate(collection, keyPattern);
        const mapped = mapMongoError(cause, collection);
        expect(mapped, `${collection} ${field}`)
          .to.be.instanceOf(StoreConflictError)
          .with.property('field', field);
        expect((mapped as StoreConflictError).code).to.equal('store_conflict');
        expect((mapped as Error).cause).to.equal(cause);
      }
    });

    it('turns network, server-selection and failover errors into StoreUnavailableError', function () {
      const notPrimary = new MongoServerError({
        code: 10107,
        codeName: 'NotWritablePrimary',
        errmsg: 'not primary',
      });
      const retried = new MongoServerError({ code: 91, errmsg: 'shutting down' });
      const labelled = new MongoServerError({ code: 262, errmsg: 'exceeded time limit' });
      labelled.addErrorLabel('RetryableWriteError');
      const errors = [
        new MongoNetworkError('connection 3 to 10.0.0.5:27017 closed'),
        new MongoNetworkTimeoutError('connection timed out'),
        new MongoServerSelectionError('Server selection timed out after 30000 ms', {
          error: undefined,
        } as never),
        new mongoose.mongo.MongoTopologyClosedError(),
        new mongoose.mongo.MongoNotConnectedError('not connected'),
        notPrimary,
        retried,
        labelled,
      ];
      for (const error of errors) {
        const mapped = mapMongoError(error, 'accounts');
        expect(mapped, error.name).to.be.instanceOf(StoreUnavailableError);
        expect((mapped as StoreUnavailableError).code).to.equal('store_unavailable');
        expect((mapped as Error).message).to.match(/^MongoDB is unavailable \(Mongo\w+Error: /);
      }
    });

    it('turns a record the schema refuses into StoreError store_invalid_record, and leaves other errors alone', function () {
      const Account = mongoose
        .createConnection()
        .model('Account', new mongoose.Schema({ n: { type: Number, required: true } }));
      const invalid = new Account({}).validateSync()!;
      const mapped = mapMongoError(invalid, 'accounts');
      expect(mapped).to.be.instanceOf(StoreError).with.property('code', 'store_invalid_record');
      expect((mapped as Error).message).to.include('n: Path `n` is required');
      const other = new Error('a bug');
      expect(mapMongoError(other, 'accounts')).to.equal(other);
      const server = new MongoServerError({ code: 2, errmsg: 'BadValue' });
      expect(mapMongoError(server, 'accounts')).to.equal(server);
    });
  });

  describe('URIs in messages', function () {
    it('hides credentials wherever a URI appears', function () {
      expect(redactUri('mongodb://tobira:s3cret@db1:27017,db2:27017/tobira?replicaSet=rs0')).to.equal(
        'mongodb://***@db1:27017,db2:27017/tobira?replicaSet=rs0',
      );
      expect(redactUri('mongodb+srv://u:p%40ss@cluster0.example.net/tobira')).to.equal(
        'mongodb+srv://***@cluster0.example.net/tobira',
      );
      expect(redactUri('failed: mongodb://a:b@h1/x and mongodb://c:d@h2/y')).to.equal(
        'failed: mongodb://***@h1/x and mongodb://***@h2/y',
      );
      expect(redactUri('mongodb://db1/tobira')).to.equal('mongodb://db1/tobira');
    });
  });

  describe('start-up and outages', function () {
    it('fails start-up against a closed port with one line naming the server, no credentials', async function () {
      const started = Date.now();
      const error = await openMongoStore({ uri: CLOSED_PORT, timeoutMs: 500 }).then(
        () => expect.fail('opened a store without a server'),
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(StoreUnavailableError);
      const { message } = error as Error;
      expect(message).to.match(/^cannot reach MongoDB at mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/tobira \(.+\)$/);
      expect(message).to.include('ECONNREFUSED');
      expect(message).to.not.include('s3cret');
      expect(message).to.not.include('\n');
      expect(Date.now() - started).to.be.below(5000);
      expect(mongoose.connection.readyState, 'the global default connection is never used').to.equal(0);
    });

    it('rejects every Store method with StoreUnavailableError once the server is gone', async function () {
      const store = await storeWithoutServer();
      const s: Store = store;
      const calls: Record<string, () => Promise<unknown>> = {
        init: () => s.init(),
        ping: () => s.ping(),
        getSecurityEpoch: () => store.getSecurityEpoch(), // MongoStore's: a promise (SQLite's answers at once)
        createTenant: () =>
          s.createTenant({ id: 't', name: 'n', supportContact: 'c', policy: defaultTenantPolicy() }, T0),
        getTenant: () => s.getTenant('t'),
        listTenants: () => s.listTenants(),
        updateTenant: () => s.updateTenant('t', { name: 'm' }, T0),
        createClient: () =>
          s.createClient({ clientId: 'c', tenantId: 't', metadata: {}, firstParty: false }, T0),
        getClient: () => s.getClient('c'),
        listClients: () => s.listClients(),
        updateClient: () => s.updateClient('c', {}, T0),
        deleteClient: () => s.deleteClient('c'),
        createAccount: () =>
          s.createAccount(
            { id: 'a', tenantId: 't', userId: 'u', status: 'pending', loginMethod: 'password' },
            T0,
          ),
        getAccount: () => s.getAccount('a'),
        getAccountByUserId: () => s.getAccountByUserId('u'),
        findAccounts: () => s.findAccounts({ userIdPrefix: 'u' }),
        updateAccount: () => s.updateAccount('a', { passwordHash: 'h' }, T0),
        deleteAccount: () => s.deleteAccount('a', T0),
        reserveAttempt: () => s.reserveAttempt('a', 'password', 5, T0),
        resetCounter: () => s.resetCounter('a', 'password', T0),
        lockAccount: () => s.lockAccount('a', 'admin', T0),
        unlockAccount: () => s.unlockAccount('a', T0),
        advanceTotpStep: () => s.advanceTotpStep('a', 1, T0),
        createTerminal: () =>
          s.createTerminal({ id: 'd', accountId: 'a', email: 'e@example.jp', type: 'pc' }, T0),
        getTerminal: () => s.getTerminal('d'),
        listTerminals: () => s.listTerminals('a'),
        updateTerminal: () => s.updateTerminal('d', { email: 'f@example.jp' }, T0),
        clearExpiredDownloads: () => s.clearExpiredDownloads(T0),
        saveIssuedCertificate: () =>
          s.saveIssuedCertificate(
            {
              certificate: {
                serial: '01',
                accountId: 'a',
                terminalId: 'd',
                subjectCn: 'cn',
                fingerprintS256: 'f',
                notBefore: T0,
                notAfter: T0,
                pem: 'p',
              },
              pendingDownload: null,
            },
            T0,
          ),
        getCertificate: () => s.getCertificate('01'),
        getCertificateByFingerprint: () => s.getCertificateByFingerprint('f'),
        findCertificateStanding: () => s.findCertificateStanding('f'),
        listCertificates: () => s.listCertificates({ accountId: 'a' }),
        revokeCertificate: () => s.revokeCertificate('01', 'keyCompromise', T0),
        listRevokedCertificates: () => s.listRevokedCertificates(T0),
        createTicket: () =>
          s.createTicket(
            {
              id: 'k',
              purpose: 'enroll',
              tokenHash: 'h',
              accountId: 'a',
              terminalId: null,
              secretHash: null,
              expiresAt: T0,
            },
            T0,
          ),
        getTicketByTokenHash: () => s.getTicketByTokenHash('h'),
        consumeTicket: () => s.consumeTicket('k', T0),
        reserveTicketAttempt: () => s.reserveTicketAttempt('k', 3),
        invalidateTickets: () => s.invalidateTickets('a', 'enroll', T0),
        purgeExpiredTickets: () => s.purgeExpiredTickets(T0),
        addLoginEvent: () => s.addLoginEvent(loginEventInput()),
        listLoginEvents: () => s.listLoginEvents({ accountId: 'a' }),
        purgeLoginEvents: () => s.purgeLoginEvents(T0),
        addAuditEvent: () =>
          s.addAuditEvent({
            at: T0,
            actor: 'cli',
            action: 'x',
            tenantId: null,
            accountId: null,
            sourceIp: null,
            details: {},
          }),
        listAuditEvents: () => s.listAuditEvents({}),
        enqueueMail: () =>
          s.enqueueMail(
            { id: 'm', to: 'e@example.jp', subject: 's', text: 't', html: null, template: 'x' },
            T0,
          ),
        claimMail: () => s.claimMail('w', T0, 1000, 5),
        markMailSent: () => s.markMailSent('m', 'w', T0),
        markMailFailed: () => s.markMailFailed('m', 'w', 'e', null, T0),
        listMail: () => s.listMail({}),
        replaceMailBody: () => s.replaceMailBody('m', { text: 't', html: null }, { text: 'u', html: null }),
        redactSettledMail: () => s.redactSettledMail(),
        purgeSettledMail: () => s.purgeSettledMail(T0),
        commitWork: () => s.commitWork({ ticketId: 't' }, T0),
        hitRateLimit: () => s.hitRateLimit('k', T0, T0),
        hitRateLimits: () => s.hitRateLimits([{ key: 'k', expiresAt: T0, previousKey: 'p' }], T0),
        countRateLimit: () => s.countRateLimit('k', T0),
        countCertificatesExpiring: () => s.countCertificatesExpiring(T0, T0),
        listCertificatesExpiring: () => s.listCertificatesExpiring(T0, T0),
        claimExpiryReminder: () => s.claimExpiryReminder('00ff', 30),
        createApiKey: () => s.createApiKey({ id: 'k', keyHash: 'h', label: 'l' }, T0),
        getApiKeyByHash: () => s.getApiKeyByHash('h'),
        listApiKeys: () => s.listApiKeys(),
        revokeApiKey: () => s.revokeApiKey('k', T0),
        oidcUpsert: () => s.oidcUpsert('Session', 's', { uid: 'u' }, 60, T0),
        oidcFind: () => s.oidcFind('Session', 's', T0),
        oidcFindByUid: () => s.oidcFindByUid('Session', 'u', T0),
        oidcFindByUserCode: () => s.oidcFindByUserCode('DeviceCode', 'c', T0),
        oidcConsume: () => s.oidcConsume('Session', 's', T0),
        oidcDestroy: () => s.oidcDestroy('Session', 's'),
        oidcRevokeByGrantId: () => s.oidcRevokeByGrantId('g'),
        oidcPurgeExpired: () => s.oidcPurgeExpired(T0),
        putState: () => s.putState('TobiraFormSession', 's', { scope: 'x' }, 60, T0),
        getState: () => s.getState('TobiraFormSession', 's', T0),
        deleteState: () => s.deleteState('TobiraFormSession', 's'),
      };
      // Every public method of the adapter is in the table, so a new one cannot skip the error wrapper.
      const helpers = new Set([
        'constructor',
        'close',
        'run',
        'unit',
        'mustExist',
        'page',
        'insert',
        'lasting',
        'serverTraits',
        'unitSession',
      ]);
      const methods = new Set<string>();
      for (
        let proto = Object.getPrototypeOf(store);
        proto !== Object.prototype;
        proto = Object.getPrototypeOf(proto)
      )
        for (const name of Object.getOwnPropertyNames(proto)) if (!helpers.has(name)) methods.add(name);
      expect([...methods].sort()).to.deep.equal(Object.keys(calls).sort());

      for (const [name, call] of Object.entries(calls)) {
        const outcome = await call().then(
          () => 'resolved',
          (e: unknown) => e,
        );
        expect(outcome, name).to.be.instanceOf(StoreUnavailableError);
      }
      await store.close();
    });

    it('refuses an invalid record before it reaches the database, as StoreError store_invalid_record', async function () {
      const store = await storeWithoutServer();
      const invalid = [
        store.createTenant({ id: 't', name: '', supportContact: 'c', policy: defaultTenantPolicy() }, T0),
        store.updateAccount('a', { passwordHistory: Array(25).fill('h') }, T0),
        store.updateTerminal('d', { type: 'tablet' as never }, T0),
      ];
      for (const outcome of await Promise.allSettled(invalid)) {
        expect(outcome.status).to.equal('rejected');
        const reason = (outcome as PromiseRejectedResult).reason as StoreError;
        expect(reason).to.be.instanceOf(StoreError).and.not.instanceOf(StoreUnavailableError);
        expect(reason.code).to.equal('store_invalid_record');
      }
      await store.close();
    });
  });
});
