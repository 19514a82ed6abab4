/**
 * Enrollment end to end (SPEC §3): account → 初回認証 → 認証情報登録 → 完了 (download password) → the
 * mail arrives over real SMTP → download page → .p12 checked by openssl → OIDC login with it.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ManualClock } from '../../src/clock.js';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import { GOOD, downloadPasswordOn, enrollThroughPages, linkIn } from '../helpers/enroll.js';
import { createClient, createTenant } from '../helpers/fixtures.js';
import { mailedLink } from '../helpers/mailbox.js';
import { TestRp } from '../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { freePort, startTestTobira, type TestTobira } from '../helpers/tobira.js';

const run = promisify(execFile);

describe('enrollment and certificate delivery', function () {
  let smtp: TestSmtp;
  let t: TestTobira;
  const browsers: TestBrowser[] = [];
  let seq = 0;

  const browser = (options: { pfx?: Buffer; passphrase?: string } = {}) => {
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem, ...options });
    browsers.push(b);
    return b;
  };
  const newAccount = async (emails?: string[]) => {
    const n = (seq += 1);
    const terminals = (emails ?? [`u${n}@example.jp`]).map((email) => ({ email, type: 'pc' as const }));
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-30',
      userId: `p-30-usr${String(n).padStart(3, '0')}`,
      terminals,
      actor: 'test',
    });
    return { ...created, email: terminals[0]!.email };
  };
  const post = (b: TestBrowser, page: BrowserResponse, fields: Record<string, string>) => {
    const { action, csrf } = formOf(page.text);
    return b.request(new URL(action, t.url).href, { form: { csrf, ...fields } });
  };
  async function waitForMailTo(address: string) {
    for (let i = 0; i < 50; i += 1) {
      const found = smtp.messages.find((m) => (m.to as { text: string }).text === address);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail to ${address}`);
  }
  /** 初回認証 with the right one-time password, landing on the 認証情報登録 page. */
  async function passOtp(b: TestBrowser, enrollmentUrl: string, otp: string) {
    const page = await b.request(enrollmentUrl);
    const next = await post(b, page, { otp });
    expect(next.status).to.equal(303);
    return b.request(next.location!);
  }

  before(async function () {
    smtp = await startSmtp();
    t = await startTestTobira({ config: { smtpUrl: smtp.url } });
    await createTenant(t.tobira, 'p-30', {
      lockout: { maxEnrollmentOtpFailures: 3, maxDownloadPasswordFailures: 3 },
    });
  });
  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
    await smtp?.close();
  });

  it('walks the whole journey: pages, mail over SMTP, download, openssl, then an OIDC login', async function () {
    const created = await newAccount(['first@example.jp', 'second@example.jp']);
    expect(created.account.status).to.equal('pending');
    const b = browser();

    const otpPage = await b.request(created.enrollmentUrl);
    expect(otpPage.status).to.equal(200);
    const cookie = ([] as string[]).concat(otpPage.headers['set-cookie'] ?? []).join('\n');
    expect(cookie, 'the enrollment session cookie')
      .to.match(/httponly/i)
      .and.match(/secure/i);
    expect(cookie).to.match(/samesite=strict/i);
    const stepBar = (html: string) =>
      [.../<ol class="steps"[^>]*>([\s\S]*?)<\/ol>/.exec(html)![1]!.matchAll(/<li[^>]*>([^<]+)<\/li>/g)].map(
        (m) => m[1],
      );
    expect(stepBar(otpPage.text)).to.deep.equal(['「初回認証」', '認証情報登録', '認証情報登録完了']);
    expect(otpPage.text).to.include('「初回認証」');
    expect(otpPage.text).to.include(created.account.userId);
    const wrong = await post(b, otpPage, { otp: 'not-it' });
    expect(wrong.status).to.equal(401);
    expect(wrong.text).to.include('ワンタイムパスワードが一致しません');
    const toCredentials = await post(b, wrong, { otp: created.oneTimePassword });
    const credentials = await b.request(toCredentials.location!);
    expect(stepBar(credentials.text)).to.deep.equal(['初回認証', '「認証情報登録」', '認証情報登録完了']);
    expect(credentials.text).to.include('初めて買った車は?');

    const invalid = await post(b, credentials, {
      password: 'ｐａｓｓｗｏｒｄ',
      confirmation: 'x',
      questionId: '',
      answer: '',
    });
    expect(invalid.status).to.equal(422);
    for (const message of [
      '全角文字は使用できません',
      'パスワードとパスワード確認が一致しません',
      '秘密の質問を選択してください',
      '秘密の質問答えを入力してください',
    ]) {
      expect(invalid.text).to.include(message);
    }
    const containsId = await post(b, invalid, {
      ...GOOD,
      password: `X9-${created.account.userId}`,
      confirmation: `X9-${created.account.userId}`,
    });
    expect(containsId.text).to.include('パスワードにユーザIDを含めることはできません');

    const done = await post(b, containsId, GOOD);
    expect(done.status).to.equal(200);
    expect(stepBar(done.text)).to.deep.equal(['初回認証', '認証情報登録', '「認証情報登録完了」']);
    const downloadPassword = downloadPasswordOn(done);
    expect(downloadPassword).to.have.length(12);
    const account = (await t.tobira.store.getAccountByUserId(created.account.userId))!;
    expect(account.status).to.equal('active');
    const reused = await browser().request(created.enrollmentUrl);
    expect(reused.status, 'the enrollment link works once').to.equal(410);
    expect(reused.text).to.include('このリンクはすでに使用されています');
    expect(reused.text).to.include('support-p-30@example.jp');

    const mails = (await smtp.waitFor(2)).filter((m) =>
      String((m.to as { text: string }).text).match(/first@|second@/),
    );
    expect(mails.map((m) => m.subject)).to.deep.equal([
      '電子証明書ダウンロードのご案内',
      '電子証明書ダウンロードのご案内',
    ]);
    const firstMail = mails.find((m) => (m.to as { text: string }).text === 'first@example.jp')!;
    expect(firstMail.text).to.include(`${created.account.userId} #1`);
    const downloadUrl = linkIn(firstMail.text!, 'download')!;
    expect(firstMail.text).to.include('/guide');

    const downloadPage = await b.request(downloadUrl);
    expect(downloadPage.text).to.include('証明書ダウンロード用パスワード');
    const wrongDownload = await post(b, downloadPage, { password: 'WRONGpassword' });
    expect(wrongDownload.status).to.equal(401);
    expect(wrongDownload.text).to.include('あと 2 回');
    const file = await post(b, wrongDownload, { password: downloadPassword });
    expect(file.status).to.equal(200);
    expect(file.headers['content-type']).to.equal('application/x-pkcs12');
    expect(file.headers['content-disposition']).to.equal(
      `attachment; filename="${created.account.userId}-1.p12"`,
    );
    const p12Path = path.join(t.dataDir, 'enrolled.p12');
    await writeFile(p12Path, file.body);
    const { stdout } = await run(
      'openssl',
      ['pkcs12', '-info', '-nokeys', '-in', p12Path, '-passin', `pass:${downloadPassword}`],
      { encoding: 'utf8' },
    );
    expect(stdout).to.include(`subject=CN = ${created.account.userId} #1`);
    const terminal = (await t.tobira.store.listTerminals(account.id))[0]!;
    expect(terminal.pendingDownload, 'key material destroyed after download').to.equal(null);
    const again = await b.request(downloadUrl);
    expect(again.status).to.equal(410);
    expect(again.text).to.include('すでに使用されています');

    const client = await createClient(t.tobira, {
      tenantId: 'p-30',
      redirectUri: 'https://rp.example.test/cb',
    });
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const user = browser({ pfx: file.body, passphrase: downloadPassword });
    const start = await rp.start();
    const login = await user.follow(start.url, t.url);
    const { action, csrf } = formOf(login.text);
    const back = await user.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: created.account.userId, password: GOOD.password },
    });
    const { claims } = await rp.finish(back.location!, start);
    expect(claims.preferred_username).to.equal(created.account.userId);
    expect(claims.email).to.equal('first@example.jp');
  });

  it('locks enrollment after the policy’s number of wrong one-time passwords', async function () {
    const created = await newAccount();
    const b = browser();
    let page = await b.request(created.enrollmentUrl);
    page = await post(b, page, { otp: 'wrong-1' });
    expect(page.text).to.include('あと 2 回');
    page = await post(b, page, { otp: 'wrong-2' });
    page = await post(b, page, { otp: 'wrong-3' });
    expect(page.status).to.equal(403);
    expect(page.text).to.include('アカウントをロックしました');
    expect(await t.tobira.store.getAccount(created.account.id)).to.include({
      status: 'locked',
      lockReason: 'enrollment_otp',
    });
    const afterLock = await b.request(created.enrollmentUrl);
    expect(afterLock.status, 'even the right one-time password cannot be entered any more').to.equal(403);
    expect(afterLock.text).to.not.include('name="otp"');
  });

  it('tells the user a replaced or unknown link cannot be used, and whom to contact', async function () {
    const created = await newAccount();
    // What a newer enrollment mail does to the older link (expiry by time: the lifetimes suite below).
    await t.tobira.store.invalidateTickets(created.account.id, 'enroll', new Date());
    const replaced = await browser().request(created.enrollmentUrl);
    expect(replaced.status).to.equal(410);
    expect(replaced.text).to.include('新しいリンクに置き換えられたため使用できません');
    expect(replaced.text).to.include('support-p-30@example.jp');
    const unknown = await browser().request(`${t.url}/enroll/${'x'.repeat(43)}`);
    expect(unknown.status).to.equal(404);
  });

  it('skipping 初回認証 is not possible', async function () {
    const created = await newAccount();
    const b = browser();
    const direct = await b.request(`${created.enrollmentUrl}/credentials`);
    expect(direct.status).to.equal(302);
    expect(direct.location).to.equal(created.enrollmentUrl);
  });

  it('refuses a form posted without this browser’s CSRF token', async function () {
    const created = await newAccount();
    const page = await browser().request(created.enrollmentUrl);
    const other = browser();
    await other.request(created.enrollmentUrl);
    const forged = await other.request(created.enrollmentUrl, {
      form: { csrf: formOf(page.text).csrf, otp: created.oneTimePassword },
    });
    expect(forged.status).to.equal(403);
    const missing = await other.request(created.enrollmentUrl, { form: { otp: created.oneTimePassword } });
    expect(missing.status).to.equal(403);
  });

  it('shows the install guide for every platform, in Japanese and English, with the CA certificate', async function () {
    const b = browser();
    const ja = await b.request(`${t.url}/guide`);
    expect(ja.status).to.equal(200);
    for (const text of [
      '電子証明書ダウンロードマニュアル',
      'キーチェーン',
      'Windows',
      'iPhone',
      'Android',
      'Firefox',
    ])
      expect(ja.text).to.include(text);
    expect(ja.text).to.include('href="/ca/ca.crt"').and.include('href="/ca/ca.pem"');
    const en = await b.request(`${t.url}/guide?lang=en`);
    expect(en.text).to.include('Certificate installation guide').and.include('Keychain Access');
    const pem = await b.request(`${t.url}/ca/ca.pem`);
    expect(pem.status).to.equal(200);
    expect(pem.text).to.include('-----BEGIN CERTIFICATE-----');
    expect((await b.request(`${t.url}/ca/ca.crt`)).status).to.equal(200);
  });

  it('lets exactly one of two concurrent registrations with the same link win', async function () {
    const created = await newAccount();
    const b = browser();
    const credentials = await passOtp(b, created.enrollmentUrl, created.oneTimePassword);
    const [a, c] = await Promise.all([post(b, credentials, GOOD), post(b, credentials, GOOD)]);
    expect([a.status, c.status].sort()).to.deep.equal([200, 410]);
    expect(
      (await t.tobira.store.listCertificates({ accountId: created.account.id })).length,
      'one certificate issued',
    ).to.equal(1);
  });

  it('serves a certificate to exactly one of two concurrent downloads', async function () {
    const created = await newAccount();
    const b = browser();
    const done = await post(b, await passOtp(b, created.enrollmentUrl, created.oneTimePassword), GOOD);
    const downloadPassword = downloadPasswordOn(done);
    const mail = await waitForMailTo(created.email);
    const page = await b.request(linkIn(mail.text!, 'download')!);
    const results = await Promise.all([
      post(b, page, { password: downloadPassword }),
      post(b, page, { password: downloadPassword }),
    ]);
    expect(results.filter((r) => r.headers['content-type'] === 'application/x-pkcs12')).to.have.length(1);
  });
});

