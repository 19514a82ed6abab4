/**
 * Secrets never enter the logs: a whole life of an account over real HTTPS and real SMTP (enrollment
 * with its one-time password, password and secret answer, the mailed download link and its password,
 * a login through openid-client with a client certificate, tokens and userinfo, a password re-issue
 * through the mailed link and the secret answer, the forced change at the next login, an admin call)
 * with everything logged at debug level — and not one of the secrets it used shows in any line.
 * Also: every request gets an id, sent back as X-Request-Id and carried into its audit events.
 */
import { expect } from 'chai';
import { TestBrowser, formOf, htmlText, type BrowserResponse } from '../helpers/browser.js';
import { GOOD, downloadPasswordOn, enrollThroughPages, linkIn } from '../helpers/enroll.js';
import { createClient, createTenant } from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';
import type { Config } from '../../src/config.js';
import { createHttpsFetch, type HttpsFetch } from '../../src/http/https-fetch.js';
import { createLogger } from '../../src/log.js';
import { newToken, sha256Hex } from '../../src/random.js';

type Line = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface LoggingTobira {
  t: TestTobira;
  fetch: HttpsFetch;
  /** POST /admin/v1/tenants with a platform key. */
  createTenant(id: string, headers?: Record<string, string>): Promise<Response>;
  adminKey: string;
  close(): Promise<void>;
}

