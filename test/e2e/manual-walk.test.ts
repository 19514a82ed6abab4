/**
 * The user manual, chapter by chapter, in Chromium, in Japanese and in English: 初回認証 → 認証情報登録 →
 * 完了 (the mailed link), the certificate download and install guide, login with password, the lock
 * page, the account pages (home, パスワード変更, 秘密の質問・答え変更, ログイン履歴, 端末 add / change /
 * delete, ログイン方法の変更 with the authenticator), login with a one-time password, 証明書再発行 started
 * by the user and by the admin (admin API), パスワード再発行 with the forced change at the next login,
 * and logout. Every page: its main heading, axe-core and a screenshot at 390 px and 1280 px
 * (test-output/manual/<lang>/), nothing wider than the phone's viewport. The client certificate is the
 * very file Chromium downloaded, presented through the browser context (a new context per new file).
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import type { BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import type { Locale } from '../../src/i18n/index.js';
import { createUser } from '../helpers/fixtures.js';
import {
  MAX_PASSWORD_FAILURES,
  TENANT,
  Walk,
  startWalkWorld,
  currentStep,
  totpCode,
  type WalkWorld,
} from '../helpers/walk.js';

interface Certificate {
  pfx: Buffer;
  passphrase: string;
}

describe('manual walk: every chapter in Chromium at 390 px and 1280 px, Japanese and English', function () {
  this.timeout(240_000);
  let world: WalkWorld;

  before(async function () {
    world = await startWalkWorld();
  });
  after(async function () {
    await world?.close();
  });

  for (const lang of ['ja', 'en'] as const)
    it(`walks the manual in ${lang === 'ja' ? 'Japanese' : 'English'}`, async function () {
      const walk = await Walk.start(world, lang);
      await walkManual(walk, lang);
      expect(walk.findings, 'axe-core (WCAG 2.1 AA) and horizontal overflow, every page').to.deep.equal([]);
    });

  async function walkManual(walk: Walk, lang: Locale) {
    const { t, rp } = world;
    const userId = `${TENANT}-${lang}walk`;
    const email = `${lang}-walk@example.jp`;
    const tablet = `${lang}-tablet@example.jp`;
    const passwords = ['Walk-Pass-2026a', 'Walk-Pass-2026b', 'Walk-Pass-2026c'];
    const contexts: BrowserContext[] = [];
    const open = async (certificate?: Certificate) => {
      const context = await walk.context(certificate);
      contexts.push(context);
      return context.newPage();
    };
    const fill = async (page: Page, fields: Record<string, string>) => {
      for (const [name, value] of Object.entries(fields)) await page.fill(`main [name="${name}"]`, value);
    };
    /** Start at the demo site; Tobira's login page (or whatever Tobira answers first). */
    const atRp = async (page: Page) => {
      await page.goto(`${rp.url}/login`);
      await page.waitForURL((url) => url.href.startsWith(t.url));
    };
    const backAtRp = (page: Page) => page.waitForURL(`${rp.url}/callback**`);
    /** The download page of a mailed link: the password, then the file as Chromium saves it. */
    const download = async (page: Page, password: string, snap?: string): Promise<Certificate> => {
      await page.goto((await walk.mailedLink(email, 'download')).url);
      const form = page.locator(`main form[action$="${new URL(page.url()).pathname}"]`);
      if (snap) {
        await walk.page(page, `${snap}-download`, 'download.title');
        // A mistyped password first: the error, then the right one still downloads.
        await form.locator('input[name=password]').fill('Not-The-Password-1');
        await walk.submit(page, new URL(page.url()).pathname);
        await walk.page(page, `${snap}-download-wrong-password`, 'download.title');
        expect(await page.getByRole('alert').count(), 'the error is announced').to.be.at.least(1);
      }
      await form.locator('input[name=password]').fill(password);
      const [file] = await Promise.all([
        page.waitForEvent('download'),
        form.locator('button[type=submit]').click(),
      ]);
      await page.waitForURL('**/done');
      return { pfx: await readFile((await file.path())!), passphrase: password };
    };
    /** The mailed 証明書再発行 link → secret question → new download password shown once. */
    const certificateReissue = async (page: Page, snap: string): Promise<string> => {
      await page.goto((await walk.mailedLink(email, 'recovery/certificate')).url);
      await walk.page(page, `${snap}-question`, 'recovery.certificate.question.title');
      await page.selectOption('main select[name=questionId]', 'disliked_food');
      await fill(page, { answer: 'かに' });
      await walk.submit(page, new URL(page.url()).pathname);
      await walk.page(page, `${snap}-done`, 'recovery.certificate.done.title');
      return (await page.textContent('[data-testid=issued-secret]'))!.trim();
    };

    try {
      // ---- the landing page and 3. 認証情報登録 (the mailed invitation) ------------------------------
      const home = await open();
      await home.goto(`${t.url}/`);
      await walk.page(home, 'landing', 'home.title');
      const created = await t.tobira.enrollment.createAccount({
        tenantId: TENANT,
        userId,
        terminals: [{ email, type: 'pc' }],
        sendInvitation: true,
        locale: lang,
        actor: 'test',
      });
      const invitation = await walk.mailedLink(email, 'enroll');
      expect(invitation.text).to.include(created.oneTimePassword);
      await home.goto(invitation.url);
      await walk.page(home, 'ch3-enroll-otp', 'enroll.otp.title');
      await fill(home, { otp: created.oneTimePassword });
      await walk.submit(home, new URL(home.url()).pathname);
      await walk.page(home, 'ch3-enroll-credentials', 'enroll.credentials.title');
      await fill(home, { password: passwords[0]!, confirmation: passwords[0]! });
      await home.selectOption('main select[name=questionId]', 'first_car');
      await fill(home, { answer: 'ミニ' });
      await walk.submit(home, '/credentials');
      await walk.page(home, 'ch3-enroll-done', 'enroll.done.title');
      const firstPassword = (await home.textContent('[data-testid=download-password]'))!.trim();

      // ---- 4. 電子証明書の取得: the mailed download link, the file, the install guide ------------------
      const first = await download(home, firstPassword, 'ch4');
      await walk.page(home, 'ch4-download-done', 'download.done.title');
      await Promise.all([home.waitForNavigation(), home.locator('main a[href="/guide"]').first().click()]);
      await walk.page(home, 'ch4-guide', 'guide.title');

      // ---- 5. ログイン方法: password at the demo site; the lock page --------------------------------
      const user = await open(first);
      await atRp(user);
      await walk.page(user, 'ch5-login', 'login.title');
      expect(
        await user.locator('main a[href="/recovery/password"]').count(),
        'パスワードを忘れた方',
      ).to.equal(1);
      await fill(user, { userId, password: passwords[0]! });
      await Promise.all([backAtRp(user), user.locator('main button[type=submit]').first().click()]);
      expect(await user.textContent('body')).to.include(userId);

      const other = await createUser(t.tobira, {
        tenantId: TENANT,
        userId: `${userId}-lock`,
        password: 'Right-Pass-2026',
      });
      const locked = await open({ pfx: other.p12, passphrase: other.p12Password });
      await atRp(locked);
      for (let i = 0; i < MAX_PASSWORD_FAILURES; i += 1) {
        await fill(locked, { userId: other.account.userId, password: `Wrong-Pass-${i}` });
        await walk.submit(locked, '/login');
        // The first failure: the manual's error and warning, the certificate in use still shown.
        if (i === 0) await walk.page(locked, 'ch5-login-failed', 'login.title');
      }
      await walk.page(locked, 'ch5-locked', 'locked.title');
      expect(await locked.textContent('main')).to.include(`support-${TENANT}@example.jp`);
      // Trying again within the minute still shows the lock page with the support desk, not a rate limit.
      await atRp(locked);
      expect(
        await locked.locator('main').getByRole('heading', { level: 1 }).first().textContent(),
      ).to.include(walk.text('locked.title'));

      // ---- 6. アカウント管理画面 -------------------------------------------------------------------
      await user.goto(`${t.url}/account`);
      // ログインを中止 on the account pages' login is told as a cancel; then the login again.
      await Promise.all([user.waitForNavigation(), user.locator('main a[href$="/abort"]').click()]);
      await walk.page(user, 'ch6-login-cancelled', 'account.cancelled.title');
      await Promise.all([user.waitForNavigation(), user.locator('main a[href="/account"]').click()]);
      await fill(user, { userId, password: passwords[0]! });
      await walk.submit(user, '/login');
      expect(user.url()).to.equal(`${t.url}/account`);
      await walk.page(user, 'ch6-account-home', 'account.home.title');
      const menuLinks = async () =>
        (
          await user.locator('a[href^="/account"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))
        ).filter((href, i, all) => all.indexOf(href) === i);
      expect(await menuLinks()).to.include.members([
        '/account',
        '/account/password',
        '/account/secret',
        '/account/history',
        '/account/login-method',
        '/account/certificate',
      ]);
      /** Follow a menu link as a phone user would: open the collapsed menu first where it is one. */
      const menuTo = async (href: string) => {
        const link = user.locator(`a[href="${href}"]`).first();
        if (!(await link.isVisible()))
          await user.locator(`details:has(a[href="${href}"]) > summary`).first().click();
        await Promise.all([user.waitForNavigation(), link.click()]);
      };

      await menuTo('/account/password');
      await walk.page(user, 'ch6-password', 'account.password.title');
      await fill(user, { current: passwords[0]!, password: passwords[1]!, confirmation: passwords[1]! });
      await walk.submit(user, '/account/password');
      await walk.page(user, 'ch6-password-done', 'account.password.title');
      expect(await user.textContent('main')).to.include(walk.text('account.password.done'));

      await menuTo('/account/secret');
      await walk.page(user, 'ch6-secret', 'account.secret.title');
      await user.selectOption('main select[name=questionId]', 'disliked_food');
      await fill(user, { answer: 'かに' });
      await walk.submit(user, '/account/secret');
      await walk.page(user, 'ch6-secret-done', 'account.secret.title');

      await menuTo('/account/history');
      await walk.page(user, 'ch6-history', 'account.history.title');
      expect(await user.locator('main table tbody tr').count()).to.be.at.least(2);

      // ---- 9. 付録1 端末の追加 ---------------------------------------------------------------------
      await menuTo('/account');
      await Promise.all([
        user.waitForNavigation(),
        user.locator('main a[href="/account/terminals/new"]').click(),
      ]);
      await walk.page(user, 'ch9-terminal-add', 'account.terminal.new.title');
      await fill(user, { email: tablet, confirmation: tablet });
      await user.selectOption('main select[name=type]', 'smartphone');
      await walk.submit(user, '/account/terminals/new');
      await walk.page(user, 'ch9-terminal-confirm', 'account.terminal.confirm.title');
      await walk.submit(user, '/account/terminals/new', 'button[name=confirm]');
      await walk.page(user, 'ch9-terminal-added', 'account.terminal.added.title');

      // ---- 10. 付録2 ログイン方法の変更 (and back), with the authenticator ------------------------------
      await menuTo('/account/login-method');
      await walk.page(user, 'ch10-method', 'account.method.title');
      await user.selectOption('main select[name=method]', 'password_otp');
      await walk.submit(user, '/account/login-method');
      await walk.page(user, 'ch10-method-confirm', 'account.method.title');
      await walk.submit(user, '/account/login-method', 'button[name=confirm]');
      await walk.page(user, 'ch10-otp-setup', 'otp_setup.title');
      const key = (await user.textContent('[data-testid=totp-key]'))!;
      // The code of this time step proves the authenticator; the login below replays it first.
      const setupStep = currentStep();
      await fill(user, { code: totpCode(key, setupStep) });
      await walk.submit(user, '/account/login-method/totp');
      await walk.page(user, 'ch10-method-done', 'account.method.title');

      const otp = await open(first);
      await atRp(otp);
      await fill(otp, { userId, password: passwords[1]! });
      await walk.submit(otp, '/login');
      await walk.page(otp, 'ch5-login-otp', 'otp.title');
      // The set-up's code again: told it was already used (not a wrong code), then the next one. Only
      // while that code is still in the accepted window (±1 step); later it is plainly wrong.
      await fill(otp, { code: totpCode(key, setupStep) });
      const sentIn = currentStep();
      await walk.submit(otp, '/otp');
      const answeredBy = currentStep();
      await walk.page(otp, 'ch5-login-otp-reused', 'otp.title');
      const told = (await otp.textContent('main')) ?? '';
      const said = (key: string) => told.includes(walk.text(key));
      // A step boundary may fall between sending and the server's check: either answer is right then.
      if (answeredBy <= setupStep + 1) expect(said('otp.reused'), 'already used').to.equal(true);
      else if (sentIn > setupStep + 1) expect(said('otp.failed'), 'out of its window').to.equal(true);
      else expect(said('otp.reused') || said('otp.failed')).to.equal(true);
      await fill(otp, { code: totpCode(key, Math.max(currentStep(), setupStep + 1)) });
      await Promise.all([backAtRp(otp), otp.locator('main button[type=submit]').first().click()]);
      expect(await otp.textContent('body')).to.include(userId);

      await menuTo('/account/login-method');
      await user.selectOption('main select[name=method]', 'password');
      await walk.submit(user, '/account/login-method');
      await walk.submit(user, '/account/login-method', 'button[name=confirm]');
      expect(await user.textContent('main')).to.include(walk.text('account.method.done'));

      // ---- 11. 付録3 端末情報の変更と削除 -------------------------------------------------------------
      await user.goto(`${t.url}/account/terminals/2/edit`);
      await walk.page(user, 'ch11-terminal-change', 'account.terminal.edit.title');
      await fill(user, { email: `new-${tablet}`, confirmation: `new-${tablet}` });
      await walk.submit(user, '/account/terminals/2/edit');
      await walk.page(user, 'ch11-terminal-changed', 'account.terminal.edit.title');
      await menuTo('/account');
      await Promise.all([
        user.waitForNavigation(),
        user.locator('main a[href="/account/terminals/2/delete"]').click(),
      ]);
      await walk.page(user, 'ch11-terminal-delete', 'account.terminal.delete.title');
      await walk.submit(user, '/account/terminals/2/delete', 'button[name=confirm]');
      await walk.page(user, 'ch11-terminal-deleted', 'account.terminal.delete.title');

      // ---- 8. 電子証明書の再発行, started from the account pages ----------------------------------------
      await menuTo('/account/certificate');
      await walk.page(user, 'ch8-user-request', 'recovery.certificate.request.title');
      await walk.submit(user, '/account/certificate');
      await walk.page(user, 'ch8-user-sent', 'recovery.certificate.sent.title');
      await Promise.all([
        user.waitForNavigation(),
        user.locator('form[action="/account/logout"] button[type=submit]').first().click(),
      ]);
      await walk.page(user, 'ch6-logout', 'account.logout');
      const secondPassword = await certificateReissue(home, 'ch8-user');
      const second = await download(home, secondPassword);
      // The certificate it replaced no longer signs in.
      await atRp(user);
      await walk.page(user, 'ch8-old-certificate', 'cert.title');

      // ---- 7. パスワード再発行, and the forced change at the next login ---------------------------------
      const renewed = await open(second);
      await atRp(renewed);
      await Promise.all([
        renewed.waitForNavigation(),
        renewed.locator('main a[href="/recovery/password"]').click(),
      ]);
      await walk.page(renewed, 'ch7-password-request', 'recovery.password.request.title');
      await fill(renewed, { userId, email });
      await walk.submit(renewed, '/recovery/password');
      await walk.page(renewed, 'ch7-password-sent', 'recovery.password.sent.title');
      await renewed.goto((await walk.mailedLink(email, 'recovery/password')).url);
      await walk.page(renewed, 'ch7-password-question', 'recovery.password.question.title');
      await renewed.selectOption('main select[name=questionId]', 'disliked_food');
      await fill(renewed, { answer: 'かに' });
      await walk.submit(renewed, new URL(renewed.url()).pathname);
      await walk.page(renewed, 'ch7-password-done', 'recovery.password.done.title');
      const reissued = (await renewed.textContent('[data-testid=issued-secret]'))!.trim();
      await atRp(renewed);
      await fill(renewed, { userId, password: reissued });
      await walk.submit(renewed, '/login');
      await walk.page(renewed, 'ch5-forced-change', 'change_password.title');
      await fill(renewed, { newPassword: passwords[2]!, confirmation: passwords[2]! });
      await Promise.all([backAtRp(renewed), renewed.locator('main button[type=submit]').first().click()]);
      expect(await renewed.textContent('body')).to.include(userId);

      // ---- 8. 電子証明書の再発行, started by the admin (admin API) --------------------------------------
      const started = await request(t.url)
        .post(`/admin/v1/accounts/${userId}/terminals/1/certificate-reissue`)
        .ca(t.tobira.ca.certificatePem)
        .set('Authorization', `Bearer ${world.apiKey}`)
        .send({ locale: lang });
      expect(started.status).to.equal(202);
      const thirdPassword = await certificateReissue(home, 'ch8-admin');
      const third = await download(home, thirdPassword);

      // ---- logout: the demo site asks Tobira to end the session (RP-initiated logout) -----------------
      const last = await open(third);
      await atRp(last);
      await fill(last, { userId, password: passwords[2]! });
      await Promise.all([backAtRp(last), last.locator('main button[type=submit]').first().click()]);
      await last.goto(`${rp.url}/logout`);
      await last.waitForURL((url) => url.href.startsWith(t.url));
      await walk.page(last, 'ch5-logout', 'logout.title');
      await Promise.all([last.waitForURL(`${rp.url}/**`), last.locator('main button[name=logout]').click()]);
    } finally {
      for (const context of contexts) await context.close();
    }
  }
});