describe('enrollment while the SMTP server is down', function () {
  it('sends the download mail once the server is back; nothing is lost', async function () {
    const port = await freePort();
    const clock = new ManualClock();
    const t = await startTestTobira({ clock, config: { smtpUrl: `smtp://127.0.0.1:${port}` } });
    let smtp: TestSmtp | null = null;
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      await createTenant(t.tobira, 'p-31');
      const created = await t.tobira.enrollment.createAccount({
        tenantId: 'p-31',
        userId: 'p-31-usr001',
        terminals: [{ email: 'down@example.jp', type: 'pc' }],
        actor: 'test',
      });
      const done = await enrollThroughPages(b, t.url, created);
      expect(done.status).to.equal(200);
      await t.tobira.outbox.stop(); // the round the enqueue woke up has finished
      const [pending] = (await t.tobira.store.listMail({ to: 'down@example.jp' })).items;
      expect(pending).to.include({ status: 'pending', attempts: 1 });

      smtp = await startSmtp({ port });
      clock.advance(3600_000);
      expect((await t.tobira.outbox.runOnce()).sent).to.equal(1);
      const [mail] = await smtp.waitFor(1);
      expect(mail!.subject).to.equal('電子証明書ダウンロードのご案内');
      expect(mail!.text).to.include('p-31-usr001 #1');
    } finally {
      b.close();
      await smtp?.close();
      await t.close();
    }
  });
});

