/**
 * The pages' look in Chromium at a phone's width (390 px) and a desktop's (1280 px), in Japanese and
 * English (issue 14): the account menu on the left on a desktop and folded on a phone, ログアウト at the
 * top right, tables that fit a phone without one-character columns, the OTP key in whole groups under
 * its label, the language switch that keeps the login in progress. Screenshots go to test-output/.
 */
import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { accessibilityViolations, launchChromium } from '../helpers/chromium.js';
import { createTenant, createUser, type TestUser } from '../helpers/fixtures.js';
import { startTestTobira, type TestTobira } from '../helpers/tobira.js';

const OUT = path.resolve('test-output');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

type Box = { x: number; y: number; width: number; height: number };

describe('browser: look and feel on a phone and a desktop', function () {
  let t: TestTobira;
  let browser: Browser;
  let pfxPath: string;
  let user: TestUser;
  const PASSWORD = 'Look-And-Feel-14';

  before(async function () {
    await mkdir(OUT, { recursive: true });
    t = await startTestTobira();
    await createTenant(t.tobira, 'p-14', { features: { loginMethods: ['password', 'password_otp'] } });
    user = await createUser(t.tobira, { tenantId: 'p-14', userId: 'p-14-look', password: PASSWORD });
    pfxPath = path.join(t.dataDir, 'look.p12');
    await writeFile(pfxPath, user.p12);
    browser = await launchChromium();
  });
  after(async function () {
    await browser?.close();
    await t?.close();
  });

  async function signedIn(
    locale: string,
    device: typeof PHONE | typeof DESKTOP,
  ): Promise<[BrowserContext, Page]> {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale,
      ...device,
      clientCertificates: [{ origin: t.url, pfxPath, passphrase: user.p12Password }],
    });
    const page = await context.newPage();
    await page.goto(`${t.url}/account`);
    await page.fill('input[name=userId]', user.account.userId);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${t.url}/account`), page.click('main button[type=submit]')]);
    return [context, page];
  }
  const box = async (page: Page, selector: string): Promise<Box> => {
    const found = await page.locator(selector).first().boundingBox();
    expect(found, `${selector} is laid out`).to.not.equal(null);
    return found!;
  };
  const scrollWidth = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth');

  it('desktop: the account menu on the left of the page, ログアウト at the top right, titles without 「」', async function () {
    for (const locale of ['ja-JP', 'en-US']) {
      const [context, page] = await signedIn(locale, DESKTOP);
      const menu = await box(page, 'nav.account-menu');
      const heading = await box(page, 'main h1');
      expect(menu.x + menu.width, 'the menu ends left of the title').to.be.at.most(heading.x);
      expect(await page.isVisible('nav.account-menu a[href="/account/history"]')).to.equal(true);
      const logout = await box(page, 'header form[action="/account/logout"] button');
      expect(logout.x, 'ログアウト on the right').to.be.above(1280 * 0.75);
      expect(logout.y, 'ログアウト at the top').to.be.below(80);
      expect(await page.textContent('main h1')).to.not.match(/[「」]/);
      const [table, card] = [await box(page, 'main table'), await box(page, 'main')];
      expect(table.x + table.width, 'the terminal table stays inside the page').to.be.at.most(
        card.x + card.width,
      );
      expect(await scrollWidth(page)).to.be.at.most(1280);
      expect(await accessibilityViolations(page), `axe ${locale}`).to.deep.equal([]);
      await page.screenshot({ path: path.join(OUT, `look-account-desktop-${locale}.png`), fullPage: true });
      await context.close();
    }
  });

  it('phone: the menu folds into メニュー, the terminal table stacks, 変更 stays on one line', async function () {
    for (const locale of ['ja-JP', 'en-US']) {
      const [context, page] = await signedIn(locale, PHONE);
      expect(await page.isVisible('nav.account-menu a[href="/account/history"]'), 'folded').to.equal(false);
      await page.click('details.account-nav > summary');
      expect(await page.isVisible('nav.account-menu a[href="/account/history"]'), 'opened').to.equal(true);
      expect(await scrollWidth(page), 'no horizontal scrolling').to.be.at.most(390);
      // Stacked: each value spans the row's width, under its column's name; no column a letter wide.
      const row = await box(page, 'table.stack tbody tr');
      const cell = await box(page, 'table.stack tbody td.email');
      expect(cell.width).to.be.above(row.width * 0.8);
      const change = await box(page, 'a[href="/account/terminals/1/edit"]');
      expect(change.width, '変更 on one line').to.be.above(change.height);
      expect(change.height).to.be.below(48);
      const header = await box(page, 'header form[action="/account/logout"] button');
      expect(header.x + header.width).to.be.at.most(390);
      expect(await accessibilityViolations(page), `axe ${locale}`).to.deep.equal([]);
      await page.screenshot({ path: path.join(OUT, `look-account-phone-${locale}.png`), fullPage: true });
      await page.goto(`${t.url}/account/password`);
      expect(await page.locator('ol.steps li').count(), 'the step bar on パスワード変更').to.equal(2);
      expect(await page.getAttribute('ol.steps li:first-child', 'aria-current')).to.equal('step');
      await page.screenshot({ path: path.join(OUT, `look-password-phone-${locale}.png`), fullPage: true });
      await context.close();
    }
  });

  it('phone: the OTP key sits under its label, in groups of four that never break inside', async function () {
    const [context, page] = await signedIn('ja-JP', PHONE);
    await page.goto(`${t.url}/account/login-method`);
    await page.selectOption('select[name=method]', 'password_otp');
    await page.click('main form button:not(.secondary)');
    await page.click('main form button[name=confirm]');
    await page.waitForSelector('[data-testid=totp-key]');
    const label = await box(page, '#totp-key-label');
    const key = await box(page, '.secret-key');
    expect(key.y, 'the key box starts below its label').to.be.at.least(label.y + label.height);
    // Each group of four is laid out on one line (one client rect per group).
    const rectsPerGroup = await page.evaluate<number[]>(`(() => {
      const node = document.querySelector('[data-testid=totp-key]').firstChild;
      const counts = [];
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        counts.push(range.getClientRects().length);
      }
      return counts;
    })()`);
    expect(rectsPerGroup.length, 'the key is shown in groups').to.be.above(4);
    expect(rectsPerGroup.every((n) => n === 1)).to.equal(true);
    expect(
      await page.evaluate<string>("getComputedStyle(document.querySelector('.secret-key code')).fontFamily"),
    ).to.match(/mono/i);
    expect(await scrollWidth(page)).to.be.at.most(390);
    expect(await accessibilityViolations(page)).to.deep.equal([]);
    await page.screenshot({ path: path.join(OUT, 'look-otp-setup-phone-ja.png'), fullPage: true });
    await context.close();
  });

  it('login: 日本語 / English switch keeps the login in progress', async function () {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      locale: 'ja-JP',
      ...PHONE,
      clientCertificates: [{ origin: t.url, pfxPath, passphrase: user.p12Password }],
    });
    const page = await context.newPage();
    await page.goto(`${t.url}/account`);
    await page.waitForSelector('input[name=userId]');
    const loginUrl = new URL(page.url()).pathname;
    expect(await page.getAttribute('nav.lang a[aria-current]', 'lang')).to.equal('ja');
    await page.click('nav.lang a[hreflang=en]');
    expect(new URL(page.url()).pathname, 'the same interaction').to.equal(loginUrl);
    expect(await page.textContent('main')).to.include('Enter your user ID and password.');
    expect(await page.isVisible('a[href="/recovery/password"]')).to.equal(true);
    await page.screenshot({ path: path.join(OUT, 'look-login-phone-en.png'), fullPage: true });
    await page.fill('input[name=userId]', user.account.userId);
    await page.fill('input[name=password]', PASSWORD);
    await Promise.all([page.waitForURL(`${t.url}/account`), page.click('main button[type=submit]')]);
    expect(await page.textContent('main h1')).to.equal('Account');
    await context.close();
  });
});