/** A Tobira logging everything (debug, access log on) into `lines`, and a platform admin key. */
async function loggingTobira(lines: Line[], config: Partial<Config> = {}): Promise<LoggingTobira> {
  const log = createLogger('debug', (line) => lines.push(JSON.parse(line) as Line));
  const t = await startTestTobira({ config: { accessLog: true, ...config }, log });
  const adminKey = newToken(32);
  await t.tobira.store.createApiKey(
    { id: `key-${newToken(6)}`, keyHash: sha256Hex(adminKey), label: 'log test', tenantId: null },
    new Date(),
  );
  const fetch = createHttpsFetch({ ca: t.tobira.ca.certificatePem });
  return {
    t,
    fetch,
    adminKey,
    createTenant: (id, headers = {}) =>
      fetch(`${t.url}/admin/v1/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ id, name: `Tenant ${id}`, supportContact: 'support@example.jp' }),
      }),
    async close() {
      fetch.close();
      await t.close();
    },
  };
}

describe('logs: no secrets, and request ids', function () {
  let smtp: TestSmtp;
  let logging: LoggingTobira;
  let t: TestTobira;
  const lines: Line[] = [];
  const browsers: TestBrowser[] = [];
  const browser = (options: { pfx?: Buffer; passphrase?: string } = {}) => {
    const b = new TestBrowser({ ca: t.tobira.ca.certificatePem, ...options });
    browsers.push(b);
    return b;
  };
  /** The text of the first mail with `subject`, waiting for its delivery. */
  const mailWith = async (subject: string) => {
    for (let i = 0; i < 100; i += 1) {
      const found = smtp.messages.find((m) => m.subject === subject);
      if (found) return found.text!;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail "${subject}"`);
  };
  const post = (b: TestBrowser, page: BrowserResponse, fields: Record<string, string>) => {
    const { action, csrf } = formOf(page.text);
    return b.request(new URL(action, t.url).href, { form: { csrf, ...fields } });
  };

  before(async function () {
    smtp = await startSmtp();
    logging = await loggingTobira(lines, { smtpUrl: smtp.url });
    t = logging.t;
    await createTenant(t.tobira, 'p-70');
  });
  after(async function () {
    for (const b of browsers) b.close();
    await logging?.close();
    await smtp?.close();
  });

  it('finds none of the secrets of an enrollment, a download, logins, a password re-issue and an admin call in any line', async function () {
    const secrets: Record<string, string> = {
      password: GOOD.password,
      secretAnswer: GOOD.answer,
      adminKey: logging.adminKey,
    };
    const created = await t.tobira.enrollment.createAccount({
      tenantId: 'p-70',
      userId: 'p-70-usr001',
      terminals: [{ email: 'log@example.jp', type: 'pc' }],
      actor: 'test',
    });
    secrets.oneTimePassword = created.oneTimePassword;
    secrets.enrollmentToken = created.enrollmentUrl.split('/').at(-1)!;

    const b = browser();
    const wrongOtp = await post(b, await b.request(created.enrollmentUrl), { otp: 'wrong-otp-value-1' });
    secrets.wrongOtp = 'wrong-otp-value-1';
    secrets.csrf = formOf(wrongOtp.text).csrf;
    const done = await enrollThroughPages(b, t.url, created);
    secrets.downloadPassword = downloadPasswordOn(done);
    const mail = (await smtp.waitFor(1)).find((m) => (m.to as { text: string }).text === 'log@example.jp')!;
    const downloadUrl = linkIn(mail.text!, 'download')!;
    secrets.downloadToken = downloadUrl.split('/').at(-1)!;
    const downloadPage = await b.request(downloadUrl);
    const file = await post(b, await post(b, downloadPage, { password: 'Wrong-Download-9' }), {
      password: secrets.downloadPassword,
    });
    expect(file.status).to.equal(200);
    secrets.wrongDownloadPassword = 'Wrong-Download-9';
    for (const [name, value] of b.cookies) secrets[`cookie ${name}`] = value;

    const client = await createClient(t.tobira, {
      tenantId: 'p-70',
      redirectUri: 'https://rp.example.test/cb',
    });
    secrets.clientSecret = client.clientSecret;
    const rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    const user = browser({ pfx: file.body, passphrase: secrets.downloadPassword });
    const start = await rp.start();
    const loginPage = await user.follow(start.url, t.url);
    secrets.state = start.state;
    secrets.nonce = start.nonce;
    secrets.codeVerifier = start.codeVerifier;
    const back = await user.follow(new URL(formOf(loginPage.text).action, t.url).href, t.url, {
      form: { csrf: formOf(loginPage.text).csrf, userId: 'p-70-usr001', password: GOOD.password },
    });
    secrets.code = new URL(back.location!).searchParams.get('code')!;
    const { tokens, userinfo } = await rp.finish(back.location!, start);
    expect(userinfo.sub).to.be.a('string');
    secrets.accessToken = tokens.access_token;
    secrets.idToken = tokens.id_token!;
    for (const [name, value] of user.cookies) secrets[`cookie ${name}`] = value;

    // パスワード再発行: the mailed link, the secret answer, the password shown once, the forced change.
    const r = browser();
    const form = await r.request(`${t.url}/recovery/password`);
    await post(r, form, { userId: 'p-70-usr001', email: 'log@example.jp' });
    const resetMail = await mailWith('パスワード再発行手順のご案内');
    const resetUrl = /https:\/\/\S+\/recovery\/password\/[A-Za-z0-9_-]+/.exec(resetMail)![0];
    secrets.resetToken = resetUrl.split('/').at(-1)!;
    const reset = await post(r, await r.request(resetUrl), {
      questionId: GOOD.questionId,
      answer: GOOD.answer,
    });
    secrets.issuedPassword = htmlText(/data-testid="issued-secret">([^<]+)</.exec(reset.text)![1]!);
    const again = await rp.start({ prompt: 'login' });
    const login2 = await user.follow(again.url, t.url);
    const change = await user.follow(new URL(formOf(login2.text).action, t.url).href, t.url, {
      form: { csrf: formOf(login2.text).csrf, userId: 'p-70-usr001', password: secrets.issuedPassword },
    });
    secrets.newPassword = 'Changed-Pass-2088';
    const changed = await user.follow(new URL(formOf(change.text).action, t.url).href, t.url, {
      form: {
        csrf: formOf(change.text).csrf,
        newPassword: secrets.newPassword,
        confirmation: secrets.newPassword,
      },
    });
    expect(changed.location, 'signed in after the forced change').to.match(
      /^https:\/\/rp\.example\.test\/cb\?code=/,
    );
    secrets.code2 = new URL(changed.location!).searchParams.get('code')!;

    const tenant = await logging.createTenant('p-71');
    expect(tenant.status).to.equal(201);

    const logged = JSON.stringify(lines);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.length, 'the access log saw the whole journey').to.be.greaterThan(10);
    expect(lines.filter((l) => l.msg === 'audit').length, 'and the audit mirror').to.be.greaterThan(2);
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).to.be.greaterThan(1);
      expect(logged.includes(value), `${name} in the logs`).to.equal(false);
    }
  });

  it('gives every request an id, sends it back, and names it in the access log and its audit events', async function () {
    const mine = 'client-chosen-id-1234';
    const res = await logging.createTenant('p-72', { 'x-request-id': mine });
    expect(res.status).to.equal(201);
    const id = res.headers.get('x-request-id')!;
    expect(id, 'a client that is no trusted proxy does not choose it').to.match(UUID);
    const line = lines.find((l) => l.msg === 'request' && l.requestId === id);
    expect(line).to.include({ method: 'POST', path: '/admin/v1/tenants', status: 201 });
    const events = await t.tobira.store.listAuditEvents({ action: 'tenant.created', tenantId: 'p-72' });
    expect(events.items.map((e) => e.details.requestId)).to.deep.equal([id]);
    const other = await logging.fetch(`${t.url}/healthz`);
    expect(other.headers.get('x-request-id')).to.match(UUID).and.not.equal(id);
  });

  describe('behind a trusted proxy', function () {
    const proxied: Line[] = [];
    let p: LoggingTobira;
    before(async function () {
      p = await loggingTobira(proxied, { trustedProxies: ['127.0.0.1'] });
    });
    after(async function () {
      await p?.close();
    });

    it('keeps the proxy’s well-formed X-Request-Id and replaces a malformed one', async function () {
      const kept = await p.createTenant('p-73', { 'x-request-id': 'nginx-0af3b2c4d5e6f708' });
      expect(kept.headers.get('x-request-id')).to.equal('nginx-0af3b2c4d5e6f708');
      const events = await p.t.tobira.store.listAuditEvents({ action: 'tenant.created', tenantId: 'p-73' });
      expect(events.items[0]!.details.requestId).to.equal('nginx-0af3b2c4d5e6f708');
      for (const bad of ['has space', 'x'.repeat(129), '"quoted"', '-leading-dash']) {
        const res = await p.fetch(`${p.t.url}/healthz`, { headers: { 'x-request-id': bad } });
        expect(res.headers.get('x-request-id'), bad).to.match(UUID);
      }
    });
  });
});
