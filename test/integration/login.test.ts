/**
 * The whole authorization-code flow over real HTTPS: openid-client as the RP, a scripted browser
 * presenting a real client certificate issued by Tobira's CA.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../../certs/index.js';
import { TestBrowser, formOf, type BrowserResponse } from '../helpers/browser.js';
import {
  createClient,
  createTenant,
  createUser,
  type TestClient,
  type TestUser,
} from '../helpers/fixtures.js';
import { TestRp } from '../helpers/rp.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const REDIRECT = 'https://rp.example.test/callback';

describe('login: certificate + ID/password over OIDC', function () {
  let t: TestTobira;
  let client: TestClient;
  let rp: TestRp;
  let alice: TestUser;
  let bob: TestUser;
  const browsers: TestBrowser[] = [];

  const browserFor = (user: TestUser | null, acceptLanguage = 'ja') => {
    const b = new TestBrowser({
      ca: t.tobira.ca.certificatePem,
      acceptLanguage,
      ...(user ? { pfx: user.p12, passphrase: user.p12Password } : {}),
    });
    browsers.push(b);
    return b;
  };

  /** Start at the RP, follow Tobira's redirects to the interaction page. */
  async function openLogin(browser: TestBrowser, extra: Record<string, string> = {}) {
    const start = await rp.start(extra);
    const page = await browser.follow(start.url, t.url);
    return { start, page };
  }

  async function submitPassword(
    browser: TestBrowser,
    page: BrowserResponse,
    userId: string,
    password: string,
  ) {
    const { action, csrf } = formOf(page.text);
    expect(action, 'login form action').to.match(/\/interaction\/[^/]+\/login$/);
    return browser.follow(new URL(action, t.url).href, t.url, { form: { csrf, userId, password } });
  }

  before(async function () {
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-01', { lockout: { maxPasswordFailures: 3 } });
    await createTenant(t.tobira, 'p-02');
    client = await createClient(t.tobira, { tenantId: 'p-01', redirectUri: REDIRECT });
    rp = await TestRp.discover(t.url, client, t.tobira.ca.certificatePem);
    alice = await createUser(t.tobira, {
      tenantId: 'p-01',
      userId: 'p-01-alice',
      password: 'Correct-Horse-9',
    });
    bob = await createUser(t.tobira, { tenantId: 'p-01', userId: 'p-01-bob', password: 'Battery-Staple-7' });
  });

  after(async function () {
    for (const b of browsers) b.close();
    await t?.close();
  });

  it('signs in with the right certificate, user ID and password; tokens carry the claims', async function () {
    const browser = browserFor(alice);
    const { start, page } = await openLogin(browser);
    expect(page.status).to.equal(200);
    expect(page.text).to.include('ユーザIDとパスワードを入力してください。');
    expect(page.text).to.include(alice.certificate.subjectCn);
    const done = await submitPassword(browser, page, 'p-01-alice', 'Correct-Horse-9');
    expect(done.status).to.equal(303);
    expect(done.location).to.match(/^https:\/\/rp\.example\.test\/callback\?code=/);

    const { claims, userinfo } = await rp.finish(done.location!, start);
    expect(claims.sub).to.equal(alice.account.id);
    expect(claims.preferred_username).to.equal('p-01-alice');
    expect(claims.email).to.equal('p-01-alice@example.jp');
    expect(claims.amr).to.deep.equal(['swk', 'pwd', 'mfa']);
    expect(claims.acr).to.equal('urn:tobira:acr:x509-pwd');
    const thumbprint = createHash('sha256')
      .update(Buffer.from(alice.certificate.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
      .digest('base64url');
    expect(claims['x5t#S256']).to.equal(thumbprint);
    expect(userinfo.sub).to.equal(alice.account.id);
    expect(userinfo.email).to.equal('p-01-alice@example.jp');

    const events = await t.tobira.store.listLoginEvents({ accountId: alice.account.id });
    expect(events.items[0]).to.include({
      result: 'success',
      sourceIp: '127.0.0.1',
      clientId: client.clientId,
    });
  });

  it('gives the profile scope the account’s display name as name, and leaves it out when there is none', async function () {
    await t.tobira.store.updateAccount(
      alice.account.id,
      { displayName: '有栖 アリス' },
      t.tobira.clock.now(),
    );
    try {
      const browser = browserFor(alice);
      const { start, page } = await openLogin(browser);
      const done = await submitPassword(browser, page, 'p-01-alice', 'Correct-Horse-9');
      const { claims, userinfo } = await rp.finish(done.location!, start);
      expect(claims.name).to.equal('有栖 アリス');
      expect(userinfo.name).to.equal('有栖 アリス');
    } finally {
      await t.tobira.store.updateAccount(alice.account.id, { displayName: null }, t.tobira.clock.now());
    }
    const browser = browserFor(alice);
    const { start, page } = await openLogin(browser);
    const done = await submitPassword(browser, page, 'p-01-alice', 'Correct-Horse-9');
    expect((await rp.finish(done.location!, start)).claims).to.not.have.property('name');
  });

  it('shows a clear page, and logs, when no certificate is presented', async function () {
    const browser = browserFor(null);
    const { page } = await openLogin(browser);
    expect(page.status).to.equal(403);
    expect(page.text).to.include('電子証明書が提示されませんでした');
    const events = await t.tobira.store.listLoginEvents({ limit: 5 });
    expect(events.items.some((e) => e.result === 'cert_missing' && e.accountId === null)).to.equal(true);
  });

  it('refuses a certificate from another CA', async function () {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tobira-other-ca-'));
    try {
      const other = await CertificateAuthority.loadOrCreate({
        dir,
        keyPassphrase: 'other-ca-passphrase',
        serverHostnames: ['localhost'],
      });
      const issued = await other.issueClientCertificate({
        userId: 'p-01-alice',
        terminalNumber: 1,
        email: 'p-01-alice@example.jp',
        validityDays: 30,
      });
      const pfx = other.toPkcs12({
        privateKeyPem: issued.privateKeyPem,
        certificatePem: issued.certificatePem,
        password: 'x',
        friendlyName: issued.subjectCn,
      });
      const browser = new TestBrowser({ ca: t.tobira.ca.certificatePem, pfx, passphrase: 'x' });
      browsers.push(browser);
      const { page } = await openLogin(browser);
      expect(page.status).to.equal(403);
      expect(page.text).to.include('このサービスが発行したものではないか');
      const events = await t.tobira.store.listLoginEvents({ limit: 5 });
      expect(events.items[0]?.result).to.equal('cert_invalid');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a revoked certificate', async function () {
    const carol = await createUser(t.tobira, {
      tenantId: 'p-01',
      userId: 'p-01-carol',
      password: 'Revoked-Cert-1',
    });
    await t.tobira.certificates.revoke(carol.certificate.serial, 'keyCompromise', 'test');
    const { page } = await openLogin(browserFor(carol));
    expect(page.status).to.equal(403);
    expect(page.text).to.include('失効しています');
    const events = await t.tobira.store.listLoginEvents({ accountId: carol.account.id });
    expect(events.items[0]?.result).to.equal('cert_revoked');
  });

  it('refuses a certificate of another tenant at this relying party', async function () {
    const dave = await createUser(t.tobira, {
      tenantId: 'p-02',
      userId: 'p-02-dave',
      password: 'Other-Tenant-5',
    });
    const { page } = await openLogin(browserFor(dave));
    expect(page.status).to.equal(403);
    expect(page.text).to.include('このWebサイトでは利用できません');
  });

  it('fails a wrong password with the error and the remaining-attempts warning', async function () {
    const browser = browserFor(bob);
    const { page } = await openLogin(browser);
    const failed = await submitPassword(browser, page, 'p-01-bob', 'wrong-password-1');
    expect(failed.status).to.equal(401);
    expect(failed.text).to.include('【エラー】認証に失敗しました。');
    expect(failed.text).to.include('あと 2 回パスワードを間違えると');
    expect(failed.text, 'the certificate in use stays in view').to.include(bob.certificate.subjectCn);
    expect(failed.text).to.include('href="/recovery/password"').and.include('パスワードを忘れた方');
    // The right password then succeeds and resets the counter.
    const done = await submitPassword(browser, failed, 'p-01-bob', 'Battery-Staple-7');
    expect(done.location).to.match(/^https:\/\/rp\.example\.test\/callback\?code=/);
    expect((await t.tobira.store.getAccount(bob.account.id))!.failedPasswordCount).to.equal(0);
    const events = await t.tobira.store.listLoginEvents({ accountId: bob.account.id });
    expect(events.items.map((e) => e.result)).to.deep.equal(['success', 'bad_password']);
  });

  it("treats another user's ID with this certificate as an ordinary failure", async function () {
    const browser = browserFor(bob);
    const { page } = await openLogin(browser);
    const failed = await submitPassword(browser, page, 'p-01-alice', 'Correct-Horse-9');
    expect(failed.status).to.equal(401);
    expect(failed.text).to.include('【エラー】認証に失敗しました。');
    const events = await t.tobira.store.listLoginEvents({ accountId: bob.account.id, limit: 1 });
    expect(events.items[0]?.result).to.equal('user_mismatch');
    await t.tobira.store.resetCounter(bob.account.id, 'password', t.tobira.clock.now());
  });

  it('locks the account at the threshold and then refuses even the right password', async function () {
    const erin = await createUser(t.tobira, {
      tenantId: 'p-01',
      userId: 'p-01-erin',
      password: 'Lock-Me-Out-3',
    });
    const browser = browserFor(erin);
    let { page } = await openLogin(browser);
    page = await submitPassword(browser, page, 'p-01-erin', 'bad-1-password');
    page = await submitPassword(browser, page, 'p-01-erin', 'bad-2-password');
    expect(page.text).to.include('あと 1 回');
    page = await submitPassword(browser, page, 'p-01-erin', 'bad-3-password');
    expect(page.status).to.equal(403);
    expect(page.text).to.include('サポート窓口');
    expect(page.text).to.include('support-p-01@example.jp');
    expect((await t.tobira.store.getAccount(erin.account.id))!).to.include({
      status: 'locked',
      lockReason: 'password',
    });

    // The certificate proves the locked account: the lock page comes at once, with no password form.
    const again = await openLogin(browserFor(erin));
    expect(again.page.status).to.equal(403);
    expect(again.page.text).to.include('support-p-01@example.jp').and.not.include('name="password"');
  });

  it('renders the login page in English on Accept-Language: en', async function () {
    const { page } = await openLogin(browserFor(alice, 'en-US,en;q=0.9'));
    expect(page.text).to.include('Enter your user ID and password.');
    expect(page.text).to.include('lang="en"');
  });

  it('speaks the ui_locales of the authorization request (first language Tobira has), over Accept-Language', async function () {
    const { page } = await openLogin(browserFor(alice), { ui_locales: 'fr-CA en-US ja' });
    expect(page.text).to.include('lang="en"').and.include('Enter your user ID and password.');
    const japanese = await openLogin(browserFor(alice, 'en'), { ui_locales: 'ja' });
    expect(japanese.page.text).to.include('lang="ja"');
  });

  it('sets strict security headers on pages', async function () {
    const { page } = await openLogin(browserFor(alice));
    expect(page.headers['content-security-policy']).to.include("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).to.equal('DENY');
    expect(page.headers['cache-control']).to.equal('no-store');
  });

  it('publishes the CA certificate and a CRL listing revoked serials', async function () {
    const browser = browserFor(null);
    const ca = await browser.request(`${t.url}/ca/ca.pem`);
    expect(ca.text).to.equal(t.tobira.ca.certificatePem);
    const crl = await browser.request(`${t.url}/ca/crl.pem`);
    expect(crl.status).to.equal(200);
    expect(crl.text).to.include('BEGIN X509 CRL');
  });
});
