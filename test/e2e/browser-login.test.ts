/**
 * End to end in a real browser: Debian's Chromium (driven by playwright-core) presents the client
 * certificate, signs in at Tobira and lands on the demo relying party, which shows the claims.
 * Screenshots go to test-output/ for a person to look at.
 */
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import {
  accessibilityViolations,
  launchChromium,
  startTobiraWithDemoRp,
  type DemoRp,
} from '../helpers/chromium.js';
import { createUser, type TestUser } from '../helpers/fixtures.js';
import type { TestTobira } from '../helpers/tobira.js';

const OUT = path.resolve('test-output');

describe('browser: Chromium signs in with the client certificate', function () {
  let t: TestTobira;
  let browser: Browser;
  let rp: DemoRp;
  let user: TestUser;
  let pfxPath: string;

  before(async function () {
    await mkdir(OUT, { recursive: true });
    ({ t, rp } = await startTobiraWithDemoRp('p-10'));
    user = await createUser(t.tobira, {
      tenantId: 'p-10',
      userId: 'p-10-browser',
      password: 'Browser-Login-42',
    });
    pfxPath = path.join(t.dataDir, 'user.p12');
    await writeFile(pfxPath, user.p12);
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await rp?.close();
    await t?.close();
  });

  it('shows the login page in Japanese, signs in, and returns to the relying party with the claims', async function () {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale: 'ja-JP',
      clientCertificates: [{ origin: t.url, pfxPath, passphrase: user.p12Password }],
    });
    const page = await context.newPage();
    await page.goto(`${rp.url}/login`);
    await page.waitForSelector('input[name=userId]');
    expect(await page.textContent('main')).to.include('ユーザIDとパスワードを入力してください。');
    expect(await accessibilityViolations(page), 'axe-core on the login page').to.deep.equal([]);
    await page.screenshot({ path: path.join(OUT, 'login-page.png'), fullPage: true });

    await page.fill('input[name=userId]', 'p-10-browser');
    await page.fill('input[name=password]', 'Browser-Login-42');
    await Promise.all([page.waitForURL(`${rp.url}/callback**`), page.click('button[type=submit]')]);
    const body = await page.textContent('body');
    expect(body).to.include('p-10-browser');
    expect(body).to.include(user.account.id);
    await page.screenshot({ path: path.join(OUT, 'relying-party-claims.png'), fullPage: true });

    // RP-initiated logout: Tobira asks for confirmation in its own page, then returns to the RP.
    await page.click('a[href="/logout"]');
    await page.waitForSelector('button[name=logout]');
    expect(await page.textContent('main')).to.include('ログアウトしますか？');
    expect(await accessibilityViolations(page), 'axe-core on the logout page').to.deep.equal([]);
    await Promise.all([page.waitForURL(`${rp.url}/`), page.click('button[name=logout]')]);
    expect(await page.textContent('body')).to.include('Tobiraでログイン');
    await context.close();
  });

  it('shows the "no certificate" page to a browser without one, on a phone-sized screen', async function () {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale: 'ja-JP',
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    const page = await context.newPage();
    await page.goto(`${rp.url}/login`);
    await page.waitForSelector('main h1');
    expect(await page.textContent('main')).to.include('電子証明書が提示されませんでした');
    expect(await accessibilityViolations(page), 'axe-core on the error page').to.deep.equal([]);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width, 'no horizontal scrolling on a phone').to.be.at.most(390);
    await page.screenshot({ path: path.join(OUT, 'no-certificate-phone.png'), fullPage: true });
    await context.close();
  });

  it('shows the landing page at the issuer root on a phone and on a desktop', async function () {
    for (const [name, viewport] of [
      ['phone', { width: 390, height: 844 }],
      ['desktop', { width: 1280, height: 800 }],
    ] as const) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ja-JP', viewport });
      const page = await context.newPage();
      await page.goto(`${t.url}/`);
      expect(await page.textContent('main h1')).to.equal('Tobira ログインサービス');
      expect(
        await page.locator('main a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
      ).to.deep.equal(['/guide', '/account', '/recovery/password', '/ca/ca.crt']);
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      expect(width, `no horizontal scrolling (${name})`).to.be.at.most(viewport.width);
      await page.screenshot({ path: path.join(OUT, `landing-${name}.png`), fullPage: true });
      await context.close();
    }
  });

  it('passes axe-core (WCAG 2.1 AA) on the landing page, the account pages, the guide and the recovery form, in both languages', async function () {
    const found: string[] = [];
    for (const locale of ['ja-JP', 'en-US']) {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        locale,
        clientCertificates: [{ origin: t.url, pfxPath, passphrase: user.p12Password }],
      });
      const page = await context.newPage();
      const audit = async (url: string) => {
        await page.goto(url);
        found.push(...(await accessibilityViolations(page)).map((v) => `${locale} ${url}: ${v}`));
      };
      await page.goto(`${t.url}/account`);
      await page.fill('input[name=userId]', 'p-10-browser');
      await page.fill('input[name=password]', 'Browser-Login-42');
      await Promise.all([page.waitForURL(`${t.url}/account`), page.click('button[type=submit]')]);
      expect(await page.textContent('main')).to.include('p-10-browser');
      expect(await page.getAttribute('html', 'lang')).to.equal(locale.slice(0, 2));
      for (const url of [
        '/',
        '/account',
        '/account/password',
        '/account/secret',
        '/account/history',
        '/account/login-method',
        '/account/terminals/new',
        '/account/terminals/1/edit',
        '/guide',
        '/recovery/password',
      ])
        await audit(`${t.url}${url}`);
      await context.close();
    }
    expect(found).to.deep.equal([]);
  });
});
