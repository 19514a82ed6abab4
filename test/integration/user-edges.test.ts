/**
 * The edges of the user's flows that issue 14 found broken, over real HTTPS: what the pages say when a
 * flow does not go straight through (a cancel, a reused code, a replaced link, another site's
 * certificate, a lock), and the menu and characters the manual promises.
 */
import { expect } from 'chai';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const REDIRECT = 'https://rp.example.test/callback';

describe('user flows at their edges (issue 14)', function () {
  let t: TestTobira;
  let smtp: TestSmtp;
  let rp: TestRp;
  const browsers: TestBrowser[] = [];
  let serial = 0;

  const main = (r: BrowserResponse) => /<main[\s\S]*<\/main>/.exec(r.text)?.[0] ?? r.text;
  const browserFor = (user: TestUser, acceptLanguage = 'ja') => {
    const b = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      acceptLanguage,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
    browsers.push(b);
    return b;
  };
  const user = (tenantId: string, more: Partial<Parameters<typeof createUser>[1]> = {}) =>
    createUser(t.tobira, {
      tenantId,
      userId: `${tenantId}-edge${String(++serial).padStart(3, '0')}`,
      password: 'Edge-Pass-2024',
      ...more,
    });
  /** Submit the form of `page` whose action ends with `actionPath` (the account menu has its own). */
  const submit = (
    b: TestBrowser,
    page: BrowserResponse,
    fields: Record<string, string>,
    actionPath?: string,
  ) => {
    const { action, csrf } = formOf(main(page));
    const url = actionPath ? `${t.url}${actionPath}` : new URL(action, t.url).href;
    return b.follow(url, t.url, { form: { csrf, ...fields } });
  };
  const openLogin = async (b: TestBrowser, at = rp) => b.follow((await at.start()).url, t.url);
  const signInToAccount = async (b: TestBrowser, u: TestUser) =>
    submit(b, await b.follow(`${t.url}/account`, t.url), { userId: u.account.userId, password: u.password });

  before(async function () {
    // Every test browser comes from 127.0.0.1.
    smtp = await startSmtp();
    t = await startTestTobira({ config: { loginRatePerIpPerMinute: 100_000, smtpUrl: smtp.url } });
    await createTenant(t.tobira, 'p-40', { lockout: { maxPasswordFailures: 3 } });
    await createTenant(t.tobira, 'p-41', { features: { loginMethods: ['password'] } });
    const client = await createClient(t.tobira, { tenantId: 'p-40', redirectUri: REDIRECT });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });

  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
    await smtp?.close();
  });

  it('offers ログイン方法の変更 in the account menu only when the tenant allows more than one method', async function () {
    const many = await user('p-40');
    const home = await signInToAccount(browserFor(many), many);
    expect(home.url).to.equal(`${t.url}/account`);
    expect(home.text).to.match(/<a href="\/account\/login-method"[^>]*>ログイン方法の変更<\/a>/);

    const one = await user('p-41');
    const single = await signInToAccount(browserFor(one), one);
    expect(single.url).to.equal(`${t.url}/account`);
    expect(single.text).to.include('ログイン履歴閲覧').and.not.include('/account/login-method');
  });

  for (const [language, cancelled, again] of [
    ['ja', 'アカウント管理へのログインを中止しました。', 'もう一度ログインする'],
    ['en', 'You cancelled signing in to account management.', 'Sign in again'],
  ] as const)
    it(`says a cancelled account login was cancelled, not expired, with a link back (${language})`, async function () {
      const u = await user('p-40');
      const b = browserFor(u, language);
      const login = await b.follow(`${t.url}/account`, t.url);
      const abort = /href="(\/interaction\/[^"]+\/abort)"/.exec(login.text)![1]!;
      const page = await b.follow(`${t.url}${abort}`, t.url);
      expect(page.url).to.match(new RegExp(`^${t.url}/account/callback\\?error=access_denied`));
      expect(page.status).to.equal(200);
      expect(main(page))
        .to.include(cancelled)
        .and.match(new RegExp(`<a href="/account">${again}</a>`))
        .and.not.include('有効期限')
        .and.not.include('expired');
    });

  it('says a one-time password used once already was used, and that it counts with the passwords', async function () {
    const u = await user('p-40', { loginMethod: 'password_otp' });
    const signIn = async (b: TestBrowser) =>
      submit(b, await openLogin(b), { userId: u.account.userId, password: u.password });
    const first = browserFor(u);
    const code = u.totp!.generate();
    const done = await submit(first, await signIn(first), { code });
    expect(done.location).to.match(/^https:\/\/rp\.example\.test\/callback\?code=/);
    const second = browserFor(u);
    const replay = await submit(second, await signIn(second), { code });
    expect(replay.status).to.equal(401);
    expect(main(replay))
      .to.include('このワンタイムパスワードは既に使用されています。')
      .and.include('パスワードとワンタイムパスワードの誤りは合わせて数えられます。あと 2 回')
      .and.not.include('一致しません');
    const wrong = await submit(second, replay, { code: code === '000000' ? '111111' : '000000' });
    expect(main(wrong)).to.include('ワンタイムパスワードが一致しません').and.include('あと 1 回');
  });

  it('logs and shows a certificate of another tenant as not for this website (history, metrics)', async function () {
    const other = await user('p-41');
    const b = browserFor(other);
    const refused = await openLogin(b);
    expect(refused.status).to.equal(403);
    expect(main(refused)).to.include('このWebサイトでは利用できません');
    const events = await t.tobira.store.listLoginEvents({ accountId: other.account.id, limit: 1 });
    expect(events.items[0]?.result).to.equal('cert_wrong_site');
    await signInToAccount(b, other);
    const history = await b.request(`${t.url}/account/history`);
    expect(main(history))
      .to.include('ログイン失敗（このWebサイトでは利用できない証明書）')
      .and.not.include('証明書未登録');
    b.acceptLanguage = 'en';
    expect(main(await b.request(`${t.url}/account/history`))).to.include(
      'Failed (certificate not for this website)',
    );
    const metrics = await b.request(`${t.url}/metrics`);
    expect(metrics.text).to.match(/^tobira_login_attempts_total\{result="cert_wrong_site"\} 1$/m);
  });

  it('says a mailed link replaced by a newer one was replaced, not expired', async function () {
    const u = await user('p-40');
    const b = browserFor(u);
    const subject = 'パスワード再発行手順のご案内';
    const request = async () =>
      submit(b, await b.request(`${t.url}/recovery/password`), {
        userId: u.account.userId,
        email: u.terminal.email,
      });
    await request();
    await request();
    let mails: { text?: string }[] = [];
    for (let i = 0; i < 50 && mails.length < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      mails = smtp.messages.filter(
        (m) => (m.to as { text: string }).text === u.terminal.email && m.subject === subject,
      );
    }
    const [older, newer] = mails.map((m) => /https:\/\/\S+\/recovery\/password\/[\w-]+/.exec(m.text!)![0]);
    const replaced = await b.request(older!);
    expect(replaced.status).to.equal(410);
    expect(main(replaced))
      .to.include('後から送信された新しいリンクに置き換えられたため使用できません')
      .and.not.include('有効期限');
    b.acceptLanguage = 'en';
    expect(main(await b.request(older!))).to.include('This link was replaced by a newer one');
    expect((await b.request(newer!)).status, 'the newer link works').to.equal(200);
  });

  for (const [language, heading, labels] of [
    [
      'ja',
      'Tobira ログインサービス',
      ['電子証明書のインストール方法', 'アカウント管理', 'パスワード再発行', '認証局の証明書'],
    ],
    [
      'en',
      'Tobira sign-in service',
      ['Installing your certificate', 'Account management', 'Forgotten password', 'Certificate authority'],
    ],
  ] as const)
    it(`answers the issuer's root with a landing page linking the self-service entries (${language})`, async function () {
      const b = new TestBrowser({ ca: t.tobira.ca.certificatePem, acceptLanguage: language });
      browsers.push(b);
      const home = await b.request(`${t.url}/`);
      expect(home.status).to.equal(200);
      expect(main(home)).to.include(`<h1>${heading}</h1>`);
      const hrefs = ['/guide', '/account', '/recovery/password', '/ca/ca.crt'];
      hrefs.forEach((href, i) => expect(main(home)).to.include(`<a href="${href}">${labels[i]}</a>`));
      for (const href of ['/guide', '/recovery/password', '/ca/ca.crt'])
        expect((await b.request(`${t.url}${href}`)).status, href).to.equal(200);
    });

  it('accepts ¥ (the backslash key of a macOS JIS keyboard) in a new password, then signs in with it', async function () {
    const u = await user('p-40');
    const b = browserFor(u);
    await signInToAccount(b, u);
    const form = await b.request(`${t.url}/account/password`);
    const newPassword = 'Yen¥Sign-2024';
    const done = await submit(
      b,
      form,
      { current: u.password, password: newPassword, confirmation: newPassword },
      '/account/password',
    );
    expect(main(done)).to.include('パスワードを変更しました。');
    const fresh = browserFor(u);
    const signedIn = await submit(fresh, await openLogin(fresh), {
      userId: u.account.userId,
      password: newPassword,
    });
    expect(signedIn.location).to.match(/^https:\/\/rp\.example\.test\/callback\?code=/);
  });
});

