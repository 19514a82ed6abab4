/**
 * Account enumeration, over real HTTPS: the login answers an unknown user ID exactly like a wrong
 * password (status, body, time), and the password re-issue request answers an unknown user ID like a
 * known one with a wrong e-mail. (The re-issue timing is test/security/recovery-timing.test.ts.)
 */
import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import type { BrowserResponse, TestBrowser } from '../helpers/browser.js';
import type { TestUser } from '../helpers/fixtures.js';
import { formWith, mainOf, startWorld, type World } from '../helpers/attacker.js';

const SAMPLES = 36;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
};

describe('security: account enumeration', function () {
  let w: World;
  let user: TestUser;
  let b: TestBrowser;
  let loginUrl: string;
  let csrf: string;

  /** One login post from a fresh counter, so every answer sees the same remaining-attempts count. */
  async function attempt(userId: string, password: string): Promise<{ page: BrowserResponse; ms: number }> {
    await w.t.tobira.store.resetCounter(user.account.id, 'password', new Date());
    const started = performance.now();
    const page = await b.request(loginUrl, { form: { csrf, userId, password } });
    return { page, ms: performance.now() - started };
  }
  /** The page with what the user typed taken out: the only part allowed to differ. */
  /** The page with the echoed user ID field blanked: the only place the typed ID may appear. */
  const normalized = (page: BrowserResponse, typed: string) =>
    mainOf(page).split(`value="${typed}"`).join('value="«typed»"');

  before(async function () {
    w = await startWorld({ tenants: { 'p-e': { lockout: { maxPasswordFailures: 100 } } } });
    const { rp } = await w.relyingParty('p-e');
    user = await w.user('p-e');
    b = w.browser(user);
    const { page } = await w.openLogin(b, rp);
    ({ csrf } = formWith(page.text));
    loginUrl = new URL(formWith(page.text).action, w.t.url).href;
  });
  after(async function () {
    await w?.close();
  });

  it('answers an unknown user ID with the same status and body as a wrong password', async function () {
    const unknownId = 'p-e-nobody-here';
    const wrong = await attempt(user.account.userId, 'Wrong-Password-1');
    const unknown = await attempt(unknownId, user.password);
    expect(unknown.page.status).to.equal(wrong.page.status).and.equal(401);
    expect(normalized(unknown.page, unknownId)).to.equal(normalized(wrong.page, user.account.userId));
  });

  it('takes as long for an unknown user ID as for a wrong password (medians of interleaved samples)', async function () {
    this.timeout(120_000);
    const times = { unknown: [] as number[], wrong: [] as number[] };
    await attempt(user.account.userId, 'warm-up-1'); // first request pays for connections and caches
    for (let i = 0; i < SAMPLES; i += 1) {
      // Alternate which case goes first, so drift in the machine's load hits both alike.
      const order = i % 2 ? (['unknown', 'wrong'] as const) : (['wrong', 'unknown'] as const);
      for (const kind of order) {
        const { page, ms } = await (kind === 'unknown'
          ? attempt(`p-e-nobody-${i}`, user.password)
          : attempt(user.account.userId, `Wrong-Password-${i}`));
        expect(page.status).to.equal(401);
        times[kind].push(ms);
      }
    }
    const [a, c] = [median(times.unknown), median(times.wrong)];
    expect(Math.abs(a - c), `medians: unknown ${a.toFixed(1)} ms, wrong ${c.toFixed(1)} ms`).to.be.at.most(
      0.25 * Math.max(a, c) + 5,
    );
  });

  it('answers a password re-issue request for an unknown user ID like one for a known ID with a wrong e-mail', async function () {
    const page = await b.request(`${w.t.url}/recovery/password`);
    const request = (fields: Record<string, string>) => w.submit(b, page, fields);
    const unknown = await request({ userId: 'p-e-nobody-here', email: 'nobody@example.jp' });
    const wrongEmail = await request({ userId: user.account.userId, email: 'nobody@example.jp' });
    expect(unknown.status).to.equal(wrongEmail.status).and.equal(200);
    expect(mainOf(unknown)).to.equal(mainOf(wrongEmail));
  });
});
