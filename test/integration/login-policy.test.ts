/**
 * Login policy in depth (SPEC §4, §9): atomic lockout under concurrency, OTP step, forced password
 * change, expiry, acr_values, re-hash of weak hashes, identical failures, rate limits.
 */
import { expect } from 'chai';
import argon2 from 'argon2';
import * as OTPAuth from 'otpauth';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import {
  createClient,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { OffsetClock } from '../helpers/attacker.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const REDIRECT = 'https://rp.example.test/cb';
const CALLBACK = /^https:\/\/rp\.example\.test\/cb\?code=/;
const DAY = 86_400_000;

describe('login policy', function () {
  let t: TestTobira;
  let client: TestClient;
  let rp: TestRp;
  const browsers: TestBrowser[] = [];
  let seq = 0;

  const browserFor = (user: TestUser) => {
    const b = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
    browsers.push(b);
    return b;
  };
  const user = (tenantId: string, extra: Partial<Parameters<typeof createUser>[1]> = {}) =>
    createUser(t.tobira, {
      tenantId,
      userId: `${tenantId}-u${(seq += 1)}`,
      password: 'Policy-Pass-2024',
      ...extra,
    });

  async function open(browser: TestBrowser, extra: Record<string, string> = {}) {
    const start = await rp.start(extra);
    return { start, page: await browser.follow(start.url, t.url) };
  }
  async function submit(browser: TestBrowser, page: BrowserResponse, fields: Record<string, string>) {
    const { action, csrf } = formOf(page.text);
    return browser.follow(new URL(action, t.url).href, t.url, { form: { csrf, ...fields } });
  }
  const events = async (accountId: string) =>
    (await t.tobira.store.listLoginEvents({ accountId, limit: 200 })).items.map((e) => e.result);

  /** Real time, movable: the rate-limit test starts at the beginning of a minute. */
  const clock = new OffsetClock();

  before(async function () {
    // The per-IP limit is raised: every test browser comes from 127.0.0.1.
    t = await startTestTobira({ clock, config: { loginRatePerIpPerMinute: 100_000 } });
    await createTenant(t.tobira, 'p-20', { lockout: { maxPasswordFailures: 5 } });
    await createTenant(t.tobira, 'p-21', { password: { maxAgeDays: 90 } });
    await createTenant(t.tobira, 'p-22', {
      lockout: { maxPasswordFailures: 100, showRemainingAttempts: false },
    });
    client = await createClient(t.tobira, { tenantId: 'p-20', redirectUri: REDIRECT });
    await createClient(t.tobira, { tenantId: 'p-21', redirectUri: REDIRECT, clientId: 'rp-p-21' });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });

  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
  });

  it('counts exactly the threshold under 50 concurrent wrong passwords and lets none through', async function () {
    const u = await user('p-20');
    const browser = browserFor(u);
    const { page } = await open(browser);
    const { action, csrf } = formOf(page.text);
    const url = new URL(action, t.url).href;
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        browser.request(url, { form: { csrf, userId: u.account.userId, password: `wrong-guess-${i}` } }),
      ),
    );
    expect(
      responses.every((r) => r.status !== 303),
      'no request succeeded',
    ).to.equal(true);
    const account = (await t.tobira.store.getAccount(u.account.id))!;
    expect(account.failedPasswordCount).to.equal(5);
    expect(account.status).to.equal('locked');
    const results = await events(u.account.id);
    expect(results.filter((r) => r === 'bad_password')).to.have.length(5);
    expect(results.filter((r) => r === 'success')).to.have.length(0);
    expect(results.every((r) => ['bad_password', 'locked', 'rate_limited'].includes(r))).to.equal(true);
  });

  it('answers a wrong user ID exactly like a wrong password', async function () {
    const u = await user('p-20');
    const browser = browserFor(u);
    const { page } = await open(browser);
    const wrongPassword = await submit(browser, page, {
      userId: u.account.userId,
      password: 'not-the-password-1',
    });
    const wrongUser = await submit(browser, wrongPassword, {
      userId: 'p-20-nobody',
      password: 'Policy-Pass-2024',
    });
    expect(wrongUser.status).to.equal(wrongPassword.status);
    const errorOf = (html: string) => /<div class="alert error"[\s\S]*?<\/div>/.exec(html)?.[0];
    expect(errorOf(wrongUser.text)).to.equal(errorOf(wrongPassword.text));
    expect(wrongUser.text).to.include('あと 3 回');
  });

  it('asks for the TOTP of a password_otp account, refuses a wrong one, accepts the right one once', async function () {
    const u = await user('p-20', { loginMethod: 'password_otp' });
    const browser = browserFor(u);
    const { start, page } = await open(browser);
    const otpPage = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    expect(otpPage.status).to.equal(200);
    expect(otpPage.text).to.include('ワンタイムパスワード');
    const wrong = await submit(browser, otpPage, {
      code: '000000' === u.totp!.generate() ? '111111' : '000000',
    });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include('ワンタイムパスワードが一致しません');
    const code = u.totp!.generate();
    const done = await submit(browser, wrong, { code });
    expect(done.location).to.match(CALLBACK);
    const { claims } = await rp.finish(done.location!, start);
    expect(claims.amr).to.deep.equal(['swk', 'pwd', 'otp', 'mfa']);
    expect(claims.acr).to.equal('urn:tobira:acr:x509-pwd-otp');

    // The same code cannot be used again.
    const second = browserFor(u);
    const again = await open(second);
    const otpAgain = await submit(second, again.page, {
      userId: u.account.userId,
      password: 'Policy-Pass-2024',
    });
    const replay = await submit(second, otpAgain, { code });
    expect(replay.status).to.equal(401);
    expect(await events(u.account.id)).to.include('otp_failed');
  });

  it('gives a password account the OTP step when the RP asks acr_values for it and a TOTP is enrolled', async function () {
    const u = await user('p-20', { withTotp: true });
    const browser = browserFor(u);
    const { start, page } = await open(browser, { acr_values: 'urn:tobira:acr:x509-pwd-otp' });
    const otpPage = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    const done = await submit(browser, otpPage, { code: u.totp!.generate() });
    const { claims } = await rp.finish(done.location!, start);
    expect(claims.acr).to.equal('urn:tobira:acr:x509-pwd-otp');
  });

  it('sets up the authenticator of a password_otp account at its first login, activated by one correct code', async function () {
    const u = await user('p-20', { loginMethod: 'password_otp' });
    await t.tobira.store.updateAccount(u.account.id, { totpSecretEnc: null }, new Date());
    const browser = browserFor(u);
    const { start, page } = await open(browser);
    const setup = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    expect(setup.text, /<main[\s\S]*<\/main>/.exec(setup.text)?.[0]).to.include('ワンタイムパスワードの設定');
    expect(setup.text).to.match(/<img src="data:image\/svg\+xml;base64,/);
    const key = /data-testid="totp-key">([A-Z2-7 ]+)</.exec(setup.text)![1]!.replace(/ /g, '');
    const totp = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(key),
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
    });
    const wrong = await submit(browser, setup, { code: totp.generate() === '123456' ? '654321' : '123456' });
    expect(wrong.status).to.equal(401);
    expect(
      (await t.tobira.store.getAccount(u.account.id))!.totpSecretEnc,
      'not active before a correct code',
    ).to.equal(null);
    const done = await submit(browser, wrong, { code: totp.generate() });
    const { claims } = await rp.finish(done.location!, start);
    expect(claims.amr).to.deep.equal(['swk', 'pwd', 'otp', 'mfa']);
    expect((await t.tobira.store.getAccount(u.account.id))!.totpSecretEnc).to.be.a('string');

    const next = await open(browserFor(u));
    const otpPage = await submit(browsers.at(-1)!, next.page, {
      userId: u.account.userId,
      password: 'Policy-Pass-2024',
    });
    expect(otpPage.text, 'the next login asks for the code, no set-up').to.include(
      '認証アプリに表示されている6桁',
    );
  });

  it('refuses clearly when the RP asks for OTP and the account has none', async function () {
    const u = await user('p-20');
    const browser = browserFor(u);
    const { page } = await open(browser, { acr_values: 'urn:tobira:acr:x509-pwd-otp' });
    const refused = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    expect(refused.status).to.equal(403);
    expect(refused.text).to.include('ワンタイムパスワードが設定されていません');
  });

  it('forces a password change after re-issue, enforcing policy and history, before the login completes', async function () {
    const u = await user('p-20', { mustChangePassword: true });
    const browser = browserFor(u);
    const { page } = await open(browser);
    const change = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    expect(change.text).to.include('パスワード変更');
    expect(change.location).to.equal(null);
    expect(await events(u.account.id)).to.not.include('success');

    const tooShort = await submit(browser, change, { newPassword: 'Ab1!', confirmation: 'Ab1!' });
    expect(tooShort.status).to.equal(422);
    const reused = await submit(browser, tooShort, {
      newPassword: 'Policy-Pass-2024',
      confirmation: 'Policy-Pass-2024',
    });
    expect(reused.status).to.equal(422);
    const done = await submit(browser, reused, {
      newPassword: 'Brand-New-Pass-77',
      confirmation: 'Brand-New-Pass-77',
    });
    expect(done.location).to.match(CALLBACK);
    const account = (await t.tobira.store.getAccount(u.account.id))!;
    expect(account.mustChangePassword).to.equal(false);
    expect(await t.tobira.hasher.verify(account.passwordHash!, 'Brand-New-Pass-77')).to.equal(true);
    expect(await events(u.account.id)).to.include.members(['password_changed', 'success']);
  });

  it('asks for a new password when it has expired under the tenant policy', async function () {
    const u = await user('p-21', { passwordChangedAt: new Date(Date.now() - 100 * DAY) });
    const browser = browserFor(u);
    // Any client of the tenant will do: build the authorization request with the p-21 client id.
    const start = await rp.start({ client_id: 'rp-p-21' });
    const page = await browser.follow(start.url, t.url);
    const change = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    expect(change.text).to.include('パスワードの有効期限となったため');
  });

  it('re-hashes a password stored with weaker argon2 parameters at login', async function () {
    const u = await user('p-20');
    const weak = await argon2.hash('Policy-Pass-2024', {
      type: argon2.argon2id,
      memoryCost: 8192,
      timeCost: 1,
      parallelism: 1,
    });
    await t.tobira.store.updateAccount(u.account.id, { passwordHash: weak }, new Date());
    const browser = browserFor(u);
    const { page } = await open(browser);
    const done = await submit(browser, page, { userId: u.account.userId, password: 'Policy-Pass-2024' });
    expect(done.location).to.match(CALLBACK);
    const stored = (await t.tobira.store.getAccount(u.account.id))!.passwordHash!;
    expect(stored).to.not.equal(weak);
    expect(stored).to.include('m=19456');
  });

  it('rate-limits one account to 20 attempts a minute with a clear 429 page', async function () {
    await createClient(t.tobira, { tenantId: 'p-22', redirectUri: REDIRECT, clientId: 'rp-p-22' });
    const u = await user('p-22');
    const browser = browserFor(u);
    // Start Tobira's clock at the beginning of a minute, so all 21 attempts count in one bucket and the
    // estimate is exact (the injected clock, not a wait on the wall clock).
    clock.offsetMs = 1_000 - (Date.now() % 60_000);
    const statuses: number[] = [];
    let page: BrowserResponse;
    try {
      const start = await rp.start({ client_id: 'rp-p-22' });
      page = await browser.follow(start.url, t.url);
      for (let i = 0; i < 21; i += 1) {
        page = await submit(browser, page, { userId: u.account.userId, password: `wrong-${i}-password` });
        statuses.push(page.status);
        if (page.status === 429) break;
      }
    } finally {
      clock.offsetMs = 0;
    }
    expect(statuses.at(-1)).to.equal(429);
    expect(page.headers['retry-after']).to.match(/^\d+$/);
    expect(page.text).to.include('しばらく時間をおいて');
    expect(statuses.filter((s) => s === 401)).to.have.length(20);
  });
});