describe('a locked account at the per-account rate limit (issue 14)', function () {
  let t: TestTobira;
  let b: TestBrowser;

  before(async function () {
    // The limit is reached by the very attempts that lock the account.
    t = await startTestTobira({
      config: { loginRatePerIpPerMinute: 100_000, loginRatePerAccountPerMinute: 3 },
    });
    await createTenant(t.tobira, 'p-42', { lockout: { maxPasswordFailures: 3 } });
  });
  after(async function () {
    b?.close();
    await t?.close();
  });

  it('shows its owner the lock page with the support contact, not the rate limit, within the minute', async function () {
    const client = await createClient(t.tobira, { tenantId: 'p-42', redirectUri: REDIRECT });
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const u = await createUser(t.tobira, {
      tenantId: 'p-42',
      userId: 'p-42-lock01',
      password: 'Edge-Pass-2024',
    });
    b = new TestBrowser({ ca: t.tobira.ca.certificatePem, pfx: u.p12, passphrase: u.p12Password });
    const main = (r: BrowserResponse) => /<main[\s\S]*<\/main>/.exec(r.text)?.[0] ?? r.text;
    const submit = (page: BrowserResponse, password: string) => {
      const { action, csrf } = formOf(page.text);
      return b.follow(new URL(action, t.url).href, t.url, {
        form: { csrf, userId: u.account.userId, password },
      });
    };
    const login = await b.follow((await rp.start()).url, t.url);
    let page = login;
    for (const guess of ['bad-1-guess', 'bad-2-guess', 'bad-3-guess']) page = await submit(page, guess);
    expect(main(page)).to.include('support-p-42@example.jp');
    // Back to the form and the right password now, then a fresh start at the website: 4th and 5th tries.
    for (const again of [await submit(login, u.password), await b.follow((await rp.start()).url, t.url)]) {
      expect(again.status).to.equal(403);
      expect(main(again)).to.include('support-p-42@example.jp').and.not.include('アクセスが集中');
    }
    const events = await t.tobira.store.listLoginEvents({ accountId: u.account.id });
    expect(events.items.map((e) => e.result)).to.not.include('rate_limited');
  });
});
