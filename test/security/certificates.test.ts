/**
 * Attacks on the certificate step, over real HTTPS with real certificates: forged copies of a victim's
 * certificate, a valid certificate of another tenant, an expired and a revoked one, and a certificate
 * used with another account's user ID and password.
 */
import { expect } from 'chai';
import request from 'supertest';
import { t as text } from '../../src/i18n/index.js';
import { newToken, sha256Hex } from '../../src/random.js';
import { htmlText, type BrowserResponse, type TestBrowser } from '../helpers/browser.js';
import type { TestUser } from '../helpers/fixtures.js';
import { loginResults, mainOf, startWorld, type World } from '../helpers/attacker.js';
import { forgeCopy } from '../helpers/forged-certs.js';
import type { TestRp } from '../helpers/rp.js';

const DAY = 86_400_000;

describe('security: certificate attacks', function () {
  let w: World;
  let rp: TestRp;
  let victim: TestUser;

  /** The certificate step refused with this catalog message: 403, no login form, nothing for the RP. */
  function expectRefused(page: BrowserResponse, messageKey: string) {
    expect(page.status).to.equal(403);
    expect(htmlText(page.text)).to.include(text('ja', messageKey));
    expect(page.location, 'no redirect towards the relying party').to.equal(null);
    expect(page.text, 'no password form').to.not.include('name="password"');
  }
  /** Open the login at the A-tenant RP with these credentials; the result of the certificate step. */
  const attempt = async (credentials: { p12: Buffer; p12Password: string }) =>
    (await w.openLogin(w.browser(credentials), rp)).page;

  before(async function () {
    w = await startWorld({
      tenants: { 'p-a': {}, 'p-b': {}, 'p-short': { certificates: { validityDays: 1 } } },
    });
    ({ rp } = await w.relyingParty('p-a'));
    await w.relyingParty('p-short');
    victim = await w.user('p-a');
  });
  after(async function () {
    await w?.close();
  });

  describe('forged certificate', function () {
    it('refuses a self-signed copy of the victim’s certificate (same subject, CN and serial)', async function () {
      const forged = forgeCopy(victim.certificate.pem, 'self');
      expect(forged.serial.toLowerCase()).to.equal(victim.certificate.serial);
      expectRefused(await attempt(forged), 'cert.invalid');
      expect((await loginResults(w.t, victim.account.id))[0]).to.equal('cert_invalid');
    });

    it('refuses a copy signed by another CA bearing the name of Tobira’s CA, same subject and serial', async function () {
      const forged = forgeCopy(victim.certificate.pem, { foreignCaNamedLike: w.t.tobira.ca.certificatePem });
      expectRefused(await attempt(forged), 'cert.invalid');
      expect((await loginResults(w.t, victim.account.id))[0]).to.equal('cert_invalid');
      expect(await loginResults(w.t, victim.account.id)).to.not.include('success');
    });
  });

  describe('foreign certificate', function () {
    it('refuses a valid certificate of tenant B at a client of tenant A: “another website” page', async function () {
      const other = await w.user('p-b');
      expectRefused(await attempt(other), 'cert.wrong_site');
      expect((await loginResults(w.t, other.account.id))[0]).to.equal('cert_wrong_site');
    });
  });

  describe('expired certificate', function () {
    it('refuses a certificate whose validity ended (issued three days ago for one day)', async function () {
      w.clock.offsetMs = -3 * DAY;
      const expired = await w.user('p-short').finally(() => (w.clock.offsetMs = 0));
      expect(expired.certificate.notAfter.getTime()).to.be.below(Date.now());
      expectRefused(await attempt(expired), 'cert.invalid');
      expect((await loginResults(w.t, expired.account.id))[0]).to.equal('cert_invalid');
    });
  });

  describe('revoked certificate', function () {
    let user: TestUser;
    let signedIn: TestBrowser;
    let accessToken: string;

    before(async function () {
      user = await w.user('p-a');
      signedIn = w.browser(user);
      const { start, page } = await w.openLogin(signedIn, rp);
      const done = await w.submit(signedIn, page, { userId: user.account.userId, password: user.password });
      accessToken = (await rp.finish(done.location!, start)).tokens.access_token;
    });

    it('refuses a certificate revoked through the admin API, and its tokens stop working', async function () {
      const key = newToken(32);
      await w.t.tobira.store.createApiKey(
        { id: `key-${newToken(4)}`, keyHash: sha256Hex(key), label: 'desk' },
        new Date(),
      );
      const revoked = await request(w.t.url)
        .post(`/admin/v1/certificates/${user.certificate.serial}/revoke`)
        .ca(w.t.tobira.ca.certificatePem)
        .set('Authorization', `Bearer ${key}`)
        .send({ reason: 'keyCompromise' });
      expect(revoked.status).to.equal(200);
      expectRefused(await attempt(user), 'cert.revoked');
      expect((await loginResults(w.t, user.account.id))[0]).to.equal('cert_revoked');
      const userinfo = await request(w.t.url)
        .get('/me')
        .ca(w.t.tobira.ca.certificatePem)
        .set('Authorization', `Bearer ${accessToken}`);
      expect(userinfo.status, 'userinfo with a token of the revoked certificate').to.equal(401);
    });

    it('refuses the revoked certificate in the browser that still holds its single sign-on session', async function () {
      const { page } = await w.openLogin(signedIn, rp);
      expectRefused(page, 'cert.revoked');
    });

    it('refuses a certificate revoked through the certificate service', async function () {
      const other = await w.user('p-a');
      await w.t.tobira.certificates.revoke(other.certificate.serial, 'cessationOfOperation', 'test');
      expectRefused(await attempt(other), 'cert.revoked');
    });
  });

  describe('cross-certificate', function () {
    let a: TestUser;
    let b: TestUser;
    let browser: TestBrowser;
    const failed = (id: string) => w.t.tobira.store.getAccount(id).then((x) => x!.failedPasswordCount);

    before(async function () {
      a = await w.user('p-a');
      b = await w.user('p-a');
      browser = w.browser(a);
    });

    it('answers A’s certificate with B’s user ID and B’s password like a wrong password, counted against A', async function () {
      const { page } = await w.openLogin(browser, rp);
      const wrongPassword = await w.submit(browser, page, {
        userId: a.account.userId,
        password: 'Not-It-123',
      });
      const crossed = await w.submit(browser, wrongPassword, {
        userId: b.account.userId,
        password: b.password,
      });
      expect(crossed.status).to.equal(wrongPassword.status).and.equal(401);
      expect(crossed.location).to.equal(null);
      const alert = (r: BrowserResponse) => /<div class="alert error"[\s\S]*?<\/div>/.exec(mainOf(r))?.[0];
      expect(alert(crossed)).to.equal(alert(wrongPassword)).and.include(text('ja', 'login.failed'));
      expect(await failed(a.account.id), 'both failures count against A').to.equal(2);
      expect(await failed(b.account.id), 'nothing counts against B').to.equal(0);
      expect((await loginResults(w.t, a.account.id))[0]).to.equal('user_mismatch');
      expect(await loginResults(w.t, b.account.id)).to.deep.equal([]);
    });
  });
});