describe('enrollment and download links expire with the policy’s lifetimes', function () {
  it('turns an unused link into an “expired” page naming the support desk', async function () {
    const clock = new ManualClock();
    const t = await startTestTobira({ clock });
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem });
    try {
      await createTenant(t.tobira, 'p-32', { tickets: { enrollmentHours: 2, downloadHours: 1 } });
      const enroll = async (userId: string) =>
        t.tobira.enrollment.createAccount({
          tenantId: 'p-32',
          userId,
          terminals: [{ email: `${userId}@example.jp`, type: 'smartphone' }],
          actor: 'test',
        });
      const late = await enroll('p-32-late');
      clock.advance(2 * 3600_000 - 1000);
      expect((await b.request(late.enrollmentUrl)).status, 'still valid just before').to.equal(200);
      clock.advance(1000);
      const expired = await b.request(late.enrollmentUrl);
      expect(expired.status).to.equal(410);
      expect(expired.text).to.include('このリンクの有効期限が切れています');
      expect(expired.text).to.include('support-p-32@example.jp');
      expect(expired.text).to.not.include('name="otp"');

      // A download link that was never followed in time: refused, and its key material is not served.
      const created = await enroll('p-32-slow');
      const done = await enrollThroughPages(b, t.url, created);
      expect(done.status).to.equal(200);
      const downloadUrl = await mailedLink(t, 'p-32-slow@example.jp', 'download');
      clock.advance(3600_000);
      const gone = await b.request(downloadUrl);
      expect(gone.status).to.equal(410);
      expect(gone.text).to.include('このリンクの有効期限が切れています');
    } finally {
      b.close();
      await t.close();
    }
  });
});
