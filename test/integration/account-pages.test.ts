/**
 * Account pages (SPEC §5, manual ch. 6 and appendices) over real HTTPS: the fresh certificate + password
 * login through Tobira's own client, then the management pages.
 */
import { expect } from 'chai';
import * as oidc from 'openid-client';
import * as OTPAuth from 'otpauth';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const fetchUserInfo = (rp: TestRp, accessToken: string) =>
  oidc.fetchUserInfo(rp.config, accessToken, oidc.skipSubjectCheck);

describe('account pages', function () {
  let smtp: TestSmtp;
  let t: TestTobira;
  let user: TestUser;
  let browser: TestBrowser;

  const main = (r: BrowserResponse) => /<main[\s\S]*<\/main>/.exec(r.text)?.[0] ?? r.text;
  const h1 = (r: BrowserResponse) => /<h1>([^<]*)<\/h1>/.exec(r.text)?.[1];
  /** The step bar's labels in order (partials/steps.hbs), the current one as the page shows it. */
  const stepBar = (r: BrowserResponse) =>
    [
      ...(/<ol class="steps"[^>]*>([\s\S]*?)<\/ol>/.exec(r.text)?.[1] ?? '').matchAll(
        /<li[^>]*>([^<]*)<\/li>/g,
      ),
    ].map((m) => m[1]);
  const submit = (page: BrowserResponse, fields: Record<string, string>, b = browser) => {
    const { action, csrf } = formOf(main(page));
    return b.follow(new URL(action, t.url).href, t.url, { form: { csrf, ...fields } });
  };
  /** Submit the form whose action matches (the menu's logout form comes first on account pages). */
  const submitForm = (page: BrowserResponse, actionPath: string, fields: Record<string, string>) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    return browser.follow(`${t.url}${actionPath}`, t.url, { form: { csrf, ...fields } });
  };
  async function signIn(b: TestBrowser, password = 'Account-Pages-1') {
    const login = await b.follow(`${t.url}/account`, t.url);
    expect(login.text).to.include('ユーザIDとパスワードを入力してください。');
    return submit(login, { userId: user.account.userId, password }, b);
  }

  before(async function () {
    smtp = await startSmtp();
    t = await startTestTobira({ config: { smtpUrl: smtp.url } });
    await createTenant(t.tobira, 'p-95', { features: { maxTerminals: 2 } });
    user = await createUser(t.tobira, {
      tenantId: 'p-95',
      userId: 'p-95-usr012',
      password: 'Account-Pages-1',
      email: 'first@example.jp',
    });
    browser = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      pfx: user.p12,
      passphrase: user.p12Password,
    });
  });
  after(async function () {
    browser?.close();
    await t?.close();
    await smtp?.close();
  });

  it('asks for the certificate and password, then shows アカウント管理 with the terminal table', async function () {
    const home = await signIn(browser);
    expect(home.status).to.equal(200);
    expect(home.url).to.equal(`${t.url}/account`);
    expect(h1(home), 'titles without 「」').to.equal('アカウント管理');
    expect(main(home)).to.include('<nav class="account-menu" aria-label="アカウント管理メニュー">');
    expect(home.text, 'ログアウト at the top right, in the header').to.match(
      /<header[\s\S]*action="\/account\/logout"[\s\S]*ログアウト[\s\S]*<\/header>/,
    );
    expect(main(home)).to.include('p-95-usr012').and.include('first@example.jp');
    expect(main(home)).to.include('電子証明書有効期限').and.include('追加');
    const again = await browser.request(`${t.url}/account`);
    expect(again.status, 'the session holds for the next page').to.equal(200);
  });

  it('refuses a browser without the signed-in certificate', async function () {
    const stranger = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      stranger.cookies.set('tobira_account', browser.cookies.get('tobira_account')!);
      const page = await stranger.follow(`${t.url}/account`, t.url);
      expect(page.text).to.include('電子証明書が提示されませんでした');
    } finally {
      stranger.close();
    }
  });

  it('lists the login history of the last month, newest first, with counts and pages', async function () {
    const history = await browser.request(`${t.url}/account/history`);
    expect(h1(history)).to.equal('ログイン履歴閲覧');
    expect(main(history)).to.include('ログイン成功').and.include('127.0.0.1');
    expect(main(history)).to.match(/1 ~ \d+ \/ \d+件/);
    expect(main(history)).to.include('1/1ページ');
  });

  it('changes the password: the current one first, then the policy', async function () {
    const form = await browser.request(`${t.url}/account/password`);
    expect(stepBar(form), "the manual's step bar").to.deep.equal([
      '「パスワード変更」',
      'パスワード変更完了',
    ]);
    const wrong = await submitForm(form, '/account/password', {
      current: 'nope-nope-1',
      password: 'Brand-New-Pass-9',
      confirmation: 'Brand-New-Pass-9',
    });
    expect(wrong.status).to.equal(422);
    expect(main(wrong)).to.include('現在のパスワードが正しくありません。');
    const reused = await submitForm(form, '/account/password', {
      current: 'Account-Pages-1',
      password: 'Account-Pages-1',
      confirmation: 'Account-Pages-1',
    });
    expect(main(reused)).to.include('使用したパスワードは使用できません');
    const ok = await submitForm(form, '/account/password', {
      current: 'Account-Pages-1',
      password: 'Brand-New-Pass-9',
      confirmation: 'Brand-New-Pass-9',
    });
    expect(main(ok)).to.include('パスワードを変更しました。');
    expect(stepBar(ok)).to.deep.equal(['パスワード変更', '「パスワード変更完了」']);
    const account = (await t.tobira.store.getAccount(user.account.id))!;
    expect(await t.tobira.hasher.verify(account.passwordHash!, 'Brand-New-Pass-9')).to.equal(true);
  });

  it('locks the account at the threshold of wrong current passwords, and audits the lock', async function () {
    await createTenant(t.tobira, 'p-96', { lockout: { maxPasswordFailures: 2 } });
    const other = await createUser(t.tobira, {
      tenantId: 'p-96',
      userId: 'p-96-usr001',
      password: 'Right-Pass-96',
    });
    const b = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      pfx: other.p12,
      passphrase: other.p12Password,
    });
    try {
      const login = await b.follow(`${t.url}/account`, t.url);
      await submit(login, { userId: 'p-96-usr001', password: 'Right-Pass-96' }, b);
      const form = await b.request(`${t.url}/account/password`);
      const csrf = /name="csrf" value="([^"]+)"/.exec(form.text)![1]!;
      const attempt = () =>
        b.follow(`${t.url}/account/password`, t.url, {
          form: { csrf, current: 'wrong-pass-1', password: 'Newer-Pass-96', confirmation: 'Newer-Pass-96' },
        });
      expect((await attempt()).status).to.equal(422);
      const locked = await attempt();
      expect(locked.status).to.equal(403);
      expect((await t.tobira.store.getAccount(other.account.id))!.status).to.equal('locked');
      const { items } = await t.tobira.store.listAuditEvents({ accountId: other.account.id });
      expect(items.find((e) => e.action === 'account.locked')?.details).to.deep.include({
        reason: 'password',
        failures: 2,
      });
    } finally {
      b.close();
    }
  });

  it('changes the secret question and answer', async function () {
    const form = await browser.request(`${t.url}/account/secret`);
    expect(main(form)).to.include('初めて買った車は?');
    expect(h1(form)).to.equal('秘密の質問・答え変更');
    expect(stepBar(form)).to.deep.equal(['「秘密の質問・答え変更」', '完了']);
    const ok = await submitForm(form, '/account/secret', { questionId: 'disliked_food', answer: 'かに' });
    expect(main(ok)).to.include('秘密の質問と答えを変更しました。');
    expect(stepBar(ok)).to.deep.equal(['秘密の質問・答え変更', '「完了」']);
    expect((await t.tobira.store.getAccount(user.account.id))!.secretQuestionId).to.equal('disliked_food');
  });

  it('adds a terminal (確認 → 登録): certificate mailed, others notified, download password in the table', async function () {
    const form = await browser.request(`${t.url}/account/terminals/new`);
    const mismatch = await submitForm(form, '/account/terminals/new', {
      email: 'second@example.jp',
      confirmation: 'other@example.jp',
      type: 'smartphone',
    });
    expect(main(mismatch)).to.include('メールアドレスとメールアドレス確認が一致しません。');
    // The address becomes the certificate's rfc822Name (ASCII only): refused, not written as bad bytes.
    const wide = await submitForm(form, '/account/terminals/new', {
      email: 'はなこ@example.jp',
      confirmation: 'はなこ@example.jp',
      type: 'smartphone',
    });
    expect(main(wide)).to.include('メールアドレスを半角文字で正しく入力してください。');
    expect(main(wide), 'the input is kept').to.include('value="はなこ@example.jp"');
    const confirm = await submitForm(form, '/account/terminals/new', {
      email: 'second@example.jp',
      confirmation: 'second@example.jp',
      type: 'smartphone',
    });
    expect(stepBar(confirm)).to.deep.equal(['端末登録', '「端末登録確認」', '端末登録完了']);
    expect(main(confirm)).to.include('second@example.jp').and.include('スマートフォン');
    const added = await submitForm(confirm, '/account/terminals/new', {
      email: 'second@example.jp',
      confirmation: 'second@example.jp',
      type: 'smartphone',
      confirm: '1',
    });
    expect(main(added)).to.include('端末を登録しました。');
    await smtp.waitFor(2);
    const subjects = smtp.messages.map((m) => `${(m.to as { text: string }).text}: ${m.subject}`);
    expect(subjects).to.include.members([
      'second@example.jp: 電子証明書ダウンロードのご案内',
      'first@example.jp: 端末追加のお知らせ',
    ]);
    const home = await browser.request(`${t.url}/account`);
    expect(main(home)).to.include('second@example.jp');
    expect(main(home)).to.match(/class="num">2<\/td>[\s\S]*<code class="copyable">[A-Za-z0-9]{12}<\/code>/);
    expect(main(home), 'no more than the policy allows').to.not.include('/account/terminals/new');
  });

  it('deletes a terminal after confirmation, revoking its certificate; the last one cannot be deleted', async function () {
    const confirm = await browser.request(`${t.url}/account/terminals/2/delete`);
    expect(main(confirm)).to.include('端末No 2');
    const deleted = await submitForm(confirm, '/account/terminals/2/delete', { confirm: '1' });
    expect(main(deleted)).to.include('端末を削除しました。');
    const second = (await t.tobira.store.listTerminals(user.account.id, { includeDeleted: true })).find(
      (x) => x.number === 2,
    )!;
    expect((await t.tobira.store.getCertificate(second.currentCertificateSerial!))!.status).to.equal(
      'revoked',
    );
    const last = await submitForm(confirm, '/account/terminals/1/delete', { confirm: '1' });
    expect(last.status).to.equal(422);
    expect(main(last)).to.include('最後の端末は削除できません。');
  });

  it('changes the login method to ID + password + one-time password after setting up the authenticator', async function () {
    const choose = await browser.request(`${t.url}/account/login-method`);
    expect(h1(choose)).to.equal('ログイン方法の変更');
    expect(main(choose)).to.include('IDパスワード+ワンタイムパスワード');
    const confirm = await submitForm(choose, '/account/login-method', { method: 'password_otp' });
    expect(main(confirm))
      .to.include('ログイン方法変更前')
      .and.include('ログイン方法変更後')
      .and.include('p-95-usr012');
    const setup = await submitForm(confirm, '/account/login-method', {
      method: 'password_otp',
      confirm: '1',
    });
    const key = /data-testid="totp-key">([A-Z2-7 ]+)</.exec(setup.text)![1]!.replace(/ /g, '');
    const totp = new OTPAuth.TOTP({
      secret: OTPAuth.Secret.fromBase32(key),
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
    });
    const wrong = await submitForm(setup, '/account/login-method/totp', {
      code: totp.generate() === '123456' ? '654321' : '123456',
    });
    expect(wrong.status).to.equal(401);
    expect((await t.tobira.store.getAccount(user.account.id))!.loginMethod).to.equal('password');
    const done = await submitForm(setup, '/account/login-method/totp', { code: totp.generate() });
    expect(main(done)).to.include('ログイン方法を変更しました。');
    const account = (await t.tobira.store.getAccount(user.account.id))!;
    expect(account.loginMethod).to.equal('password_otp');
    expect(account.totpSecretEnc).to.be.a('string');

    const back = await submitForm(done, '/account/login-method', { method: 'password', confirm: '1' });
    expect(main(back)).to.include('ログイン方法を変更しました。');
    expect((await t.tobira.store.getAccount(user.account.id))!.loginMethod).to.equal('password');
  });

  it('reads as English in English: "Devices", the step bar without 「」, both languages offered', async function () {
    const english = await browser.request(`${t.url}/account/password?lang=en`);
    try {
      expect(h1(english)).to.equal('Change password');
      expect(stepBar(english)).to.deep.equal(['New password', 'Done']);
      expect(english.text).to.include('<nav class="account-menu" aria-label="Account menu">');
      expect(english.text, 'the language switch keeps the page')
        .to.include('href="/account/password?lang=ja" hreflang="ja" lang="ja">日本語</a>')
        .and.include(
          'href="/account/password?lang=en" hreflang="en" lang="en" aria-current="true">English</a>',
        );
      expect(main(await browser.request(`${t.url}/account`))).to.include('<h2>Devices</h2>');
    } finally {
      await browser.request(`${t.url}/account?lang=ja`);
    }
  });

  it('refuses a form without its CSRF token, and signs out', async function () {
    const forged = await browser.request(`${t.url}/account/secret`, {
      form: { questionId: 'first_car', answer: 'x' },
    });
    expect(forged.status).to.equal(403);
    // The Tobira session the account login made also signs this browser in at a relying party.
    const client = await createClient(t.tobira, {
      tenantId: 'p-95',
      redirectUri: 'https://rp.example.test/cb',
    });
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const sso = await rp.start();
    const before = await browser.follow(sso.url, t.url);
    expect(before.location, 'single sign-on while the Tobira session lasts').to.match(
      /^https:\/\/rp\.example\.test\/cb\?code=/,
    );
    const { tokens } = await rp.finish(before.location!, sso);
    expect((await fetchUserInfo(rp, tokens.access_token)).sub).to.equal(user.account.id);

    const home = await browser.request(`${t.url}/account`);
    const out = await submitForm(home, '/account/logout', {});
    expect(main(out)).to.include('ログアウトしました。');
    const after = await browser.follow(`${t.url}/account`, t.url);
    expect(after.text, 'signing in again is required').to.include('ユーザIDとパスワードを入力してください。');
    const again = await browser.follow((await rp.start()).url, t.url);
    expect(again.text, 'the Tobira session ended too').to.include('ユーザIDとパスワードを入力してください。');
    const revoked = await fetchUserInfo(rp, tokens.access_token).catch((e: unknown) => e);
    expect(revoked, 'tokens of that session are revoked').to.be.instanceOf(Error);
  });
});
