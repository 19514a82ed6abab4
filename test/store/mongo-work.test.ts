/**
 * Store.commitWork's transaction path on MongoDB (adapters/mongo/work.ts), on the test server.
 * On a replica set (TOBIRA_TEST_MONGODB_URI) it runs in a real transaction. FerretDB has none, so
 * there the store is told it has, and `connection.transaction` is a stand-in that hands the unit a
 * real explicit session without a transaction: what is checked is what the adapter sends — every
 * command of the unit, the nested Store methods' too, carries that one session, and a failure inside
 * reaches the transaction runner (which aborts). Rollback, write conflicts and the driver's retries
 * are MongoDB's; only a replica set shows them (the contract's work tests, run there).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { ClientSession, Connection } from 'mongoose';
import { connectMongo, MongoStore } from '../../adapters/mongo/index.js';
import type { ServerTraits } from '../../adapters/mongo/server.js';
import { newId } from '../../src/random.js';
import { StoreConflictError, type WorkUnit } from '../../src/store.js';
import { testMongoServer } from '../helpers/ferretdb.js';
import { at, certificateInput, fixtures, mailInput, T0, ticketInput } from './contract/context.js';

const server = testMongoServer();
/** Commands that are not the unit's own reads and writes. */
const PLUMBING = new Set([
  'endSessions',
  'hello',
  'isMaster',
  'ping',
  'commitTransaction',
  'abortTransaction',
]);

interface Sent {
  name: string;
  collection: unknown;
  lsid: string | undefined;
  autocommit: unknown;
}

/**
 * Real transactions where the server has them; else a stand-in runner with a real explicit session
 * (no transaction). Returns the sessions handed to units and the runner's outcomes.
 */
function transactionsFor(store: MongoStore, connection: Connection) {
  const runs: { session: ClientSession | null; outcome?: 'committed' | 'aborted' }[] = [];
  if (store.serverTraits!.transactions) return { real: true, runs };
  // The traits are the store's own (protected); the test grants what FerretDB lacks.
  (store as unknown as { server: ServerTraits }).server = { ...store.serverTraits!, transactions: true };
  connection.transaction = (async (fn: (session: ClientSession) => Promise<unknown>) => {
    const session = await connection.startSession();
    const run: (typeof runs)[number] = { session };
    runs.push(run);
    try {
      const result = await fn(session);
      run.outcome = 'committed';
      return result;
    } catch (error) {
      run.outcome = 'aborted';
      throw error;
    } finally {
      await session.endSession();
    }
  }) as Connection['transaction'];
  return { real: false, runs };
}

const hex = (lsid: unknown) => (lsid as { id?: { toString(e: string): string } })?.id?.toString('hex');

