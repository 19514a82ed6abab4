/**
 * 証明書再発行 started by the user from アカウント管理 (SPEC §6, manual ch. 8) over real HTTPS with real
 * client certificates and a real SMTP server: menu → 証明書再発行案内 → mail → secret question → new
 * certificate; the old certificate refused at the next login, the new one accepted. Refusals: the
 * tenant's policy off, a sign-in too old to change certificates without the password again, no CSRF.
 */
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import { normalizeSecretAnswer } from '../../src/policy/secret-answer.js';
import { OffsetClock, mainOf } from '../helpers/attacker.js';
import { TestBrowser, formOf, htmlText, type BrowserResponse } from '../helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const PASSWORD = 'Cert-Reissue-Pass-1';
const REISSUE_SUBJECT = '証明書再発行手順のご案内';

describe('certificate re-issue started from the account pages', function () {
  let smtp: TestSmtp;
  let t: TestTobira;
  let rp: TestRp;
  const clock = new OffsetClock();
  const browsers: TestBrowser[] = [];
  let seq = 0;

  const browser = (user?: Pick<TestUser, 'p12' | 'p12Password'>) => {
    const b = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      ...(user ? { pfx: user.p12, passphrase: user.p12Password } : {}),
    });
    browsers.push(b);
    return b;
  };
  /** Post the page's form whose action is `path` (the menu's logout form comes first) with its CSRF token. */
  const post = (b: TestBrowser, page: BrowserResponse, path: string, fields: Record<string, string>) => {
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    return b.follow(`${t.url}${path}`, t.url, { form: { csrf, ...fields } });
  };
  async function user(tenantId: string, email?: string): Promise<TestUser> {
    seq += 1;
    const u = await createUser(t.tobira, {
      tenantId,
      userId: `${tenantId}-usr${seq}`,
      password: PASSWORD,
      ...(email ? { email } : {}),
    });
    await t.tobira.store.updateAccount(
      u.account.id,
      {
        secretQuestionId: 'first_car',
        secretAnswerHash: await t.tobira.hasher.hash(normalizeSecretAnswer('ミニ')),
      },
      clock.now(),
    );
    return u;
  }
  async function signIn(b: TestBrowser, u: TestUser): Promise<BrowserResponse> {
    const login = await b.follow(`${t.url}/account`, t.url);
    const { action, csrf } = formOf(mainOf(login));
    return b.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: u.account.userId, password: PASSWORD },
    });
  }
  const mailsTo = (address: string, subject: string): ParsedMail[] =>
    smtp.messages.filter((m) => (m.to as { text: string }).text === address && m.subject === subject);
  async function mailTo(address: string, subject: string): Promise<ParsedMail> {
    for (let i = 0; i < 100; i += 1) {
      const found = mailsTo(address, subject).at(-1);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail "${subject}" to ${address}`);
  }
  const link = (text: string, path: string) => new RegExp(`https://\\S+${path}[A-Za-z0-9_-]+`).exec(text)![0];

  before(async function () {
    smtp = await startSmtp();
    t = await startTestTobira({ clock, config: { smtpUrl: smtp.url } });
    await createTenant(t.tobira, 'p-71', { features: { maxTerminals: 3 } });
    await createTenant(t.tobira, 'p-72', { features: { certificateReissue: false } });
    const client = await createClient(t.tobira, {
      tenantId: 'p-71',
      redirectUri: 'https://rp.example.test/cb',
    });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });
  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
    await smtp?.close();
  });

  it('goes from the menu to a new certificate that signs in, while the old one is refused', async function () {
    const u = await user('p-71');
    const b = browser(u);
    const home = await signIn(b, u);
    expect(mainOf(home)).to.include('href="/account/certificate"');

    const request = await b.request(`${t.url}/account/certificate`);
    expect(request.status).to.equal(200);
    expect(mainOf(request))
      .to.include('証明書再発行案内')
      .and.include(u.terminal.email)
      .and.include('aria-current="step"');
    const sent = await post(b, request, '/account/certificate', { terminal: '1' });
    expect(sent.status).to.equal(200);
    expect(mainOf(sent)).to.include('証明書再発行案内完了').and.include(u.terminal.email);
    const audit = await t.tobira.store.listAuditEvents({
      accountId: u.account.id,
      action: 'certificate.reissue_started',
    });
    expect(audit.items[0]).to.include({
      actor: `user:${u.account.id}`,
      sourceIp: '127.0.0.1',
    });

    const mail = await mailTo(u.terminal.email, REISSUE_SUBJECT);
    const question = await b.request(link(mail.text!, '/recovery/certificate/'));
    expect(mainOf(question)).to.include('「証明書再発行」');
    const done = await b.request(new URL(formOf(mainOf(question)).action, t.url).href, {
      form: { csrf: formOf(mainOf(question)).csrf, questionId: 'first_car', answer: 'ミニ' },
    });
    expect(mainOf(done)).to.include('「証明書再発行完了」');
    const downloadPassword = htmlText(/data-testid="issued-secret">([^<]+)</.exec(done.text)![1]!);
    expect(
      (await t.tobira.store.getCertificate(u.certificate.serial))!.status,
      'the old certificate is superseded as the new one is issued',
    ).to.equal('superseded');

    const download = await mailTo(u.terminal.email, '電子証明書ダウンロードのご案内');
    const downloadPage = await b.request(link(download.text!, '/download/'));
    const file = await b.request(new URL(formOf(downloadPage.text).action, t.url).href, {
      form: { csrf: formOf(downloadPage.text).csrf, password: downloadPassword },
    });
    expect(file.headers['content-type']).to.equal('application/x-pkcs12');

    const old = await browser(u).follow((await rp.start()).url, t.url);
    expect(old.status).to.equal(403);
    expect(mainOf(old)).to.include('失効しています');
    const renewed = browser({ p12: file.body, p12Password: downloadPassword });
    const start = await rp.start();
    const login = await renewed.follow(start.url, t.url);
    expect(mainOf(login)).to.include('ユーザIDとパスワードを入力してください。');
    const { action, csrf } = formOf(mainOf(login));
    const back = await renewed.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: u.account.userId, password: PASSWORD },
    });
    expect(back.location).to.match(/^https:\/\/rp\.example\.test\/cb\?code=/);
    const { claims } = await rp.finish(back.location!, start);
    expect(claims.preferred_username).to.equal(u.account.userId);
  });

  it('mails the terminal the user picks, and only the newest link works', async function () {
    const u = await user('p-71', `first-${seq + 1}@example.jp`);
    const second = await t.tobira.store.createTerminal(
      { id: `term-${seq}`, accountId: u.account.id, email: `second-${seq}@example.jp`, type: 'smartphone' },
      clock.now(),
    );
    const b = browser(u);
    await signIn(b, u);
    const request = await b.request(`${t.url}/account/certificate`);
    expect(mainOf(request)).to.include(second.email).and.include('スマートフォン');
    await post(b, request, '/account/certificate', { terminal: String(second.number) });
    const first = await mailTo(second.email, REISSUE_SUBJECT);
    await post(b, request, '/account/certificate', { terminal: String(second.number) });
    for (let i = 0; i < 100 && mailsTo(second.email, REISSUE_SUBJECT).length < 2; i += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(mailsTo(second.email, REISSUE_SUBJECT)).to.have.length(2);
    expect(mailsTo(u.terminal.email, REISSUE_SUBJECT), 'nothing to the other terminal').to.have.length(0);
    const replaced = await b.request(link(first.text!, '/recovery/certificate/'));
    expect(replaced.status, 'the first link was replaced by the second').to.equal(410);

    const unknown = await post(b, request, '/account/certificate', { terminal: '9' });
    expect(unknown.status).to.equal(422);
    expect(mainOf(unknown)).to.include('再発行する端末を選択してください。');
  });

  it('says so on a clear page when the tenant’s policy does not allow re-issue, and mails nothing', async function () {
    const u = await user('p-72');
    const b = browser(u);
    const home = await signIn(b, u);
    expect(mainOf(home)).to.include('「アカウント管理」').and.not.include('/account/certificate');
    const page = await b.request(`${t.url}/account/certificate`);
    expect(page.status).to.equal(403);
    expect(mainOf(page)).to.include('この操作はご利用のWebサイトの設定により行えません。');
    const refused = await post(b, home, '/account/certificate', { terminal: '1' });
    expect(refused.status).to.equal(403);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(u.terminal.email, REISSUE_SUBJECT)).to.have.length(0);
  });

  it('asks for the password again when the sign-in is a few minutes old, then continues', async function () {
    const u = await user('p-71');
    const b = browser(u);
    const home = await signIn(b, u);
    clock.offsetMs += 6 * 60_000;
    try {
      const page = await b.request(`${t.url}/account/certificate`);
      expect(page.status).to.equal(401);
      expect(mainOf(page)).to.include('パスワードの再確認').and.not.include('name="terminal"');
      const posted = await post(b, home, '/account/certificate', { terminal: '1' });
      expect(posted.status, 'a post with a stale sign-in is not carried out').to.equal(401);
      const back = await post(b, page, '/account/reauth', {
        password: PASSWORD,
        next: '/account/certificate',
      });
      expect(back.url).to.equal(`${t.url}/account/certificate`);
      expect(mainOf(back)).to.include('name="terminal"');
    } finally {
      clock.offsetMs -= 6 * 60_000;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(u.terminal.email, REISSUE_SUBJECT), 'nothing mailed without the password').to.have.length(
      0,
    );
  });

  it('refuses a post without the page’s CSRF token or with a forged one', async function () {
    const u = await user('p-71');
    const b = browser(u);
    await signIn(b, u);
    const missing = await b.request(`${t.url}/account/certificate`, { form: { terminal: '1' } });
    expect(missing.status).to.equal(403);
    const forged = await b.request(`${t.url}/account/certificate`, {
      form: { csrf: 'x'.repeat(43), terminal: '1' },
    });
    expect(forged.status).to.equal(403);
    expect(mainOf(forged)).to.include('不正な送信です').and.not.include('証明書再発行案内完了');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(u.terminal.email, REISSUE_SUBJECT)).to.have.length(0);
  });
});
