/**
 * Which of an issuance's SQLite commits wait for the disk (adapters/sqlite/durability.ts): the
 * certificate saved for a download or for a CSR commits without waiting for the disk, and its audit
 * event, waiting for the WAL's sync, follows before anything is handed out — one wait for the disk per
 * issuance instead of two. Each write statement's level is read as it runs, and the syncs are counted
 * (test/helpers/sqlite-writes.ts).
 */
import { expect } from 'chai';
import { makeCsr } from '../helpers/csr.js';
import { createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { FULL, NORMAL, observeSqliteWrites } from '../helpers/sqlite-writes.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

/** What a write statement does, by its SQL. */
const nameOf = (sql: string): string => {
  const text = sql.replace(/\s+/g, ' ').trim();
  if (/^UPDATE certificates SET status = 'superseded'/.test(text)) return 'supersede';
  if (/^INSERT INTO certificates /.test(text)) return 'certificate';
  if (/^UPDATE terminals SET current_certificate_serial/.test(text)) return 'terminal';
  if (/^INSERT INTO audit_events /.test(text)) return 'audit';
  if (/^(BEGIN|COMMIT|SAVEPOINT|RELEASE)\b/.test(text)) return 'transaction';
  return text.slice(0, 50);
};

describe('durability of an issuance’s writes (SQLite; skipped when TOBIRA_TEST_STORE=mongodb: MongoDB has no synchronous levels)', function () {
  this.timeout(60_000);
  let t: TestTobira;
  let user: TestUser;
  let observer: ReturnType<typeof observeSqliteWrites> | undefined;

  before(async function () {
    if (process.env.TOBIRA_TEST_STORE === 'mongodb') this.skip();
    observer = observeSqliteWrites();
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-73');
    user = await createUser(t.tobira, { tenantId: 'p-73', userId: 'p-73-durable1', password: 'Pass-p73-1' });
  });
  after(async function () {
    observer?.restore();
    await t?.close();
  });

  /** The levels of the writes `issue` makes, in order. */
  const writesOf = async (issue: () => Promise<unknown>) => {
    observer!.start();
    await issue().catch((error: unknown) => {
      observer!.stop();
      throw error;
    });
    const { writes, syncs } = observer!.stop();
    return [
      ...writes
        .map((w) => ({ name: nameOf(w.sql), level: w.level }))
        .filter((w) => w.name !== 'transaction')
        .map((w) => `${w.name}: ${w.level === FULL ? 'FULL' : w.level === NORMAL ? 'NORMAL' : w.level}`),
      `WAL syncs: ${syncs}`,
    ];
  };

  it('saves a re-issued certificate without the fsync and fsyncs its audit event after it', async function () {
    const tenant = (await t.tobira.store.getTenant('p-73'))!;
    const account = (await t.tobira.store.getAccount(user.account.id))!;
    const terminal = async () => (await t.tobira.store.getTerminal(user.terminal.id))!;
    const forDownload = await writesOf(async () =>
      t.tobira.certificates.issueForTerminal({
        account,
        tenant,
        terminal: await terminal(),
        downloadPassword: 'Download-p73-1',
        downloadExpiresAt: new Date(Date.now() + 3600_000),
        actor: 'test',
      }),
    );
    const fromCsr = await writesOf(async () =>
      t.tobira.certificates.issueFromCsr({
        account,
        tenant,
        terminal: await terminal(),
        csrPem: makeCsr().csrPem,
        actor: 'test',
      }),
    );
    for (const writes of [forDownload, fromCsr])
      expect(writes).to.deep.equal([
        'supersede: NORMAL',
        'certificate: NORMAL',
        'terminal: NORMAL',
        'audit: FULL',
        'WAL syncs: 1',
      ]);
  });
});
