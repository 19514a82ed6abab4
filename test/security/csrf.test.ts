/**
 * CSRF on every kind of page form, over real HTTPS: a post without a token and one with a token of
 * another (the attacker's own) session are refused with 403 and change nothing; the same post with the
 * page's own token then goes through, so the refusal is the token's doing.
 */
import { expect } from 'chai';
import { t as text } from '../../src/i18n/index.js';
import { newId } from '../../src/random.js';
import { htmlText, type BrowserResponse, type TestBrowser } from '../helpers/browser.js';
import { GOOD } from '../helpers/enroll.js';
import type { TestUser } from '../helpers/fixtures.js';
import {
  CALLBACK,
  PASSWORD,
  formWith,
  mailedLink,
  mainOf,
  newEnrollment,
  startWorld,
  type World,
} from '../helpers/attacker.js';
import type { TestRp } from '../helpers/rp.js';

describe('security: CSRF', function () {
  let w: World;
  let rp: TestRp;
  let seq = 0;

  /** Post without a token, then with `wrongToken`: both refused with the CSRF page. */
  async function expectForgedRefused(
    b: TestBrowser,
    url: string,
    fields: Record<string, string>,
    wrongToken: string,
  ) {
    expect(wrongToken, 'the attacker’s token is a real one').to.have.length.above(10);
    for (const form of [fields, { ...fields, csrf: wrongToken }]) {
      const r = await b.request(new URL(url, w.t.url).href, { method: 'POST', form });
      expect(r.status, `${url} ${form.csrf ? 'with a wrong token' : 'without a token'}`).to.equal(403);
      expect(htmlText(r.text)).to.include(text('ja', 'error.csrf'));
    }
  }
  /** Everything a form could change about an account: the record, its terminals and certificates, its mail. */
  const snapshot = async (accountId: string) => {
    const store = w.t.tobira.store;
    const account = await store.getAccount(accountId);
    return JSON.stringify({
      account,
      terminals: await store.listTerminals(accountId, { includeDeleted: true }),
      certificates: await store.listCertificates({ accountId }),
      events: (await store.listLoginEvents({ accountId })).total,
      mail: (await store.listMail({})).total,
    });
  };
  /** The page the form is on and the action it posts to. */
  const target = (page: BrowserResponse, suffix?: string) => formWith(mainOf(page), suffix);

  before(async function () {
    w = await startWorld({ tenants: { 'p-c': { features: { maxTerminals: 5 } } }, smtp: true });
    ({ rp } = await w.relyingParty('p-c'));
  });
  after(async function () {
    await w?.close();
  });

  describe('login interaction forms', function () {
    /** The attacker's own interaction gives them a valid token of another state. */
    const attackerToken = async () => {
      const attacker = await w.user('p-c');
      return target((await w.openLogin(w.browser(attacker), rp)).page).csrf;
    };

    it('refuses the ID/password post without or with a wrong token; the page’s token then signs in', async function () {
      const victim = await w.user('p-c');
      const b = w.browser(victim);
      const { page } = await w.openLogin(b, rp);
      const before = await snapshot(victim.account.id);
      const fields = { userId: victim.account.userId, password: victim.password };
      await expectForgedRefused(b, target(page).action, fields, await attackerToken());
      expect(await snapshot(victim.account.id)).to.equal(before);
      expect((await w.submit(b, page, fields)).location).to.match(CALLBACK);
    });

    it('refuses the forced password change and the one-time password posts the same way', async function () {
      const victim = await w.user('p-c', { mustChangePassword: true, loginMethod: 'password_otp' });
      const b = w.browser(victim);
      const { page } = await w.openLogin(b, rp);
      const change = await w.submit(b, page, { userId: victim.account.userId, password: victim.password });
      const fresh = { newPassword: 'Fresh-Pass-2031', confirmation: 'Fresh-Pass-2031' };
      let before = await snapshot(victim.account.id);
      await expectForgedRefused(b, target(change).action, fresh, await attackerToken());
      expect(await snapshot(victim.account.id)).to.equal(before);

      const otp = await w.submit(b, change, fresh);
      expect(target(otp).action).to.match(/\/otp$/);
      before = await snapshot(victim.account.id);
      await expectForgedRefused(
        b,
        target(otp).action,
        { code: victim.totp!.generate() },
        await attackerToken(),
      );
      expect(await snapshot(victim.account.id)).to.equal(before);
      expect((await w.submit(b, otp, { code: victim.totp!.generate() })).location).to.match(CALLBACK);
    });
  });

  describe('enrollment and download forms', function () {
    const enrollment = () => newEnrollment(w, 'p-c', `enr${(seq += 1)}`);

    it('refuses 初回認証, 認証情報登録 and the download password without the form session’s token', async function () {
      const victim = await enrollment();
      const attacker = await enrollment();
      const a = w.browser();
      const attackerToken = target(await a.request(attacker.enrollmentUrl)).csrf;
      const b = w.browser();
      const otpPage = await b.request(victim.enrollmentUrl);
      const before = await snapshot(victim.account.id);
      await expectForgedRefused(b, victim.enrollmentUrl, { otp: victim.oneTimePassword }, attackerToken);
      expect(await snapshot(victim.account.id)).to.equal(before);
      expect((await b.request(`${victim.enrollmentUrl}/credentials`)).status, 'still not verified').to.equal(
        302,
      );

      const verified = await w.submit(b, otpPage, { otp: victim.oneTimePassword });
      expect(verified.status).to.equal(200);
      const verifiedState = await snapshot(victim.account.id);
      await expectForgedRefused(b, `${victim.enrollmentUrl}/credentials`, GOOD, attackerToken);
      expect(await snapshot(victim.account.id), 'still pending, nothing issued').to.equal(verifiedState);
      const done = await w.submit(b, verified, GOOD);
      expect(done.status).to.equal(200);
      const downloadPassword = /data-testid="download-password">([^<]+)</.exec(done.text)![1]!;

      const download = await mailedLink(w, victim.email, 'download');
      const page = await b.request(download);
      const afterEnrollment = await snapshot(victim.account.id);
      await expectForgedRefused(b, download, { password: downloadPassword }, attackerToken);
      await expectForgedRefused(
        b,
        `${download}/csr`,
        { password: downloadPassword, csr: 'x' },
        attackerToken,
      );
      expect(await snapshot(victim.account.id)).to.equal(afterEnrollment);
      const token = new URL(download).pathname.split('/').pop()!;
      const file = await w.submit(b, page, { password: downloadPassword }, token);
      expect(file.headers['content-type']).to.equal('application/x-pkcs12');
    });
  });

  describe('recovery forms', function () {
    it('refuses the re-issue request and the secret answer without the form session’s token', async function () {
      const victim = await w.user('p-c', { email: `rec${(seq += 1)}@example.jp`, secretAnswer: 'ミニ' });
      const a = w.browser();
      const attackerToken = target(await a.request(`${w.t.url}/recovery/password`)).csrf;
      const b = w.browser();
      const form = await b.request(`${w.t.url}/recovery/password`);
      const request = { userId: victim.account.userId, email: victim.terminal.email };
      await expectForgedRefused(b, '/recovery/password', request, attackerToken);
      // A request with the right token, queued after the forged ones, is the only one that mails.
      await w.submit(b, form, request);
      const link = await mailedLink(w, victim.terminal.email, 'recovery/password');
      expect((await w.t.tobira.store.listMail({ to: victim.terminal.email })).total).to.equal(1);

      const question = await b.request(link);
      const before = await snapshot(victim.account.id);
      await expectForgedRefused(b, link, { questionId: 'first_car', answer: 'ミニ' }, attackerToken);
      expect(await snapshot(victim.account.id)).to.equal(before);
      const done = await w.submit(b, question, { questionId: 'first_car', answer: 'ミニ' });
      expect(done.text).to.include('data-testid="issued-secret"');
    });
  });

  describe('account page forms', function () {
    let victim: TestUser;
    let b: TestBrowser;
    let attackerToken: string;

    before(async function () {
      victim = await w.user('p-c', { withTotp: true });
      await w.t.tobira.store.createTerminal(
        { id: newId(), accountId: victim.account.id, email: 'second@example.jp', type: 'mobile' },
        new Date(),
      );
      const attacker = await w.user('p-c');
      const a = w.browser(attacker);
      // The sign-out form sits in the page header, outside <main>.
      attackerToken = formWith((await w.signInAccount(a, attacker)).text, '/account/logout').csrf;
      b = w.browser(victim);
      expect((await w.signInAccount(b, victim)).status).to.equal(200);
    });

    for (const [path, fields] of [
      ['/account/password', { current: PASSWORD, password: 'Other-Pass-77', confirmation: 'Other-Pass-77' }],
      ['/account/secret', { questionId: 'disliked_food', answer: 'かに' }],
      [
        '/account/terminals/new',
        { email: 'evil@attacker.example', confirmation: 'evil@attacker.example', type: 'pc', confirm: '1' },
      ],
      [
        '/account/terminals/1/edit',
        { email: 'evil@attacker.example', confirmation: 'evil@attacker.example', type: 'pc' },
      ],
      ['/account/terminals/2/delete', { confirm: '1' }],
      ['/account/login-method', { method: 'password_otp', confirm: '1' }],
      ['/account/certificate', { terminal: '1' }],
      ['/account/logout', {}],
    ] as const) {
      it(`refuses ${path} without or with another session’s token, and nothing changes`, async function () {
        const before = await snapshot(victim.account.id);
        await expectForgedRefused(b, path, fields, attackerToken);
        expect(await snapshot(victim.account.id)).to.equal(before);
        expect((await b.request(`${w.t.url}/account`)).status, 'still signed in').to.equal(200);
      });
    }
  });
});
