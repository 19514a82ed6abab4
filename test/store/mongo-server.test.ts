/**
 * The MongoDB adapter against a server, beyond the Store contract (mongo.test.ts): what it sends —
 * majority write concern on security-critical writes, maxTimeMS on queries — and how it fails: a
 * server cut off mid-session fails a request within the timeout, a patch with an unknown field or an
 * invalid value is refused. Runs on FerretDB (or TOBIRA_TEST_MONGODB_URI), like the contract.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Connection } from 'mongoose';
import { connectMongo, MongoStore } from '../../adapters/mongo/index.js';
import { defaultTenantPolicy } from '../../src/policy/tenant-policy.js';
import { newId, sha256Hex } from '../../src/random.js';
import { StoreError, StoreUnavailableError, type AccountPatch, type Store } from '../../src/store.js';
import { testMongoServer } from '../helpers/ferretdb.js';
import { certificateInput, fixtures } from './contract/context.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const server = testMongoServer();

/** A TCP relay to the server that can be cut: afterwards no byte passes either way (a dead link, not a reset). */
async function cuttableRelay(port: number) {
  let cut = false;
  const sockets: net.Socket[] = [];
  const relay = net.createServer((client) => {
    sockets.push(client);
    if (cut) return client.pause();
    const upstream = net.connect({ host: '127.0.0.1', port });
    sockets.push(upstream);
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    port: (relay.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => relay.close(() => resolve()));
    },
  };
}

async function seed(store: Store) {
  await store.createTenant(
    { id: 'p-01', name: 'P', supportContact: 'desk@example.jp', policy: defaultTenantPolicy() },
    T0,
  );
  await store.createClient(
    { clientId: 'rp', tenantId: 'p-01', metadata: { redirect_uris: ['https://rp/cb'] }, firstParty: false },
    T0,
  );
  const account = await store.createAccount(
    { id: newId(), tenantId: 'p-01', userId: 'p-01-u1', status: 'active', loginMethod: 'password' },
    T0,
  );
  const terminal = await store.createTerminal(
    { id: newId(), accountId: account.id, email: 'u@example.jp', type: 'pc' },
    T0,
  );
  const ticket = await store.createTicket(
    {
      id: newId(),
      purpose: 'enroll',
      tokenHash: sha256Hex(newId()),
      accountId: account.id,
      terminalId: null,
      secretHash: null,
      expiresAt: new Date(T0.getTime() + 3600_000),
    },
    T0,
  );
  return { account, terminal, ticket };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );

if ('skip' in server) {
  describe(`MongoDB adapter on a server (skipped: ${server.skip})`, function () {
    it('skipped: needs FerretDB (Go) or TOBIRA_TEST_MONGODB_URI', function () {
      this.skip();
    });
  });
} else {
  describe(`MongoDB adapter on ${server.name}: write concern, timeouts, strict patches`, function () {
    let running: Awaited<ReturnType<typeof server.start>>;
    let connection: Connection;
    let store: MongoStore;
    before(async () => (running = await server.start()));
    after(async () => running?.stop());
    beforeEach(async function () {
      connection = await connectMongo({
        uri: running.uri,
        dbName: `tobira_srv_${randomBytes(6).toString('hex')}`,
        monitorCommands: true,
      });
      store = new MongoStore(connection);
      await store.init();
    });
    afterEach(async function () {
      await connection.dropDatabase().catch(() => undefined);
      await store.close();
    });

    it('knows the server it runs on (FerretDB: no transactions, no TTL indexes, operations serialised)', function () {
      const traits = store.serverTraits!;
      if (traits.ferretdb) {
        expect(traits).to.include({ transactions: false, ttlIndexes: false, atomicUpdates: false });
      } else {
        expect(traits).to.include({ ttlIndexes: true, atomicUpdates: true });
      }
    });

    it('pins security-critical writes to majority write concern and bounds queries with maxTimeMS', async function () {
      const { account, ticket } = await seed(store);
      const sent: Record<string, unknown>[] = [];
      connection.on('commandStarted', (event: { commandName: string; command: object }) =>
        sent.push({ name: event.commandName, ...event.command }),
      );
      await store.consumeTicket(ticket.id, T0);
      await store.reserveTicketAttempt(ticket.id, 5);
      await store.reserveAttempt(account.id, 'password', 5, T0);
      await store.advanceTotpStep(account.id, 1, T0);
      await store.lockAccount(account.id, 'admin', T0);
      await store.oidcConsume('AuthorizationCode', 'c1', T0);
      await store.getAccount(account.id);
      await store.getSecurityEpoch();
      const writes = sent.filter((c) => c.name === 'update' || c.name === 'findAndModify');
      // The six writes, and the security epoch moved after the lock (not after the counters: epoch.ts).
      expect(writes.filter((c) => c.update !== 'security_epoch')).to.have.length(6);
      expect(writes.filter((c) => c.update === 'security_epoch')).to.have.length(1);
      for (const write of writes)
        expect(write.writeConcern, String(write.name)).to.include({ w: 'majority' });
      const finds = sent.filter((c) => c.name === 'find' || c.name === 'findAndModify');
      for (const find of finds) expect(find.maxTimeMS, String(find.name)).to.equal(10_000);
      const epochRead = sent.find((c) => c.name === 'find' && c.find === 'security_epoch');
      expect(epochRead?.readConcern, 'the epoch as a majority has it').to.deep.equal({ level: 'majority' });
    });

    it('reports a certificate superseded by a run cut off between its mark and its swap, once (for the CRL)', async function () {
      const { account, terminal } = await seed(store);
      const first = await fixtures(store).issue(account.id, terminal.id);
      // What a cut-off run leaves without a transaction: marked superseded, still the terminal's current one.
      await connection
        .collection('certificates')
        .updateOne({ _id: first.serial as never }, { $set: { status: 'superseded' } });
      const saved = await store.saveIssuedCertificate(
        { certificate: certificateInput(account.id, terminal.id), pendingDownload: null },
        T0,
      );
      expect(saved.superseded).to.deep.equal([first.serial]);
      expect((await store.getTerminal(terminal.id))!.currentCertificateSerial).to.equal(
        saved.certificate.serial,
      );
    });

    it('fails a request within the timeout when the server is cut off, as StoreUnavailableError', async function () {
      const relay = await cuttableRelay(Number(new URL(running.uri).port));
      const cutStore = new MongoStore(
        await connectMongo({
          uri: `mongodb://127.0.0.1:${relay.port}/`,
          dbName: `tobira_cut_${randomBytes(6).toString('hex')}`,
          timeoutMs: 1000,
        }),
      );
      try {
        await cutStore.init();
        const { ticket } = await seed(cutStore);
        relay.cut();
        for (const operation of [
          () => cutStore.getTenant('p-01'),
          () => cutStore.consumeTicket(ticket.id, T0),
        ]) {
          const started = Date.now();
          expect(await rejection(operation())).to.be.instanceOf(StoreUnavailableError);
          expect(Date.now() - started).to.be.below(3000);
        }
      } finally {
        await cutStore.close().catch(() => undefined);
        await relay.close();
      }
    });

    it('refuses a patch naming a field the schema does not have, and changes nothing', async function () {
      const { account, terminal } = await seed(store);
      const bogus = { displayName: 'x', passwordHsh: 'typo' } as AccountPatch;
      expect(await rejection(store.updateAccount(account.id, bogus, T0)))
        .to.be.instanceOf(StoreError)
        .with.property('code', 'store_invalid_record');
      expect((await store.getAccount(account.id))!.displayName).to.equal(null);
      const terminalPatch = { email: 'new@example.jp', colour: 'red' } as never;
      expect(await rejection(store.updateTerminal(terminal.id, terminalPatch, T0))).to.have.property(
        'code',
        'store_invalid_record',
      );
      expect((await store.getTerminal(terminal.id))!.email).to.equal('u@example.jp');
    });

    it('validates tenant and client updates as it validates new records', async function () {
      await seed(store);
      const badPolicy = { ...defaultTenantPolicy(), lockout: 'none' } as never;
      expect(await rejection(store.updateTenant('p-01', { policy: badPolicy }, T0))).to.have.property(
        'code',
        'store_invalid_record',
      );
      expect(await rejection(store.updateTenant('p-01', { name: null } as never, T0))).to.have.property(
        'code',
        'store_invalid_record',
      );
      expect(await rejection(store.updateClient('rp', null as never, T0))).to.have.property(
        'code',
        'store_invalid_record',
      );
      expect((await store.getTenant('p-01'))!.name).to.equal('P');
      expect((await store.getClient('rp'))!.metadata).to.deep.equal({ redirect_uris: ['https://rp/cb'] });
    });
  });
}