if ('skip' in server) {
  describe(`MongoDB commitWork in a transaction (skipped: ${server.skip})`, function () {
    it('skipped: needs FerretDB (Go) or TOBIRA_TEST_MONGODB_URI to send the commands', function () {
      this.skip();
    });
  });
} else {
  describe(`MongoDB commitWork in a transaction (${server.name})`, function () {
    let running: Awaited<ReturnType<typeof server.start>>;
    let connection: Connection;
    let store: MongoStore;
    let tx: ReturnType<typeof transactionsFor>;
    let sent: Sent[];
    let unit: WorkUnit;
    let ticketId: string;
    let accountId: string;
    before(async () => (running = await server.start()));
    after(async () => running?.stop());

    beforeEach(async function () {
      connection = await connectMongo({
        uri: running.uri,
        dbName: `tobira_work_${randomBytes(6).toString('hex')}`,
        monitorCommands: true,
      });
      store = new MongoStore(connection);
      await store.init();
      const f = fixtures(store);
      accountId = (await f.account((await f.tenant()).id, { status: 'pending' })).id;
      ticketId = (await store.createTicket(ticketInput(accountId), T0)).id;
      const terminalId = newId();
      unit = {
        ticketId,
        account: { id: accountId, whileStatus: 'pending', patch: { status: 'active', passwordHash: 'h' } },
        terminal: { id: terminalId, accountId, email: 'tx@example.jp', type: 'pc', number: 1 },
        certificates: [{ certificate: certificateInput(accountId, terminalId), pendingDownload: null }],
        tickets: [ticketInput(accountId, { purpose: 'cert_download', terminalId })],
        mails: [mailInput({ to: 'tx@example.jp' })],
      };
      tx = transactionsFor(store, connection);
      sent = [];
      connection.on('commandStarted', (event: { commandName: string; command: Record<string, unknown> }) => {
        if (PLUMBING.has(event.commandName)) return;
        const { command } = event;
        sent.push({
          name: event.commandName,
          collection: command[event.commandName],
          lsid: hex(command.lsid),
          autocommit: command.autocommit,
        });
      });
    });
    afterEach(async function () {
      await connection.dropDatabase().catch(() => undefined);
      await store.close();
    });

    /** The one session the unit ran in: the stand-in's, or the one a real transaction started with. */
    const unitSession = () =>
      tx.real ? sent.find((c) => c.autocommit === false)?.lsid : hex(tx.runs[0]?.session?.id);

    it('sends every read and write of the unit, the nested Store methods’ too, in one session', async function () {
      expect(await store.commitWork(unit, at(1))).to.deep.equal({ superseded: [] });
      const during = [...sent];
      if (!tx.real)
        expect(
          tx.runs.map((r) => r.outcome),
          'one transaction',
        ).to.deep.equal(['committed']);
      const session = unitSession();
      expect(session).to.be.a('string');
      const outside = during.filter((c) => c.lsid !== session || (tx.real && c.autocommit !== false));
      expect(outside, 'commands outside the unit’s session').to.deep.equal([]);
      const writes = during.filter((c) => ['insert', 'update', 'findAndModify', 'delete'].includes(c.name));
      expect(new Set(writes.map((c) => `${c.name} ${String(c.collection)}`))).to.include.all.keys(
        'update tickets', // consumed
        'update accounts', // terminal sequence, then the patch
        'insert terminals',
        'insert certificates',
        'update terminals', // the certificate made current
        'insert tickets', // the download ticket
        'insert outbox',
        'update security_epoch', // moved inside the unit, so with its writes or not at all
      );
      // Committed (by the stand-in: written as sent): the unit's effects are all there.
      expect((await store.getAccount(accountId))!.status).to.equal('active');
      expect(await store.consumeTicket(ticketId, at(2))).to.equal(false);
      expect((await store.getTerminal(unit.terminal!.id))!.currentCertificateSerial).to.equal(
        unit.certificates![0]!.certificate.serial,
      );
    });

    it('checks the account before consuming the ticket: another status writes nothing, the ticket stays usable', async function () {
      await store.updateAccount(accountId, { status: 'locked' }, T0);
      sent.length = 0;
      expect(await store.commitWork(unit, at(1))).to.equal(false);
      expect(sent.filter((c) => c.name !== 'find')).to.deep.equal([]);
      expect(await store.consumeTicket(ticketId, at(2))).to.equal(true);
    });

    it('refuses a used ticket before any write of the unit', async function () {
      await store.consumeTicket(ticketId, at(1));
      sent.length = 0;
      expect(await store.commitWork(unit, at(2))).to.equal(false);
      expect(sent.map((c) => `${c.name} ${String(c.collection)}`)).to.deep.equal([
        'find accounts',
        'update tickets', // the conditional consumption, which matched nothing
      ]);
    });

    it('lets a failure inside reach the transaction runner, so it aborts (rolled back on a replica set)', async function () {
      await fixtures(store).terminal(accountId); // number 1 is taken
      const error = await store.commitWork(unit, at(1)).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(StoreConflictError).with.property('field', 'number');
      if (tx.real) {
        expect(await store.consumeTicket(ticketId, at(2)), 'consumption rolled back').to.equal(true);
      } else {
        expect(tx.runs.map((r) => r.outcome)).to.deep.equal(['aborted']);
      }
    });
  });
}
