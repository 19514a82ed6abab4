/**
 * Which of a full login's SQLite commits wait for the disk (adapters/sqlite/durability.ts), over real
 * HTTPS with openid-client: the counted attempt, the finished interaction's deletion and the code's
 * consumption are fsynced (synchronous = FULL) before their answers; everything else a login writes
 * commits without the fsync. A new write on the login path must be placed in one or the other on purpose.
 * Each write statement's level is read as it runs (better-sqlite3's Statement methods, observed in place).
 */
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { TestBrowser, formOf } from '../helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const REDIRECT = 'https://rp.example.test/cb';
const PASSWORD = 'Durable-Login-Pass-1';
const FULL = 2;
const NORMAL = 1;

type Method = 'run' | 'get' | 'all';
interface Seen {
  sql: string;
  level: number;
}

/** Names a write statement by what it does. */
const LABELS: [string, RegExp][] = [
  ['reserve attempt', /^UPDATE accounts SET failed_password = failed_password \+ 1/],
  ['reset counter', /^UPDATE accounts SET failed_password = 0/],
  ['consume artifact', /^UPDATE oidc SET consumed_at/],
  ['delete artifact', /^DELETE FROM oidc WHERE model = \? AND id = \?/],
  ['upsert artifact', /^INSERT INTO oidc /],
  ['rate limit', /^INSERT INTO rate_limits /],
  ['login event', /^INSERT INTO login_events /],
];
const nameOf = (sql: string) => {
  const text = sql.replace(/\s+/g, ' ').trim();
  return LABELS.find(([, pattern]) => pattern.test(text))?.[0] ?? text.slice(0, 60);
};

describe('durability of a full login’s writes (SQLite)', function () {
  let t: TestTobira;
  let rp: TestRp;
  let user: TestUser;
  let seen: Seen[] | null = null;
  const proto = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<
    Method,
    (...args: unknown[]) => unknown
  >;
  const originals = { run: proto.run, get: proto.get, all: proto.all };

  before(async function () {
    if (process.env.TOBIRA_TEST_STORE === 'mongodb') this.skip();
    for (const method of ['run', 'get', 'all'] as const) {
      const original = originals[method];
      proto[method] = function (this: Database.Statement, ...args: unknown[]) {
        if (seen && !this.readonly)
          seen.push({
            sql: this.source,
            level: this.database.pragma('synchronous', { simple: true }) as number,
          });
        return original.apply(this, args);
      };
    }
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-72');
    const client = await createClient(t.tobira, { tenantId: 'p-72', redirectUri: REDIRECT });
    user = await createUser(t.tobira, { tenantId: 'p-72', userId: 'p-72-durable01', password: PASSWORD });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });
  after(async function () {
    Object.assign(proto, originals);
    await t?.close();
  });

  async function login(): Promise<string> {
    const browser = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
    try {
      const auth = await rp.start();
      const page = await browser.follow(auth.url, t.url);
      const { action, csrf } = formOf(page.text);
      const back = await browser.follow(new URL(action, t.url).href, t.url, {
        form: { csrf, userId: user.account.userId, password: PASSWORD },
      });
      expect(back.location, 'redirected to the RP with a code').to.match(
        /^https:\/\/rp\.example\.test\/cb\?code=/,
      );
      const { userinfo } = await rp.finish(back.location!, auth);
      return userinfo.sub;
    } finally {
      browser.close();
    }
  }

  it('fsyncs the counted attempt, the finished interaction’s deletion and the code’s consumption, and nothing else', async function () {
    await login(); // warm-up: first uses write keys and records a login alone does not
    seen = [];
    expect(await login(), 'the login ended in userinfo of this account').to.equal(user.account.id);
    const writes = seen;
    seen = null;
    const full = writes.filter((w) => w.level === FULL).map((w) => nameOf(w.sql));
    const relaxed = writes.filter((w) => w.level === NORMAL).map((w) => nameOf(w.sql));
    const report = JSON.stringify({ full, relaxed });
    expect(full, report).to.deep.equal([
      'reserve attempt', // counted before the password is checked: never taken back after the answer
      'delete artifact', // the interaction, whose result is used once, deleted as the login resumes
      'consume artifact', // the authorization code, consumed at the token endpoint
    ]);
    // Lost at a power cut, these fail safe: the user signs in again, a window forgives a request.
    expect(relaxed, report).to.include.members([
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
});
