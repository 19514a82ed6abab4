/**
 * Recovery (SPEC §6, manual ch. 7–8) over real HTTPS and SMTP: password re-issue without account
 * enumeration, secret-answer lockout, and certificate re-issue started by the admin.
 */
import { expect } from 'chai';
import request from 'supertest';
import { newToken, sha256Hex } from '../../src/random.js';
import { TestBrowser, formOf, htmlText, type BrowserResponse } from '../helpers/browser.js';
import { createClient, createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

describe('recovery', function () {
  let smtp: TestSmtp;
  let t: TestTobira;
  let rp: TestRp;
  const browsers: TestBrowser[] = [];
  let seq = 0;

  const browser = (user?: TestUser) => {
    const b = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      ...(user ? { pfx: user.p12, passphrase: user.p12Password } : {}),
    });
    browsers.push(b);
    return b;
  };
  const submit = (b: TestBrowser, page: BrowserResponse, fields: Record<string, string>) => {
    const { action, csrf } = formOf(page.text);
    return b.request(new URL(action, t.url).href, { form: { csrf, ...fields } });
  };
  /** An active account with the secret question 「初めて買った車は?」 answered 「ミニ」. */
  function userWithSecret(): Promise<TestUser> {
    return createUser(t.tobira, {
      tenantId: 'p-85',
      userId: `p-85-usr${(seq += 1)}`,
      password: 'Forgotten-Pass-1',
      email: `usr${seq}@example.jp`,
      secretAnswer: 'ミニ',
    });
  }
  async function mailTo(address: string, subject: string) {
    for (let i = 0; i < 50; i += 1) {
      const found = smtp.messages.find(
        (m) => (m.to as { text: string }).text === address && m.subject === subject,
      );
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail "${subject}" to ${address}`);
  }
  const link = (text: string, path: string) => new RegExp(`https://\\S+${path}[A-Za-z0-9_-]+`).exec(text)![0];

  before(async function () {
    smtp = await startSmtp();
    t = await startTestTobira({ config: { smtpUrl: smtp.url } });
    await createTenant(t.tobira, 'p-85', { lockout: { maxSecretAnswerFailures: 3 } });
    const client = await createClient(t.tobira, {
      tenantId: 'p-85',
      redirectUri: 'https://rp.example.test/cb',
    });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
  });
  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
    await smtp?.close();
  });

  it('re-issues a password: same answer for every request, mail, secret question, new password, forced change', async function () {
    const u = await userWithSecret();
    const b = browser();
    const form = await b.request(`${t.url}/recovery/password`);
    expect(form.text).to.include('「パスワード再発行案内」');
    const unknown = await submit(b, form, { userId: 'p-85-nobody', email: 'x@example.jp' });
    const wrongEmail = await submit(b, form, { userId: u.account.userId, email: 'other@example.jp' });
    const right = await submit(b, form, { userId: u.account.userId, email: u.terminal.email.toUpperCase() });
    const body = (r: BrowserResponse) => /<main[\s\S]*<\/main>/.exec(r.text)![0];
    expect([unknown.status, wrongEmail.status, right.status]).to.deep.equal([200, 200, 200]);
    expect(body(unknown)).to.equal(body(wrongEmail)).and.equal(body(right));

    const mail = await mailTo(u.terminal.email, 'パスワード再発行手順のご案内');
    expect(smtp.messages.filter((m) => m.subject === 'パスワード再発行手順のご案内')).to.have.length(1);
    const page = await b.request(link(mail.text!, '/recovery/password/'));
    expect(page.text).to.include('「パスワード再発行」');
    const wrong = await submit(b, page, { questionId: 'mother_maiden_name', answer: 'ミニ' });
    expect(wrong.status).to.equal(422);
    expect(wrong.text).to.include('質問とその答えが一致しません');
    const done = await submit(b, wrong, { questionId: 'first_car', answer: ' ﾐﾆ ' });
    expect(done.status).to.equal(200);
    expect(done.text).to.include('「パスワード再発行完了」');
    const password = htmlText(/data-testid="issued-secret">([^<]+)</.exec(done.text)![1]!);
    expect((await t.tobira.store.getAccount(u.account.id))!.mustChangePassword).to.equal(true);
    expect(
      (await b.request(link(mail.text!, '/recovery/password/'))).status,
      'the link is single-use',
    ).to.equal(410);

    const user = browser(u);
    const login = await user.follow((await rp.start()).url, t.url);
    const { action, csrf } = formOf(login.text);
    const change = await user.follow(new URL(action, t.url).href, t.url, {
      form: { csrf, userId: u.account.userId, password },
    });
    expect(change.text).to.include('パスワードが再発行されたため');
  });

  it('locks the account after repeated wrong answers, with the manual’s message', async function () {
    const u = await userWithSecret();
    const b = browser();
    await submit(b, await b.request(`${t.url}/recovery/password`), {
      userId: u.account.userId,
      email: u.terminal.email,
    });
    const mail = await mailTo(u.terminal.email, 'パスワード再発行手順のご案内');
    let page = await b.request(link(mail.text!, '/recovery/password/'));
    page = await submit(b, page, { questionId: 'first_car', answer: 'wrong-1' });
    page = await submit(b, page, { questionId: 'first_car', answer: 'wrong-2' });
    page = await submit(b, page, { questionId: 'first_car', answer: 'wrong-3' });
    expect(page.status).to.equal(403);
    expect(page.text).to.include('秘密の質問・回答の誤入力が繰り返されたため、アカウントをロックしました。');
    expect(await t.tobira.store.getAccount(u.account.id)).to.include({
      status: 'locked',
      lockReason: 'secret_answer',
    });
    const again = await b.request(link(mail.text!, '/recovery/password/'));
    expect(again.status).to.equal(403);
  });

  it('re-issues a certificate started by the admin: new certificate and download password; the old one stops working', async function () {
    const u = await userWithSecret();
    const key = newToken(32);
    await t.tobira.store.createApiKey(
      { id: `key-${seq}`, keyHash: sha256Hex(key), label: 'desk' },
      new Date(),
    );
    const started = await request(t.url)
      .post(`/admin/v1/accounts/${u.account.userId}/terminals/1/certificate-reissue`)
      .ca(t.tobira.ca.certificatePem)
      .set('Authorization', `Bearer ${key}`)
      .send({});
    expect(started.status).to.equal(202);
    expect(started.body.mailedTo).to.equal(u.terminal.email);

    const mail = await mailTo(u.terminal.email, '証明書再発行手順のご案内');
    const b = browser();
    const page = await b.request(link(mail.text!, '/recovery/certificate/'));
    expect(page.text).to.include('「証明書再発行」');
    const done = await submit(b, page, { questionId: 'first_car', answer: 'ミニ' });
    expect(done.text).to.include('「証明書再発行完了」');
    const downloadPassword = /data-testid="issued-secret">([^<]+)</.exec(done.text)![1]!;

    const download = await mailTo(u.terminal.email, '電子証明書ダウンロードのご案内');
    const downloadPage = await b.request(link(download.text!, '/download/'));
    const file = await submit(b, downloadPage, { password: downloadPassword });
    expect(file.headers['content-type']).to.equal('application/x-pkcs12');
    expect((await t.tobira.store.getCertificate(u.certificate.serial))!.status).to.equal('superseded');

    const old = await browser(u).follow((await rp.start()).url, t.url);
    expect(old.status).to.equal(403);
    expect(old.text).to.include('失効しています');
    const renewed = browser({ ...u, p12: file.body, p12Password: downloadPassword });
    const login = await renewed.follow((await rp.start()).url, t.url);
    expect(login.status).to.equal(200);
    expect(login.text).to.include('ユーザIDとパスワードを入力してください。');
  });
});
