/**
 * Which of a login's SQLite commits wait for the disk (adapters/sqlite/durability.ts), over real HTTPS
 * with openid-client: the finished interaction's deletion and the code's consumption wait for the WAL's
 * sync (wal-sync.ts) before their answers; a wrong password's attempt is durable before its answer, by
 * the synced login event after its reservation; everything else a login writes commits without waiting.
 * A new write on the login path must be placed in one or the other on purpose.
 * Each write statement's level is read as it runs, and the syncs are counted (test/helpers/sqlite-writes.ts).
 */
import { expect } from 'chai';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { openPasswordForm, passwordLogin } from '../helpers/password-login.js';
import { TestRp } from '../helpers/rp.js';
import { FULL, NORMAL, observeSqliteWrites } from '../helpers/sqlite-writes.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const REDIRECT = 'https://rp.example.test/cb';
const PASSWORD = 'Durable-Login-Pass-1';

/** Names a write statement by what it does. */
const LABELS: [string, RegExp][] = [
  ['reserve attempt', /^UPDATE accounts SET failed_password = failed_password \+ 1/],
  ['reset counter', /^UPDATE accounts SET failed_password = 0/],
  ['consume artifact', /^UPDATE oidc SET consumed_at/],
  ['delete artifact', /^DELETE FROM oidc WHERE model = \? AND id = \?/],
  ['upsert artifact', /^INSERT INTO oidc /],
  ['rate limit', /^INSERT INTO rate_limits /],
  ['login event', /^INSERT INTO login_events /],
  ['lock account', /^UPDATE accounts SET status = 'locked'/],
];
const nameOf = (sql: string) => {
  const text = sql.replace(/\s+/g, ' ').trim();
  return LABELS.find(([, pattern]) => pattern.test(text))?.[0] ?? text.slice(0, 60);
};

describe('durability of a full login’s writes (SQLite; skipped when TOBIRA_TEST_STORE=mongodb: MongoDB has no synchronous levels)', function () {
  let t: TestTobira;
  let rp: TestRp;
  let user: TestUser;
  let observer: ReturnType<typeof observeSqliteWrites> | undefined;

  before(async function () {
    if (process.env.TOBIRA_TEST_STORE === 'mongodb') this.skip();
    observer = observeSqliteWrites();
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-72');
    const client = await createClient(t.tobira, { tenantId: 'p-72', redirectUri: REDIRECT });
    user = await createUser(t.tobira, { tenantId: 'p-72', userId: 'p-72-durable01', password: PASSWORD });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });
  after(async function () {
    observer?.restore();
    await t?.close();
  });

  it('fsyncs the finished interaction’s deletion and the code’s consumption, and nothing else', async function () {
    await passwordLogin(t, rp, user, PASSWORD); // warm-up: first uses write keys and records a login alone does not
    observer!.start();
    expect(
      await passwordLogin(t, rp, user, PASSWORD),
      'the login ended in userinfo of this account',
    ).to.equal(user.account.id);
    const { writes, syncs } = observer!.stop();
    const full = writes.filter((w) => w.level === FULL).map((w) => nameOf(w.sql));
    const relaxed = writes.filter((w) => w.level === NORMAL).map((w) => nameOf(w.sql));
    const report = JSON.stringify({ full, relaxed, syncs });
    expect(full, report).to.deep.equal([
      'delete artifact', // the interaction, whose result is used once, deleted as the login resumes
      'consume artifact', // the authorization code, consumed at the token endpoint
    ]);
    expect(syncs, `one WAL sync for each, made while the login waited: ${report}`).to.equal(2);
    // Lost at a power cut, these fail safe: the user signs in again, a window forgives a request, a
    // reservation lost with its reset leaves the count as it was before the attempt.
    expect(relaxed, report).to.include.members([
      'reserve attempt',
      'upsert artifact',
      'rate limit',
      'login event',
      'reset counter',
    ]);
    expect(
      writes.every((w) => w.level === FULL || w.level === NORMAL),
      'no other level',
    ).to.equal(true);
  });
  it('makes a wrong password’s counted attempt durable before the failure page: its login event is fsynced after the reservation', async function () {
    const form = await openPasswordForm(t, rp, user);
    try {
      observer!.start();
      const failed = await form.submit(`${PASSWORD}-wrong`);
      const observed = observer!.stop();
      const writes = observed.writes.map((w) => ({ name: nameOf(w.sql), level: w.level }));
      expect(failed.status, 'the failure page').to.equal(401);
      const report = JSON.stringify(writes);
      const reserved = writes.findIndex((w) => w.name === 'reserve attempt');
      const event = writes.findIndex((w) => w.name === 'login event');
      expect(reserved, report).to.be.greaterThan(-1);
      expect(event, `the event after the reservation: ${report}`).to.be.greaterThan(reserved);
      expect(writes[event]!.level, report).to.equal(FULL);
      expect(observed.syncs, `the WAL synced before the page: ${report}`).to.be.at.least(1);
      expect(
        (await t.tobira.store.getAccount(user.account.id))!.failedPasswordCount,
        'the attempt counted',
      ).to.equal(1);
    } finally {
      observer!.stop();
      form.browser.close();
    }
  });
});
